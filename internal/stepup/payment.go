package stepup

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/paymentstepup"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
)

// Payment is idgate's decision and result for one PaymentIntent.
type Payment = ent.PaymentStepUp

// Step-up statuses.
const (
	StatusNotRequired = "not_required"
	StatusRequired    = "required"
	StatusChallenged  = "challenged"
	StatusPassed      = "passed"
	StatusFailed      = "failed"
	StatusExpired     = "expired"
)

// Step-up methods.
const (
	MethodWebAuthn = "webauthn"
	MethodIdentity = "identity"
)

// reasons applies the subaccount's policy to a payment of customer c.
func reasons(pi stripe.PaymentIntent, c *ent.Customer, sub *ent.Subaccount) []string {
	var out []string
	if pi.Metadata["stepup_required"] == "true" || pi.Metadata["blockid_stepup_required"] == "true" {
		out = append(out, "payment_metadata")
	}
	if min, ok := sub.StepupAmountThresholds[pi.Currency]; ok && pi.Amount >= min {
		out = append(out, fmt.Sprintf("amount_threshold:%d>=%d %s", pi.Amount, min, pi.Currency))
	}
	if t := sub.StepupRiskThreshold; t > 0 && c.StripeRiskScore != nil && *c.StripeRiskScore >= t {
		out = append(out, fmt.Sprintf("risk_threshold:%d>=%d", *c.StripeRiskScore, t))
	}
	if sub.StepupOnFraudWarning && c.FraudWarningID != "" {
		out = append(out, "early_fraud_warning:"+c.FraudWarningID)
	}
	return out
}

// EvaluatePayment reads the PaymentIntent from Stripe and decides whether it steps up.
func (s *Service) EvaluatePayment(ctx context.Context, paymentIntentID string) (*Payment, error) {
	if !stripe.ValidID(paymentIntentID, "pi") {
		return nil, apperr.Invalid("payment_intent_id", "must be a Stripe PaymentIntent id (pi_...)")
	}
	pi, err := s.stripe.GetPaymentIntent(ctx, paymentIntentID)
	if err != nil {
		return nil, err
	}
	return s.evaluate(ctx, pi)
}

// customerOf finds the payer by identity.PayerOf: metadata idgate_customer_id, else the
// Stripe customer within the subaccount the payment is routed to (by metadata, its payee or
// the Connect account whose event it came in).
func (s *Service) customerOf(ctx context.Context, pi stripe.PaymentIntent, eventAccount string) (*ent.Customer, error) {
	if pi.Metadata[identity.MetadataCustomerID] == "" && pi.Customer == "" {
		return nil, apperr.FailedPrecondition("payment intent %s names no customer: set its customer, or metadata idgate_customer_id", pi.ID)
	}
	c, err := identity.PayerOf(ctx, s.store.Reader, identity.Payment{StripeCustomer: pi.Customer, Metadata: pi.Metadata, Accounts: []string{eventAccount, pi.Payee}})
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, noPayer(pi.ID)
	}
	return c, err
}

// noPayer is the answer for a PaymentIntent of no customer the caller may see.
func noPayer(paymentIntentID string) error {
	return apperr.NotFound("the customer of payment intent %s not found", paymentIntentID)
}

