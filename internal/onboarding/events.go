package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/webhook"
)

// EventTypes are the Connect events this package handles.
var EventTypes = map[string]func(*Service) webhook.Handler{
	"account.updated": func(s *Service) webhook.Handler { return s.HandleAccountUpdated },
	"person.created":  func(s *Service) webhook.Handler { return s.HandlePerson },
	"person.updated":  func(s *Service) webhook.Handler { return s.HandlePerson },
}

// HandleAccountUpdated syncs charges_enabled, payouts_enabled, requirements and capability
// states. An event older than the one applied last is ignored, so a late delivery never
// revokes what a newer one granted.
func (s *Service) HandleAccountUpdated(ctx context.Context, ev webhook.Event) error {
	var acct struct {
		ID             string            `json:"id"`
		ChargesEnabled bool              `json:"charges_enabled"`
		PayoutsEnabled bool              `json:"payouts_enabled"`
		Requirements   json.RawMessage   `json:"requirements"`
		Capabilities   map[string]string `json:"capabilities"`
	}
	if err := json.Unmarshal(ev.Object, &acct); err != nil || acct.ID == "" {
		return fmt.Errorf("decode account of %s: %v", ev.ID, err)
	}
	var req Requirements
	if len(acct.Requirements) > 0 && string(acct.Requirements) != "null" {
		if err := json.Unmarshal(acct.Requirements, &req); err != nil {
			return fmt.Errorf("decode requirements of %s: %w", ev.ID, err)
		}
	}
	reqJSON, _ := json.Marshal(req)
	capJSON, _ := json.Marshal(acct.Capabilities)
	row, err := s.store.Ent.Merchant.Query().Where(merchant.StripeAccountID(acct.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		s.log.InfoContext(ctx, "account.updated for an account idgate does not know", "event_id", ev.ID)
		return nil
	}
	if err != nil {
		return err
	}
	// The conditions are checked by the UPDATEs themselves, so two deliveries racing cannot
	// both win, nor both announce that charges are enabled.
	return s.store.InTx(ctx, func(tx store.Tx) error {
		update := func(enabling bool) (int, error) {
			u := tx.Merchant.Update().Where(merchant.ID(row.ID), merchant.Or(merchant.AccountEventAtIsNil(), merchant.AccountEventAtLTE(ev.Created)))
			if enabling {
				u.Where(merchant.ChargesEnabled(false))
			}
			return u.SetChargesEnabled(acct.ChargesEnabled).SetPayoutsEnabled(acct.PayoutsEnabled).
				SetRequirements(string(reqJSON)).SetCapabilities(string(capJSON)).SetDisabledReason(req.DisabledReason).
				SetAccountEventAt(ev.Created).Save(ctx)
		}
		if acct.ChargesEnabled {
			n, err := update(true)
			if err != nil || n == 1 {
				if err == nil {
					err = s.notify(ctx, tx, row, chargesEnabled())
				}
				return err
			}
		}
		n, err := update(false)
		if err == nil && n == 0 {
			s.log.InfoContext(ctx, "stale account.updated ignored", "event_id", ev.ID, "merchant_id", row.ID)
		}
		return err
	})
}

// HandlePerson keeps a person's verification status, newest event first, and records the
// files of a document Stripe rejected (verification.document.details_code set).
func (s *Service) HandlePerson(ctx context.Context, ev webhook.Event) error {
	var p struct {
		ID           string `json:"id"`
		Account      string `json:"account"`
		Verification struct {
			Status      string `json:"status"`
			DetailsCode string `json:"details_code"`
			Document    struct {
				Front       string `json:"front"`
				Back        string `json:"back"`
				DetailsCode string `json:"details_code"`
			} `json:"document"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(ev.Object, &p); err != nil || p.ID == "" {
		return fmt.Errorf("decode person of %s: %v", ev.ID, err)
	}
	acct := p.Account
	if acct == "" {
		acct = ev.Account
	}
	m, err := s.store.Ent.Merchant.Query().Where(merchant.StripeAccountID(acct)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if doc := p.Verification.Document; doc.DetailsCode != "" {
		// Stripe could not verify the document: its files must not be submitted again,
		// whatever the order of the events.
		if err := s.rejectFiles(ctx, m, doc.Front, doc.Back); err != nil {
			return err
		}
	}
	existing, err := s.store.Ent.Person.Get(ctx, p.ID)
	switch {
	case ent.IsNotFound(err):
		err = s.store.Ent.Person.Create().SetID(p.ID).SetMerchantID(m.ID).SetVerificationStatus(p.Verification.Status).
			SetVerificationDetailsCode(p.Verification.DetailsCode).SetEventAt(ev.Created).Exec(ctx)
	case err != nil:
		return err
	case existing.EventAt != nil && ev.Created.Before(*existing.EventAt):
		return nil
	default:
		err = existing.Update().SetVerificationStatus(p.Verification.Status).
			SetVerificationDetailsCode(p.Verification.DetailsCode).SetEventAt(ev.Created).Exec(ctx)
	}
	if err != nil {
		return err
	}
	// Stripe Connect as the database-KYC provider: the status answers the pending check.
	return s.completeConnectCheck(ctx, m, p.ID, p.Verification.Status, p.Verification.DetailsCode, ev.Created)
}

// rejectFiles adds files to the merchant's rejected document files, on the row locked, so
// that two person.updated events at once both count.
func (s *Service) rejectFiles(ctx context.Context, m *ent.Merchant, files ...string) error {
	return s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := store.Locked(tx, tx.Merchant.Query().Where(merchant.ID(m.ID))).Only(ctx)
		if err != nil {
			return err
		}
		rejected := slices.Clone(row.RejectedDocumentFiles)
		for _, f := range files {
			if f != "" && !slices.Contains(rejected, f) {
				rejected = append(rejected, f)
			}
		}
		if len(rejected) == len(row.RejectedDocumentFiles) {
			return nil
		}
		s.log.InfoContext(ctx, "identity document rejected by Stripe", "merchant_id", m.ID, "files", len(rejected)-len(row.RejectedDocumentFiles))
		return row.Update().SetRejectedDocumentFiles(rejected).Exec(ctx)
	})
}
