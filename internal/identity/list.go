package identity

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// CustomerFilter selects the customers an operator lists. Zero fields do not filter.
type CustomerFilter struct {
	Required     *bool
	Status       string // an identity_status, or "none" for never attempted
	SubaccountID string
	// FlaggedBefore keeps customers required to verify, not verified, flagged before it:
	// the ones stuck in limbo.
	FlaggedBefore time.Time
	Query         string // an exact id or external id
	OrderBy       string // "created_at desc" (default), "created_at", "identity_verification_required_at [desc]"
	PageSize      int
	PageToken     string
}

var statuses = []string{"none", "pending", "verified", "requires_input", "failed", "canceled"}

// ListCustomers returns a page of the customers the caller may see, and the token of the
// next page ("" on the last).
func (s *Service) ListCustomers(ctx context.Context, f CustomerFilter) ([]Customer, string, error) {
	column, desc, err := customerOrder(f.OrderBy)
	if err != nil {
		return nil, "", err
	}
	size, err := store.PageSize(f.PageSize)
	if err != nil {
		return nil, "", err
	}
	order := column
	if desc {
		order += " desc"
	}
	after, err := store.ParseKeyset(order, f.PageToken)
	if err != nil {
		return nil, "", err
	}
	var preds []predicate.Customer
	if f.Required != nil {
		preds = append(preds, customer.IdentityVerificationRequired(*f.Required))
	}
	switch {
	case f.Status == "none":
		preds = append(preds, customer.IdentityStatusIsNil())
	case f.Status != "":
		if !slices.Contains(statuses, f.Status) {
			return nil, "", apperr.Invalid("identity_status", "use one of %s", strings.Join(statuses, ", "))
		}
		preds = append(preds, customer.IdentityStatus(f.Status))
	}
	if f.SubaccountID != "" {
		preds = append(preds, customer.SubaccountID(f.SubaccountID))
	}
	if !f.FlaggedBefore.IsZero() {
		preds = append(preds, customer.IdentityVerificationRequired(true), customer.IdentityVerificationRequiredAtLT(f.FlaggedBefore),
			customer.Or(customer.IdentityStatusIsNil(), customer.IdentityStatusNEQ(StatusVerified)))
	}
	if f.Query != "" {
		preds = append(preds, customer.Or(customer.ID(f.Query), customer.ExternalID(f.Query)))
	}
	if after != nil {
		preds = append(preds, predicate.Customer(after.After(column, desc)))
	}
	q := s.store.Reader.Customer.Query().Where(preds...).Limit(size + 1)
	for _, o := range store.Ordered(column, desc) {
		q = q.Order(o)
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("list customers: %w", err)
	}
	rows, next := store.Cut(rows, size, func(r *ent.Customer) store.Keyset {
		if column == customer.FieldIdentityVerificationRequiredAt {
			return store.Keyset{Order: order, At: r.IdentityVerificationRequiredAt, ID: r.ID}
		}
		return store.Keyset{Order: order, At: &r.CreatedAt, ID: r.ID}
	})
	out := make([]Customer, len(rows))
	for i, r := range rows {
		if out[i], err = s.fromRow(r); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// customerOrder parses order_by into a column and direction.
func customerOrder(orderBy string) (column string, desc bool, err error) {
	if strings.TrimSpace(orderBy) == "" {
		return customer.FieldCreatedAt, true, nil
	}
	f := strings.Fields(strings.ToLower(orderBy))
	if len(f) > 2 || (f[0] != customer.FieldCreatedAt && f[0] != customer.FieldIdentityVerificationRequiredAt) ||
		(len(f) == 2 && f[1] != "asc" && f[1] != "desc") {
		return "", false, apperr.Invalid("order_by", "use created_at or identity_verification_required_at, optionally followed by asc or desc")
	}
	return f[0], len(f) == 2 && f[1] == "desc", nil
}
