package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/ent/verificationsession"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/webhook"
)

// SessionEventTypes are the Stripe Identity events this package handles.
var SessionEventTypes = []string{
	"identity.verification_session.processing",
	"identity.verification_session.verified",
	"identity.verification_session.requires_input",
	"identity.verification_session.canceled",
	"identity.verification_session.redacted",
}

// sessionUpdate is one observation of a session's state, from an event or from Stripe.
type sessionUpdate struct {
	SessionID  string
	Status     string // Stripe's: requires_input, processing, verified, canceled
	ErrorCode  string
	CustomerID string // from the session's metadata
	At         time.Time
	EventID    string // "" for a read-back from Stripe
	Verified   *stripe.VerifiedData
	Redacted   bool
	// PrevErrorCode is the session's code before this update; "" for a session new here.
	PrevErrorCode string
	// Path is the customer's path the session was made for.
	Path Path
}

// HandleSessionEvent applies an identity.verification_session.* event through
// webhook.SessionOrder, with the customer's and the session's rows locked: a session that
// reached verified or canceled never changes again, an older event is stale, and an event
// of a session that is not the customer's newest changes only that session's record.
func (s *Service) HandleSessionEvent(ctx context.Context, ev webhook.Event) error {
	obj, err := stripe.ParseVerificationSession(ev.Object)
	if err != nil {
		return fmt.Errorf("decode verification session of %s: %w", ev.ID, err)
	}
	u := sessionUpdate{SessionID: obj.ID, Status: obj.Status, ErrorCode: obj.LastErrorCode, CustomerID: obj.Metadata["customer_id"], At: ev.Created, EventID: ev.ID}
	switch ev.Type {
	case "identity.verification_session.redacted":
		u.Redacted = true
	case "identity.verification_session.verified":
		// The event carries no verified outputs: fetch them (the worker retries on failure).
		vs, err := s.stripe.GetVerifiedSession(ctx, obj.ID)
		if err != nil {
			return err
		}
		u.Status, u.Verified = "verified", vs.Verified
	}
	return s.applySession(ctx, u)
}

// readBackTie is the tie of a state read back from Stripe (a refresh, reconciliation): it
// sorts after event ids, since what Stripe says now is at least as new as any event of the
// same second.
const readBackTie = "stripe_readback"

// redactionOrder orders redacted events: the first one is applied, any other is stale.
var redactionOrder = webhook.Order{Terminal: []string{"redacted"}}

func (s *Service) applySession(ctx context.Context, u sessionUpdate) error {
	ev := webhook.Event{ID: u.EventID, Created: u.At}
	if ev.ID == "" {
		ev.ID = readBackTie
	}
	in := webhook.SessionOrder.Version(ev, u.Status, u.ErrorCode)
	return s.store.InTx(ctx, func(tx store.Tx) error {
		vs, err := tx.VerificationSession.Get(ctx, u.SessionID)
		if ent.IsNotFound(err) {
			return s.adopt(ctx, tx, in, u)
		}
		if err != nil {
			return err
		}
		// The customer first, then the session: the order every writer of both locks them in.
		row, err := s.lockCustomer(ctx, tx, vs.CustomerID)
		if err != nil {
			return err
		}
		if vs, err = store.Locked(tx, tx.VerificationSession.Query().Where(verificationsession.ID(vs.ID))).Only(ctx); err != nil {
			return err
		}
		if u.Redacted {
			_, err := redactionOrder.Apply(ctx, webhook.Version{At: u.At, Status: "redacted", Tie: in.Tie}, func() (webhook.Version, error) {
				return redactionOrder.Applied(vs.RedactedAt, "redacted", "", ""), nil
			}, func() error { return s.sessionRedacted(ctx, tx, row, vs, u.At) })
			return err
		}
		_, err = webhook.SessionOrder.Apply(ctx, in, func() (webhook.Version, error) {
			return webhook.SessionOrder.Applied(vs.StatusEventAt, vs.Status, vs.LastErrorCode, vs.StatusEventID), nil
		}, func() error {
			if err := vs.Update().SetStatus(u.Status).SetLastErrorCode(u.ErrorCode).SetStatusEventAt(u.At).SetStatusEventID(in.Tie).Exec(ctx); err != nil {
				return err
			}
			if row.IdentitySessionID == nil || *row.IdentitySessionID != vs.ID {
				return nil // an older session: its outcome no longer speaks for the customer
			}
			u.PrevErrorCode, u.Path = vs.LastErrorCode, Path(vs.VerificationPath)
			return s.applyToCustomer(ctx, tx, row, u)
		})
		return err
	})
}

