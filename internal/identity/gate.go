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
	RetryAllowed   bool   // whether trying the same check again may succeed
	OperatorAction string // Outcome.Operator, or what the path asks of an operator
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
	return Decide(e.required, e.status, e.code, e.path), nil
}

// gateState is the customer's gate columns, from the in-process cache when it may answer,
// else from the database (and then cached).
func (s *Service) gateState(ctx context.Context, customerID string) (gateEntry, error) {
	if e, ok := s.gate.get(customerID); ok {
		return e, nil
	}
	gen := s.gate.generation()
	var (
		e      gateEntry
		status sql.NullString
	)
	row, err := s.gateRead.QueryRow(ctx, customerID)
	if err != nil {
		return gateEntry{}, err
	}
	if err := row.Scan(&e.subaccount, &e.required, &status, &e.code, &e.path); err != nil {
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
const gateQuery = "SELECT subaccount_id, identity_verification_required, identity_status, identity_last_error_code, identity_verification_path FROM customers WHERE id = ?"

// Decide is the gate's rule, separate from storage so that every row of seed 004's table
// is tested directly; an unverified customer who must verify gets advise's answer.
func Decide(required bool, status *string, lastErrorCode string, path Path) Decision {
	d := Decision{Status: status, OperatorAction: OperatorNone}
	st := ""
	if status != nil {
		st = *status
	}
	switch {
	case st == StatusVerified:
		d.Allowed, d.Reason, d.RequiredAction = true, "identity_verified", "none"
	case !required:
		d.Allowed, d.Reason, d.RequiredAction = true, "verification_not_required", "none"
	default:
		a := advise(st, lastErrorCode, path)
		d.Reason, d.RequiredAction, d.Message, d.RetryAllowed, d.OperatorAction = a.Reason, a.RequiredAction, a.Message, a.RetryAllowed, a.OperatorAction
	}
	return d
}
