package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/merchant"
	"github.com/idgate/idgate/ent/person"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/webhook"
)

// EventTypes are the Connect events this package handles.
var EventTypes = map[string]func(*Service) webhook.Handler{
	"account.updated": func(s *Service) webhook.Handler { return s.HandleAccountUpdated },
	"person.created":  func(s *Service) webhook.Handler { return s.HandlePerson },
	"person.updated":  func(s *Service) webhook.Handler { return s.HandlePerson },
}

// accountOrder orders account.updated events, and personOrder person.* events, of one
// object: the later second wins, ties settled by the event id.
var (
	accountOrder = webhook.Order{}
	personOrder  = webhook.Order{}
)

// ownAccount reports whether a Connect event may apply to account: an event that names
// another account (event.account, person.account) is not this object's, however its ids
// match. It logs the mismatch (ids only) and marks the event skipped.
func (s *Service) ownAccount(ctx context.Context, ev webhook.Event, account string, named ...string) bool {
	for _, n := range append(named, ev.Account) {
		if n != "" && n != account {
			s.log.WarnContext(ctx, "Connect event names another account: skipped", "event_id", ev.ID, "account", account, "event_account", n)
			webhook.Skip(ctx)
			return false
		}
	}
	return true
}

// HandleAccountUpdated syncs charges_enabled, payouts_enabled, requirements and capability
// states through accountOrder, on the merchant's row locked: a late delivery never revokes
// what a newer one granted, and enabling charges is announced once per enabling.
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
	if !s.ownAccount(ctx, ev, acct.ID) {
		return nil
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := store.Locked(tx, tx.Merchant.Query().Where(merchant.StripeAccountID(acct.ID))).Only(ctx)
		if ent.IsNotFound(err) {
			s.log.InfoContext(ctx, "account.updated for an account idgate does not know", "event_id", ev.ID)
			webhook.Skip(ctx)
			return nil
		}
		if err != nil {
			return err
		}
		_, err = accountOrder.Apply(ctx, accountOrder.Version(ev, "", ""), func() (webhook.Version, error) {
			return accountOrder.Applied(row.AccountEventAt, "", "", row.AccountEventID), nil
		}, func() error {
			err := row.Update().SetChargesEnabled(acct.ChargesEnabled).SetPayoutsEnabled(acct.PayoutsEnabled).
				SetRequirements(string(reqJSON)).SetCapabilities(string(capJSON)).SetDisabledReason(req.DisabledReason).
				SetAccountEventAt(ev.Created).SetAccountEventID(ev.ID).Exec(ctx)
			if err == nil && acct.ChargesEnabled && !row.ChargesEnabled {
				err = s.notify(ctx, tx, row, chargesEnabled())
			}
			return err
		})
		return err
	})
}

// HandlePerson keeps a person's verification status through personOrder, and records the
// files of a document Stripe rejected (verification.document.details_code set), in one
// transaction with the merchant's and the person's rows locked. A person is keyed by its
// merchant and Stripe's person id: an event of another account never reaches it.
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
	if !s.ownAccount(ctx, ev, acct, p.Account) {
		return nil
	}
	return s.store.InTx(ctx, func(tx store.Tx) error {
		m, err := store.Locked(tx, tx.Merchant.Query().Where(merchant.StripeAccountID(acct))).Only(ctx)
		if ent.IsNotFound(err) {
			s.log.InfoContext(ctx, "person event for an account idgate does not know", "event_id", ev.ID)
			webhook.Skip(ctx)
			return nil
		}
		if err != nil {
			return err
		}
		if doc := p.Verification.Document; doc.DetailsCode != "" {
			// Stripe could not verify the document: its files must not be submitted again,
			// whatever the order of the events (a union, so it needs no ordering).
			if err := s.rejectFiles(ctx, m, doc.Front, doc.Back); err != nil {
				return err
			}
		}
		existing, err := store.Locked(tx, tx.Person.Query().Where(person.MerchantID(m.ID), person.StripePersonID(p.ID))).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		_, err = personOrder.Apply(ctx, personOrder.Version(ev, p.Verification.Status, ""), func() (webhook.Version, error) {
			if existing == nil {
				return webhook.Version{}, nil
			}
			return personOrder.Applied(existing.EventAt, existing.VerificationStatus, "", existing.EventID), nil
		}, func() error {
			var err error
			if existing == nil {
				err = tx.Person.Create().SetID(store.NewID("per")).SetMerchantID(m.ID).SetStripePersonID(p.ID).
					SetVerificationStatus(p.Verification.Status).SetVerificationDetailsCode(p.Verification.DetailsCode).
					SetEventAt(ev.Created).SetEventID(ev.ID).Exec(ctx)
			} else {
				err = existing.Update().SetVerificationStatus(p.Verification.Status).SetVerificationDetailsCode(p.Verification.DetailsCode).
					SetEventAt(ev.Created).SetEventID(ev.ID).Exec(ctx)
			}
			if err != nil {
				return err
			}
			// Stripe Connect as the database-KYC provider: the status answers the pending check.
			return s.completeConnectCheck(ctx, tx, m, p.ID, p.Verification.Status, p.Verification.DetailsCode, ev.Created)
		})
		return err
	})
}

// rejectFiles adds files to the merchant's rejected document files; m is locked by the
// caller's transaction, so two person.updated events at once both count.
func (s *Service) rejectFiles(ctx context.Context, m *ent.Merchant, files ...string) error {
	rejected := slices.Clone(m.RejectedDocumentFiles)
	for _, f := range files {
		if f != "" && !slices.Contains(rejected, f) {
			rejected = append(rejected, f)
		}
	}
	if len(rejected) == len(m.RejectedDocumentFiles) {
		return nil
	}
	s.log.InfoContext(ctx, "identity document rejected by Stripe", "merchant_id", m.ID, "files", len(rejected)-len(m.RejectedDocumentFiles))
	return m.Update().SetRejectedDocumentFiles(rejected).Exec(ctx)
}