// evaluate records the decision for pi. A decided step-up (passed, failed, expired) or one
// in progress stands, unless the payment changed under it (amount, currency or payee):
// a pass is for one payment only.
func (s *Service) evaluate(ctx context.Context, pi stripe.PaymentIntent) (*Payment, error) {
	c, err := s.customerOf(ctx, pi, "")
	if err != nil {
		return nil, err
	}
	var out *Payment
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		out, err = s.evaluateTx(ctx, tx, pi, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// evaluateTx is evaluate inside the caller's transaction, for the payer c.
func (s *Service) evaluateTx(ctx context.Context, tx store.Tx, pi stripe.PaymentIntent, c *ent.Customer) (*Payment, error) {
	why := reasons(pi, c, c.Edges.Subaccount)
	status := StatusNotRequired
	if len(why) > 0 {
		status = StatusRequired
	}
	row, inserted, err := lockPayment(ctx, tx, pi.ID, tx.PaymentStepUp.Create().SetID(pi.ID).
		SetSubaccountID(c.SubaccountID).SetCustomerID(c.ID).SetAmount(pi.Amount).SetCurrency(pi.Currency).
		SetPayee(pi.Payee).SetStripeStatus(pi.Status).SetRequired(len(why) > 0).SetReasons(why).SetStatus(status))
	var out *Payment
	switch {
	case err != nil:
		return nil, err
	case inserted:
		out = row
	case row.CustomerID != c.ID:
		// Evaluated for another payer already (a caller who sees other subaccounts found
		// another customer of the same Stripe customer id): not this caller's payment.
		return nil, noPayer(pi.ID)
	default:
		update := row.Update().SetStripeStatus(pi.Status)
		changed := row.Amount != pi.Amount || row.Currency != pi.Currency || row.Payee != pi.Payee
		open := row.Status == StatusRequired || row.Status == StatusNotRequired
		if changed || open {
			if changed && !open {
				s.log.WarnContext(ctx, "payment changed after its step-up began: a new step-up is needed", "payment_intent", pi.ID, "was", row.Status)
			}
			update.SetAmount(pi.Amount).SetCurrency(pi.Currency).SetPayee(pi.Payee).
				SetRequired(len(why) > 0).SetReasons(why).SetStatus(status).
				SetMethod("").SetCredentialID("").SetChallengeID("").SetFailureReason("").ClearDecidedAt().ClearMetadataWrittenAt()
		}
		out, err = update.Save(ctx)
	}
	if err != nil {
		return nil, err
	}
	if out.Required {
		s.log.InfoContext(ctx, "payment needs a step-up", "payment_intent", pi.ID, "customer_id", c.ID, "reasons", out.Reasons)
	}
	return out, nil
}

// lockPayment returns the payment's row, locked, inserting it as create has it when there
// is none (inserted). Two evaluations of a new payment run at once when the platform calls
// EvaluatePayment as Stripe sends the payment's payment_intent.* events: the second insert
// waits for the first's commit and does nothing (ON CONFLICT), and reads that row instead.
// A row out of the caller's scope, evaluated for another tenant's customer, is as if the
// payment had no customer.
func lockPayment(ctx context.Context, tx store.Tx, id string, create *ent.PaymentStepUpCreate) (row *Payment, inserted bool, err error) {
	locked := func() (*Payment, error) {
		return store.Locked(tx, tx.PaymentStepUp.Query().Where(paymentstepup.ID(id))).Only(ctx)
	}
	if row, err = locked(); !ent.IsNotFound(err) {
		return row, false, err
	}
	create.OnConflictColumns(paymentstepup.FieldID).DoNothing()
	if row, err = create.Save(ctx); !errors.Is(err, sql.ErrNoRows) {
		return row, err == nil, err
	}
	if row, err = locked(); ent.IsNotFound(err) {
		return nil, false, noPayer(id)
	}
	return row, false, err
}

// payment reads a step-up visible to the caller.
func (s *Service) payment(ctx context.Context, client *ent.Client, id string) (*Payment, error) {
	if !stripe.ValidID(id, "pi") {
		return nil, apperr.Invalid("payment_intent_id", "must be a Stripe PaymentIntent id (pi_...)")
	}
	p, err := client.PaymentStepUp.Get(ctx, id)
	if err != nil {
		return nil, store.MapError(err, "payment intent "+id+" (evaluate it first)")
	}
	return p, nil
}

// binding is the WebAuthn challenge of a step-up: a hash over a random nonce and the
// payment, so an assertion answers for this payment, amount, currency and payee only.
func binding(nonce []byte, p *Payment) []byte {
	h := sha256.New()
	h.Write([]byte("idgate-stepup-v1"))
	for _, part := range [][]byte{nonce, []byte(p.ID), binary.BigEndian.AppendUint64(nil, uint64(p.Amount)), []byte(p.Currency), []byte(p.Payee)} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		h.Write(part)
	}
	return h.Sum(nil)
}

// Challenge is a begun step-up: WebAuthn options, or a Stripe Identity session.
type Challenge struct {
	Options
	Method  string
	Session *stripe.VerificationSession
}

// BeginStepUp starts the payer's challenge for a payment that needs one.
func (s *Service) BeginStepUp(ctx context.Context, paymentIntentID string, captureOnPass bool, returnURL string) (Challenge, error) {
	p, err := s.payment(ctx, s.store.Reader, paymentIntentID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		if p, err = s.EvaluatePayment(ctx, paymentIntentID); err != nil {
			return Challenge{}, err
		}
	}
	if err != nil {
		return Challenge{}, err
	}
	switch {
	case p.Status == StatusNotRequired:
		return Challenge{}, apperr.FailedPrecondition("payment intent %s does not need a step-up", p.ID)
	case p.Status == StatusPassed:
		return Challenge{}, apperr.FailedPrecondition("payment intent %s already passed its step-up", p.ID)
	case p.CanceledAt != nil:
		return Challenge{}, apperr.FailedPrecondition("payment intent %s was canceled after a failed step-up", p.ID)
	}
	c, sub, err := s.customerFor(ctx, s.store.Reader, p.CustomerID)
	if err != nil {
		return Challenge{}, err
	}
	if sub.StepupCancelOnFailure && (p.Status == StatusFailed || p.Status == StatusExpired) {
		return Challenge{}, apperr.FailedPrecondition("payment intent %s failed its step-up and is canceled under the subaccount's policy", p.ID)
	}
	creds, err := activeCredentials(ctx, s.store.Reader, c.ID)
	if err != nil {
		return Challenge{}, err
	}
	now := s.now()
	expires := now.Add(time.Duration(sub.StepupChallengeTTLSeconds) * time.Second)
	if len(creds) == 0 {
		return s.beginIdentity(ctx, p, c, sub, captureOnPass, returnURL, now, expires)
	}
	nonce := make([]byte, 32)
	_, _ = rand.Read(nonce)
	assertion, session, err := s.wa.BeginLogin(user{id: c.ID, creds: toWebAuthn(creds)},
		webauthn.WithChallenge(binding(nonce, p)), webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return Challenge{}, fmt.Errorf("begin step-up: %w", err)
	}
	out := Challenge{Method: MethodWebAuthn}
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		if out.ChallengeID, err = saveChallenge(ctx, tx.Client, c, purposeStepUp, p.ID, nonce, session, now, expires); err != nil {
			return err
		}
		return tx.PaymentStepUp.UpdateOneID(p.ID).SetStatus(StatusChallenged).SetMethod(MethodWebAuthn).
			SetChallengeID(out.ChallengeID).SetCaptureOnPass(captureOnPass).SetFailureReason("").Exec(ctx)
	})
	if err != nil {
		return Challenge{}, err
	}
	opts, err := json.Marshal(assertion)
	out.JSON, out.ExpiresAt = string(opts), expires
	return out, err
}

