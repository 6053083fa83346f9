package identity

import (
	"context"
	"fmt"
	"net/url"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/ent/verificationsession"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// Session is what a client needs to launch Stripe Identity.
type Session struct {
	ID           string
	ClientSecret string
	URL          string
	Reused       bool
	Attempt      int
}

// ReasonMaxAttempts is the review reason when a customer has used every attempt.
const ReasonMaxAttempts = "max_attempts_exceeded"

// CreateVerificationSession returns the customer's open session or starts a new one. A
// session is open while Stripe processes it or while it waits for a first submission; one
// that came back with an error counts as a used attempt. Past the subaccount's limit, the
// call is refused and an urgent manual review task is opened instead.
func (s *Service) CreateVerificationSession(ctx context.Context, customerID, returnURL string) (Session, error) {
	if customerID == "" {
		return Session{}, apperr.Invalid("customer_id", "is required")
	}
	if returnURL != "" {
		u, err := url.Parse(returnURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(returnURL) > 2048 {
			return Session{}, apperr.Invalid("return_url", "must be an absolute http(s) URL")
		}
	}
	c, err := s.store.Reader.Customer.Get(ctx, customerID)
	if err != nil {
		return Session{}, store.MapError(err, "customer "+customerID)
	}
	switch {
	case c.IdentityRedactionRequestedAt != nil:
		return Session{}, apperr.FailedPrecondition("customer %s asked for their identity data to be deleted", customerID)
	case isVerified(c):
		return Session{}, apperr.FailedPrecondition("customer %s is already verified", customerID)
	}
	path := Path(c.IdentityVerificationPath)
	if path == PathManualReview {
		return Session{}, apperr.FailedPrecondition("customer %s is in manual review: an operator verifies them, no session is needed", customerID)
	}
	if c.IdentitySessionID != nil {
		cur, err := s.store.Reader.VerificationSession.Get(ctx, *c.IdentitySessionID)
		if err != nil && !ent.IsNotFound(err) {
			return Session{}, err
		}
		// A session of a path the customer has left (they declined since) is not reused.
		if cur != nil && isOpen(cur) && Path(cur.VerificationPath) == path {
			vs, err := s.stripe.GetVerificationSession(ctx, cur.ID)
			if err != nil {
				return Session{}, err
			}
			return Session{ID: cur.ID, ClientSecret: vs.ClientSecret, URL: vs.URL, Reused: true, Attempt: cur.Attempt}, nil
		}
	}
	sub, err := s.store.Reader.Subaccount.Get(ctx, c.SubaccountID)
	if err != nil {
		return Session{}, err
	}
	if c.IdentityAttemptCount >= sub.MaxVerificationAttempts {
		task, err := s.attemptsExhausted(ctx, customerID)
		if err != nil {
			return Session{}, err
		}
		return Session{}, apperr.FailedPrecondition("customer %s has used all %d verification attempts; manual review task %s is open", customerID, sub.MaxVerificationAttempts, task)
	}

	// Stripe first, outside any transaction; the idempotency key makes a retry or a racing
	// call get the same session rather than a second one.
	n, err := s.store.Reader.VerificationSession.Query().Where(verificationsession.CustomerID(customerID)).Count(ctx)
	if err != nil {
		return Session{}, err
	}
	attempt := c.IdentityAttemptCount + 1
	p, err := s.sessionParams(c, sub, path, attempt)
	if err != nil {
		return Session{}, err
	}
	p.ReturnURL = returnURL
	vs, err := s.stripe.CreateVerificationSession(ctx, p, fmt.Sprintf("%s:verification_session:%d", customerID, n+1))
	if err != nil {
		return Session{}, err
	}
	out := Session{ID: vs.ID, ClientSecret: vs.ClientSecret, URL: vs.URL, Attempt: attempt}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := s.lockCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if row.IdentitySessionID != nil && *row.IdentitySessionID == vs.ID {
			out.Reused = true // a concurrent call recorded it first
			return nil
		}
		err = tx.VerificationSession.Create().SetID(vs.ID).SetCustomerID(customerID).SetSubaccountID(c.SubaccountID).
			SetStatus("requires_input").SetAttempt(attempt).SetURL(vs.URL).SetVerificationPath(string(path)).Exec(ctx)
		if err != nil {
			return store.MapError(err, "verification session "+vs.ID)
		}
		return row.Update().SetIdentitySessionID(vs.ID).SetIdentityAttemptCount(row.IdentityAttemptCount + 1).
			SetIdentityStatus(StatusPending).SetIdentityLastErrorCode("").Exec(ctx)
	})
	if err != nil {
		return Session{}, fmt.Errorf("record verification session: %w", err)
	}
	s.log.InfoContext(ctx, "verification session created", "customer_id", customerID, "session_id", vs.ID, "attempt", attempt)
	return out, nil
}

