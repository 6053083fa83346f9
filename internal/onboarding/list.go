package onboarding

import (
	"context"
	"fmt"

	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// MerchantFilter selects the merchants an operator lists. Zero fields do not filter.
type MerchantFilter struct {
	NextAction     string
	KYCStatus      string // verified, review, rejected, or "none"
	ChargesEnabled *bool
	SubaccountID   string
	Tier           int // the route's first tier: 1 or 3
	PageSize       int
	PageToken      string
}

// ListMerchants returns a page of the merchants the caller may see, newest first, and the
// token of the next page ("" on the last). The next action is derived, not stored: it is
// matched on each candidate row in order, so a rare action may read past many rows.
func (s *Service) ListMerchants(ctx context.Context, f MerchantFilter) ([]Merchant, string, error) {
	size, err := store.PageSize(f.PageSize)
	if err != nil {
		return nil, "", err
	}
	const order = "created_at desc"
	after, err := store.ParseKeyset(order, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	if len(f.NextAction) > 64 {
		return nil, "", apperr.Invalid("next_action", "is at most 64 characters")
	}
	var preds []predicate.Merchant
	switch f.KYCStatus {
	case "":
	case "none":
		preds = append(preds, merchant.KycStatus(""))
	case KYCVerified, KYCReview, KYCRejected:
		preds = append(preds, merchant.KycStatus(f.KYCStatus))
	default:
		return nil, "", apperr.Invalid("kyc_status", "use verified, review, rejected or none")
	}
	if f.ChargesEnabled != nil {
		preds = append(preds, merchant.ChargesEnabled(*f.ChargesEnabled))
	}
	if f.SubaccountID != "" {
		preds = append(preds, merchant.SubaccountID(f.SubaccountID))
	}
	switch f.Tier {
	case 0:
	case 1:
		preds = append(preds, merchant.Route(RouteDatabaseKYC))
	case 3:
		preds = append(preds, merchant.Route(RouteDocumentLiveness))
	default:
		return nil, "", apperr.Invalid("tier", "use 1 (database KYC) or 3 (document and liveness)")
	}
	var out []Merchant
	for {
		q := s.store.Reader.Merchant.Query().Where(preds...).Limit(size + 1)
		if after != nil {
			q = q.Where(predicate.Merchant(after.After(merchant.FieldCreatedAt, true)))
		}
		for _, o := range store.Ordered(merchant.FieldCreatedAt, true) {
			q = q.Order(o)
		}
		rows, err := q.All(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("list merchants: %w", err)
		}
		for _, r := range rows {
			m, err := s.view(ctx, r)
			if err != nil {
				return nil, "", err
			}
			if f.NextAction == "" || m.NextAction == f.NextAction {
				out = append(out, m)
			}
			if len(out) > size {
				break
			}
		}
		if len(out) > size || len(rows) <= size {
			break
		}
		last := rows[len(rows)-1]
		after = &store.Keyset{Order: order, At: &last.CreatedAt, ID: last.ID}
	}
	out, next := store.Cut(out, size, func(m Merchant) store.Keyset {
		return store.Keyset{Order: order, At: &m.CreatedAt, ID: m.ID}
	})
	return out, next, nil
}
