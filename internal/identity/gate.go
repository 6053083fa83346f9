package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
)

// Decision answers a gate check.
type Decision struct {
	Allowed        bool
	Reason         string
	RequiredAction string
	Status         *string
	Message        string
}

var action = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// CheckAccess answers whether the customer may perform action (e.g. ride_start), from the
// database alone: allowed when no verification is required or the customer is verified
// (seed 004's ride-start check and its "Verification Status Impact on Rides" table).
func (s *Service) CheckAccess(ctx context.Context, customerID, act string) (Decision, error) {
	switch {
	case customerID == "":
		return Decision{}, apperr.Invalid("customer_id", "is required")
	case !action.MatchString(act):
		return Decision{}, apperr.Invalid("action", "must be a lower-case name such as ride_start")
	}
	e, err := s.gateState(ctx, customerID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !auth.Visible(ctx, e.subaccount) {
		return Decision{}, apperr.NotFound("customer %s not found", customerID)
	}
	if err != nil {
		return Decision{}, fmt.Errorf("gate check: %w", err)
	}
	return Decide(e.required, e.status, e.code), nil
}

// gateState is the customer's gate columns, from the in-process cache when it may answer,
// else from the database (and then cached).
func (s *Service) gateState(ctx context.Context, customerID string) (gateEntry, error) {
	if e, ok := s.gate.get(customerID); ok {
		return e, nil
	}
	stmt, err := s.gateQuery(ctx)
	if err != nil {
		return gateEntry{}, err
	}
	gen := s.gate.generation()
	var (
		e      gateEntry
		status sql.NullString
	)
	if err := stmt.QueryRowContext(ctx, customerID).Scan(&e.subaccount, &e.required, &status, &e.code); err != nil {
		return gateEntry{}, err
	}
	if status.Valid {
		e.status = &status.String
	}
	s.gate.fill(customerID, e, gen)
	return e, nil
}

// gateQuery is the gate's one read, prepared once: parsing the statement on every call
// cost the SQLite driver as much as running it.
func (s *Service) gateQuery(ctx context.Context) (*sql.Stmt, error) {
	s.gateOnce.Do(func() {
		s.gateStmt, s.gateErr = s.store.PrepareRead(ctx,
			"SELECT subaccount_id, identity_verification_required, identity_status, identity_last_error_code FROM customers WHERE id = ?")
	})
	return s.gateStmt, s.gateErr
}

// Decide is the gate's rule, separate from storage so that every row of seed 004's table
// is tested directly.
func Decide(required bool, status *string, lastErrorCode string) Decision {
	d := Decision{Status: status}
	st := ""
	if status != nil {
		st = *status
	}
	switch {
	case st == StatusVerified:
		d.Allowed, d.Reason, d.RequiredAction, d.Message = true, "identity_verified", "none", ""
	case !required:
		d.Allowed, d.Reason, d.RequiredAction, d.Message = true, "verification_not_required", "none", ""
	case st == StatusPending:
		d.Reason, d.RequiredAction, d.Message = "identity_verification_pending", "wait_for_verification", "Your identity verification is being processed. Please try again shortly."
	case st == StatusRequiresInput:
		d.Reason, d.RequiredAction, d.Message = "identity_verification_requires_input", "retry_verification", GuidanceFor(lastErrorCode)
	case st == StatusFailed:
		d.Reason, d.RequiredAction, d.Message = "identity_verification_failed", "contact_support", "We couldn't verify your identity. Please contact support."
	case st == StatusCanceled:
		d.Reason, d.RequiredAction, d.Message = "identity_verification_canceled", "start_verification", "Your identity verification was canceled. Please verify your identity to continue."
	default:
		d.Reason, d.RequiredAction, d.Message = "identity_verification_required", "start_verification", "Please verify your identity to continue."
	}
	return d
}