// beginIdentity is the step-up of a customer without a passkey: a Stripe Identity selfie
// session, when the policy allows it.
func (s *Service) beginIdentity(ctx context.Context, p *Payment, c *ent.Customer, sub *ent.Subaccount, captureOnPass bool, returnURL string, now, expires time.Time) (Challenge, error) {
	if sub.StepupFallback != "identity" {
		return Challenge{}, apperr.FailedPrecondition("customer %s has no passkey enrolled, and the subaccount's step-up policy has no fallback", c.ID)
	}
	vs, err := s.stripe.CreateVerificationSession(ctx, stripe.SessionParams{
		RequireMatchingSelfie: true, RequireLiveCapture: true, ReturnURL: returnURL,
		Metadata: sessionMetadata(c.ID, c.SubaccountID, p.ID),
	}, fmt.Sprintf("stepup:%s:%d", p.ID, now.UnixNano()))
	if err != nil {
		return Challenge{}, err
	}
	err = s.store.Ent.PaymentStepUp.UpdateOneID(p.ID).SetStatus(StatusChallenged).SetMethod(MethodIdentity).
		SetIdentitySessionID(vs.ID).SetChallengeID("").SetCaptureOnPass(captureOnPass).SetFailureReason("").Exec(ctx)
	if err != nil {
		return Challenge{}, err
	}
	return Challenge{Method: MethodIdentity, Session: &vs, Options: Options{ExpiresAt: expires}}, nil
}