// adopt links a session idgate did not create (or whose creation has not committed yet)
// through its metadata, when the customer has no session of their own yet.
func (s *Service) adopt(ctx context.Context, tx store.Tx, in webhook.Version, u sessionUpdate) error {
	if u.CustomerID == "" {
		s.log.InfoContext(ctx, "event for a verification session idgate does not know", "session_id", u.SessionID)
		webhook.Skip(ctx)
		return nil
	}
	row, err := s.lockCustomer(ctx, tx, u.CustomerID)
	if err != nil {
		s.log.InfoContext(ctx, "verification session names an unknown customer", "session_id", u.SessionID)
		webhook.Skip(ctx)
		return nil
	}
	if row.IdentitySessionID != nil {
		// Most likely our own create has not committed yet: retry later.
		return fmt.Errorf("verification session %s is not recorded yet", u.SessionID)
	}
	if u.Redacted {
		webhook.Skip(ctx) // nothing of this session is kept here to redact
		return nil
	}
	_, err = webhook.SessionOrder.Apply(ctx, in, func() (webhook.Version, error) { return webhook.Version{}, nil }, func() error {
		err := tx.VerificationSession.Create().SetID(u.SessionID).SetCustomerID(row.ID).SetSubaccountID(row.SubaccountID).
			SetStatus(u.Status).SetLastErrorCode(u.ErrorCode).SetStatusEventAt(u.At).SetStatusEventID(in.Tie).
			SetAttempt(row.IdentityAttemptCount + 1).Exec(ctx)
		if err != nil {
			return err
		}
		if row, err = row.Update().SetIdentitySessionID(u.SessionID).SetIdentityAttemptCount(row.IdentityAttemptCount + 1).Save(ctx); err != nil {
			return err
		}
		return s.applyToCustomer(ctx, tx, row, u)
	})
	return err
}