// sessionParams is the session the customer's path asks for: on the standard path the
// subaccount's verification flow, else its document options; without a selfie on the
// document_only path; Stripe's id_number check on that path. Every session names the
// customer (client_reference_id), their Stripe customer and the email and phone on file,
// and carries the metadata its events are routed by.
func (s *Service) sessionParams(c *ent.Customer, sub *ent.Subaccount, path Path, attempt int) (p stripe.SessionParams, err error) {
	contact, err := s.open(c, "email", "phone")
	if err != nil {
		return p, err
	}
	p = stripe.SessionParams{
		RequireMatchingSelfie: sub.RequireMatchingSelfie, RequireLiveCapture: sub.RequireLiveCapture,
		RequireIDNumber: sub.RequireIDNumber, AllowedTypes: sub.AllowedDocumentTypes,
		ClientReferenceID: c.ID, Email: contact["email"], Phone: contact["phone"],
		Metadata: sessionMetadata(c.ID, c.SubaccountID, attempt),
	}
	if c.StripeCustomerID != nil {
		p.RelatedCustomer = *c.StripeCustomerID
	}
	switch path {
	case PathStandard:
		p.VerificationFlow = sub.VerificationFlow
	case PathDocumentOnly:
		p.RequireMatchingSelfie = false
	case PathIDNumber:
		p.Type = stripe.SessionTypeIDNumber
	}
	return p, nil
}

// isOpen reports whether a session can still be completed without paying for a new one.
func isOpen(vs *ent.VerificationSession) bool {
	return vs.Status == "processing" || (vs.Status == "requires_input" && vs.LastErrorCode == "")
}

// attemptsExhausted marks the customer failed (unless verified) and opens an urgent review
// task, once.
func (s *Service) attemptsExhausted(ctx context.Context, customerID string) (string, error) {
	var id string
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		row, err := s.lockCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		id, err = s.openReview(ctx, tx, row, ReasonMaxAttempts)
		return err
	})
	return id, err
}

// openReview marks the customer failed (unless verified) and opens an urgent review task
// for reason, once; it returns the task's id.
func (s *Service) openReview(ctx context.Context, tx store.Tx, row *ent.Customer, reason string) (string, error) {
	if !isVerified(row) {
		if err := row.Update().SetIdentityStatus(StatusFailed).Exec(ctx); err != nil {
			return "", err
		}
	}
	_, id, err := s.reviewTask(ctx, tx, row, reason, reviewtask.PriorityUrgent)
	return id, err
}

// reviewTask opens a review task about the customer for reason unless one is open, and
// returns whether it created one and the open task's id.
func (s *Service) reviewTask(ctx context.Context, tx store.Tx, row *ent.Customer, reason string, priority reviewtask.Priority) (bool, string, error) {
	open, err := tx.ReviewTask.Query().Where(
		reviewtask.SubjectType("customer"), reviewtask.SubjectID(row.ID),
		reviewtask.Reason(reason), reviewtask.StatusEQ(reviewtask.StatusOpen),
	).First(ctx)
	if err == nil {
		return false, open.ID, nil
	}
	if !ent.IsNotFound(err) {
		return false, "", err
	}
	id := store.NewID("rev")
	err = tx.ReviewTask.Create().SetID(id).SetSubaccountID(row.SubaccountID).SetSubjectType("customer").
		SetSubjectID(row.ID).SetReason(reason).SetPriority(priority).Exec(ctx)
	if err != nil {
		return false, "", err
	}
	s.log.InfoContext(ctx, "manual review opened", "customer_id", row.ID, "review_id", id, "reason", reason)
	return true, id, nil
}