// sessionMetadata is the metadata of a step-up's selfie session, at its creation and in the
// events simulated for it: payment_intent_id routes its events here.
func sessionMetadata(customerID, subaccountID, paymentIntentID string) map[string]string {
	return map[string]string{"customer_id": customerID, "subaccount_id": subaccountID, "payment_intent_id": paymentIntentID, "purpose": "stepup"}
}

// SessionMetadata finds the payment step-up whose current selfie session is sessionID, as
// the caller may see it, for test-mode simulations (identity.SessionOwner): the session's
// metadata, and whether it is one.
func (s *Service) SessionMetadata(ctx context.Context, sessionID string) (map[string]string, bool, error) {
	p, err := s.store.Reader.PaymentStepUp.Query().Where(paymentstepup.IdentitySessionID(sessionID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return sessionMetadata(p.CustomerID, p.SubaccountID, p.ID), true, nil
}

// FinishStepUp verifies the payer's assertion for the payment's open challenge. The
// challenge is used up whatever the outcome; the outcome is recorded before the answer.
func (s *Service) FinishStepUp(ctx context.Context, paymentIntentID, challengeID, assertionJSON string) (*Payment, error) {
	p, err := s.payment(ctx, s.store.Reader, paymentIntentID)
	if err != nil {
		return nil, err
	}
	if challengeID == "" {
		return nil, apperr.Invalid("challenge_id", "is required")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(assertionJSON))
	if err != nil {
		return nil, apperr.Invalid("assertion_json", "is not a WebAuthn authentication response (%s)", describe(err))
	}
	// The payment as Stripe has it now: one changed since the challenge began needs another.
	if p, err = s.EvaluatePayment(ctx, p.ID); err != nil {
		return nil, err
	}
	if p.ChallengeID != challengeID || p.Status != StatusChallenged {
		return nil, apperr.FailedPrecondition("challenge %s is not the open challenge of payment intent %s; begin again", challengeID, p.ID)
	}
	ch, err := s.claim(ctx, challengeID, p.CustomerID, purposeStepUp, p.ID)
	if err == errExpired {
		if _, err := s.decide(ctx, p, StatusExpired, "challenge_expired", nil); err != nil {
			return nil, err
		}
		return nil, errExpired
	}
	if err != nil {
		return nil, err
	}
	creds, err := activeCredentials(ctx, s.store.Reader, p.CustomerID)
	if err != nil {
		return nil, err
	}
	reason, cred := s.verify(p, ch, creds, parsed)
	if reason != "" {
		if cred != nil && reason == "sign_count_regression" {
			_ = s.store.Ent.WebAuthnCredential.UpdateOne(cred).SetCloneWarning(true).Exec(ctx)
		}
		if _, err := s.decide(ctx, p, StatusFailed, reason, nil); err != nil {
			return nil, err
		}
		return nil, apperr.FailedPrecondition("step-up failed: %s", reason)
	}
	return s.decide(ctx, p, StatusPassed, "", cred)
}

// verify checks an assertion against the challenge, recomputed from the payment as it is
// now, and returns why it fails ("" when it passes) and the credential it used.
func (s *Service) verify(p *Payment, ch claimed, creds []*ent.WebAuthnCredential, parsed *protocol.ParsedCredentialAssertionData) (string, *ent.WebAuthnCredential) {
	want := base64.RawURLEncoding.EncodeToString(binding(ch.row.Nonce, p))
	if ch.data.Challenge != want {
		return "payment_changed", nil
	}
	var used *ent.WebAuthnCredential
	for _, c := range creds {
		if bytes.Equal(c.CredentialID, parsed.RawID) {
			used = c
		}
	}
	if used == nil {
		return "unknown_credential", nil
	}
	got, err := s.wa.ValidateLogin(user{id: p.CustomerID, creds: toWebAuthn(creds)}, ch.data, parsed)
	if err != nil {
		s.log.Info("step-up assertion rejected", "payment_intent", p.ID, "why", describe(err))
		return "assertion_rejected: " + describe(err), used
	}
	if got.Authenticator.CloneWarning {
		return "sign_count_regression", used
	}
	used.SignCount = int64(got.Authenticator.SignCount)
	used.BackupState = got.Flags.BackupState
	return "", used
}

// decide records the outcome of the step-up p, and in the same transaction the job that
// writes it into the PaymentIntent (then captures or cancels). It applies only while the
// payment is as the challenge saw it: a re-evaluation in between (amount changed) wins.
func (s *Service) decide(ctx context.Context, p *Payment, status, reason string, cred *ent.WebAuthnCredential) (*Payment, error) {
	var out *Payment
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		var err error
		out, err = s.decideTx(ctx, tx, p, status, reason, cred)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "step-up decided", "payment_intent", p.ID, "status", status, "reason", reason)
	return out, nil
}

// decideTx is decide inside the caller's transaction.
func (s *Service) decideTx(ctx context.Context, tx store.Tx, p *Payment, status, reason string, cred *ent.WebAuthnCredential) (*Payment, error) {
	id := p.ID
	now := s.now().Truncate(time.Microsecond) // as PostgreSQL keeps it: the job compares
	update := tx.PaymentStepUp.UpdateOneID(id).
		Where(paymentstepup.StatusEQ(StatusChallenged), paymentstepup.ChallengeID(p.ChallengeID), paymentstepup.IdentitySessionID(p.IdentitySessionID),
			paymentstepup.Amount(p.Amount), paymentstepup.Currency(p.Currency), paymentstepup.Payee(p.Payee)).
		SetStatus(status).SetFailureReason(reason).SetDecidedAt(now).ClearMetadataWrittenAt()
	if cred != nil && status == StatusPassed {
		update.SetCredentialID(cred.ID)
		if err := tx.WebAuthnCredential.UpdateOneID(cred.ID).SetSignCount(cred.SignCount).
			SetBackupState(cred.BackupState).SetLastUsedAt(now).Exec(ctx); err != nil {
			return nil, err
		}
	}
	out, err := update.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, apperr.FailedPrecondition("payment intent %s changed during its step-up; begin again", id)
	} else if err != nil {
		return nil, err
	}
	if out.ChallengeID != "" {
		if err := tx.WebAuthnChallenge.UpdateOneID(out.ChallengeID).SetOutcome(status).Exec(ctx); err != nil {
			return nil, err
		}
	}
	if _, err := s.jobs.InsertTx(ctx, tx.SQL, ResultArgs{PaymentIntentID: id, DecidedAt: now}, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// CanCapture answers, from the database alone, whether a PaymentIntent may be captured,
// and why.
func (s *Service) CanCapture(ctx context.Context, paymentIntentID string) (bool, string, string, error) {
	p, err := s.payment(ctx, s.store.Reader, paymentIntentID)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return false, "payment_not_evaluated", "", nil
	}
	if err != nil {
		return false, "", "", err
	}
	switch p.Status {
	case StatusNotRequired:
		return true, "stepup_not_required", p.Status, nil
	case StatusPassed:
		if p.MetadataWrittenAt == nil {
			return false, "result_not_yet_recorded", p.Status, nil
		}
		return true, "stepup_passed", p.Status, nil
	case StatusChallenged:
		return false, "stepup_pending", p.Status, nil
	}
	return false, "stepup_" + p.Status, p.Status, nil
}

// ResultArgs is the job that writes a decided step-up into its PaymentIntent.
type ResultArgs struct {
	PaymentIntentID string    `json:"payment_intent_id"`
	DecidedAt       time.Time `json:"decided_at"`
}

// Kind names the job.
func (ResultArgs) Kind() string { return "stepup_result" }

// ResultWorker writes the result into the PaymentIntent's metadata, then captures a passed
// payment whose platform asked for it, or cancels a failed one when the policy says so.
// Each Stripe call has its own idempotency key, so a retried job repeats nothing.
type ResultWorker struct {
	river.WorkerDefaults[ResultArgs]
	s *Service
}

// NewResultWorker returns the worker.
func NewResultWorker(s *Service) *ResultWorker { return &ResultWorker{s: s} }

// Work runs one job. A call Stripe refuses for good (a PaymentIntent canceled or captured
// elsewhere) is not retried; it is logged for an operator.
func (w *ResultWorker) Work(ctx context.Context, job *river.Job[ResultArgs]) error {
	err := w.work(ctx, job.Args)
	if apperr.KindOf(err) == apperr.KindFailedPrecondition {
		w.s.log.ErrorContext(ctx, "Stripe refused the step-up result", "payment_intent", job.Args.PaymentIntentID, "err", err)
		return river.JobCancel(err)
	}
	return err
}

func (w *ResultWorker) work(ctx context.Context, args ResultArgs) error {
	s := w.s
	p, err := s.store.Ent.PaymentStepUp.Query().Where(paymentstepup.ID(args.PaymentIntentID)).Only(ctx)
	if err != nil {
		return err
	}
	if p.DecidedAt == nil || !p.DecidedAt.Equal(args.DecidedAt) {
		return nil // a newer decision has its own job
	}
	key := fmt.Sprintf("stepup:%s:%d", p.ID, p.DecidedAt.UnixNano())
	if p.MetadataWrittenAt == nil {
		md := map[string]string{
			"stepup_status": p.Status, "stepup_method": p.Method, "stepup_credential_id": p.CredentialID,
			"stepup_challenge_id": p.ChallengeID, "stepup_at": p.DecidedAt.UTC().Format(time.RFC3339),
			"stepup_failure_reason": p.FailureReason,
		}
		if err := s.stripe.UpdatePaymentIntentMetadata(ctx, p.ID, md, key+":metadata"); err != nil {
			return err
		}
		if p, err = p.Update().SetMetadataWrittenAt(s.now()).Save(ctx); err != nil {
			return err
		}
	}
	switch {
	case p.Status == StatusPassed && p.CaptureOnPass && p.CapturedAt == nil:
		if err := s.stripe.CapturePaymentIntent(ctx, p.ID, key+":capture"); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "payment captured after its step-up", "payment_intent", p.ID)
		return p.Update().SetCapturedAt(s.now()).Exec(ctx)
	case slices.Contains([]string{StatusFailed, StatusExpired}, p.Status) && p.CanceledAt == nil:
		sub, err := s.store.Ent.Subaccount.Get(ctx, p.SubaccountID)
		if err != nil || !sub.StepupCancelOnFailure {
			return err
		}
		if err := s.stripe.CancelPaymentIntent(ctx, p.ID, key+":cancel"); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "payment canceled after a failed step-up", "payment_intent", p.ID)
		return p.Update().SetCanceledAt(s.now()).Exec(ctx)
	}
	return nil
}