// applyToCustomer moves the customer's status with their newest session. A verified
// customer (including one verified by an operator) is never moved back by a session. A
// session back with an error is decided by the outcome table (OutcomeOf): a retry uses an
// attempt and past the last one opens a review; a biometric decline records the decline
// and, like a device that cannot do the selfie, moves the customer to the subaccount's
// alternative; a check Stripe cannot do opens a review; only a retry uses an attempt.
func (s *Service) applyToCustomer(ctx context.Context, tx store.Tx, row *ent.Customer, u sessionUpdate) error {
	if isVerified(row) {
		return nil
	}
	upd := row.Update()
	if d := attemptDelta(u.PrevErrorCode, u.ErrorCode); d != 0 {
		upd.SetIdentityAttemptCount(max(0, row.IdentityAttemptCount+d))
	}
	var mismatch []string
	switch u.Status {
	case "processing":
		upd.SetIdentityStatus(StatusPending)
	case "canceled":
		upd.SetIdentityStatus(StatusCanceled)
	case "requires_input":
		upd.SetIdentityStatus(StatusRequiresInput).SetIdentityLastErrorCode(u.ErrorCode)
	case "verified":
		sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
		if err != nil {
			return err
		}
		if sub.ReviewProvidedDetailsMismatch && u.Verified != nil {
			provided, err := s.open(row, "first_name", "last_name", "dob")
			if err != nil {
				return err
			}
			mismatch = Mismatch(Provided{FirstName: provided["first_name"], LastName: provided["last_name"], DOB: provided["dob"]}, *u.Verified)
		}
		if len(mismatch) > 0 {
			// Stripe verified a document, but not the person the platform knows: an operator
			// decides, with the document's data kept to compare.
			upd.SetIdentityStatus(StatusPending).SetIdentityLastErrorCode("").SetIdentityVerificationPath(string(PathManualReview))
		} else {
			upd.SetIdentityStatus(StatusVerified).SetIdentityVerifiedAt(u.At).SetIdentityLastErrorCode("").
				SetIdentityVerificationRequired(false)
		}
		if d := u.Verified; d != nil {
			addr := ""
			if d.Address != nil {
				b, _ := json.Marshal(d.Address)
				addr = string(b)
			}
			sealed, err := s.seal(row.ID, map[string]string{
				"identity_first_name": d.FirstName, "identity_last_name": d.LastName, "identity_dob": d.DOB,
				"identity_address": addr, "identity_id_number_last4": d.IDNumberLast4,
			})
			if err != nil {
				return err
			}
			upd.SetIdentityFirstName(sealed["identity_first_name"]).SetIdentityLastName(sealed["identity_last_name"]).
				SetIdentityDob(sealed["identity_dob"]).SetIdentityAddress(sealed["identity_address"]).
				SetIdentityIDNumberLast4(sealed["identity_id_number_last4"]).SetIdentityIDType(d.DocumentType).
				SetIdentityIssuingCountry(d.IssuingCountry).SetIdentityExpirationDate(d.ExpirationDate)
		}
	default:
		return nil
	}
	row, err := upd.Save(ctx)
	if err != nil {
		return err
	}
	switch u.Status {
	case "verified":
		if len(mismatch) > 0 {
			// Which fields differ, never their values.
			s.log.InfoContext(ctx, "verified document differs from the platform's details", "customer_id", row.ID, "session_id", u.SessionID, "fields", mismatch)
			return s.toReview(ctx, tx, row, ReasonDetailsMismatch, reviewtask.PriorityHigh)
		}
		s.log.InfoContext(ctx, "customer verified", "customer_id", row.ID, "session_id", u.SessionID)
		return s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.Verified())
	case "requires_input":
		if u.ErrorCode == "" {
			return nil // waiting for the customer's first submission
		}
		if !KnownErrorCode(u.ErrorCode) {
			s.unknownCodes.Add(1)
			s.log.WarnContext(ctx, "Stripe Identity error code idgate does not know: decided as a retry", "code", u.ErrorCode, "session_id", u.SessionID)
		}
		switch OutcomeOf(u.ErrorCode).Next {
		case NextDeclined:
			if err := s.recordConsent(ctx, tx, row, Consent{LegalBasis: DefaultLegalBasis}, u.SessionID); err != nil {
				return err
			}
			_, err := s.declined(ctx, tx, row, ReasonConsentDeclined, &u.Path)
			return err
		case NextAlternative:
			_, err := s.declined(ctx, tx, row, u.ErrorCode, &u.Path)
			return err
		case NextReview:
			if row, err = row.Update().SetIdentityVerificationPath(string(PathManualReview)).Save(ctx); err != nil {
				return err
			}
			return s.toReview(ctx, tx, row, u.ErrorCode, reviewtask.PriorityHigh)
		}
		sub, err := tx.Subaccount.Get(ctx, row.SubaccountID)
		if err != nil {
			return err
		}
		if row.IdentityAttemptCount >= sub.MaxVerificationAttempts {
			if _, err := s.openReview(ctx, tx, row, ReasonMaxAttempts); err != nil {
				return err
			}
		}
		return s.outbox.Add(ctx, tx, row.SubaccountID, notify.Customer(row.ID), notify.RequiresInput(GuidanceFor(u.ErrorCode)))
	}
	return nil
}

// attemptDelta is how a session's new error code changes the customer's used attempts: a
// session uses one when created, and gives it back while its outcome is one that uses
// none (Outcome.BurnsAttempt).
func attemptDelta(prev, code string) int {
	burns := func(c string) bool { return c == "" || OutcomeOf(c).BurnsAttempt() }
	switch {
	case burns(prev) && !burns(code):
		return -1
	case !burns(prev) && burns(code):
		return 1
	}
	return 0
}

// sessionRedacted records Stripe's confirmation; when every session of a customer who asked
// for deletion is redacted, the deletion is complete.
func (s *Service) sessionRedacted(ctx context.Context, tx store.Tx, row *ent.Customer, vs *ent.VerificationSession, at time.Time) error {
	if err := vs.Update().SetRedactedAt(at).Exec(ctx); err != nil {
		return err
	}
	if row.IdentityRedactionRequestedAt == nil || row.IdentityRedactedAt != nil {
		return nil
	}
	left, err := tx.VerificationSession.Query().Where(
		verificationsession.CustomerID(row.ID), verificationsession.RedactedAtIsNil(),
	).Exist(ctx)
	if err != nil || left {
		return err
	}
	s.log.InfoContext(ctx, "customer identity redaction complete", "customer_id", row.ID)
	return row.Update().SetIdentityRedactedAt(at).Exec(ctx)
}
