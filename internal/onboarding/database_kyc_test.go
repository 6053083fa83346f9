package onboarding_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idgate/idgate/ent/kyccheck"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/kyc"
	"github.com/idgate/idgate/internal/onboarding"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

// scriptedProvider answers each Verify with the next of its answers, recording references.
type scriptedProvider struct {
	mu      sync.Mutex
	answers []func(kyc.Request) (kyc.Result, error)
	refs    []string
}

func (p *scriptedProvider) Name() string { return onboarding.ProviderTrulioo }

func (p *scriptedProvider) Verify(_ context.Context, r kyc.Request) (kyc.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refs = append(p.refs, r.Reference)
	next := p.answers[0]
	p.answers = p.answers[1:]
	return next(r)
}

var noMatch = func(kyc.Request) (kyc.Result, error) {
	return kyc.Result{Outcome: kyc.NoMatch, TransactionID: "tx-1"}, nil
}

// kycService is the onboarding service over db with provider p and merchant mer_us, and
// rows, which returns each of mer_us's check rows as id -> "outcome cost_cents".
func kycService(t *testing.T, db testenv.DB, p kyc.Provider, logTo io.Writer) (ctx context.Context, st *store.Store, svc *onboarding.Service, rows func() map[string]string) {
	t.Helper()
	ctx = testenv.System(t)
	st = testenv.Store(t, db)
	cipher, err := pii.Parse("a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if err != nil {
		t.Fatal(err)
	}
	svc = onboarding.NewService(st, cipher, nil, p, nil, nil, slog.New(slog.NewTextHandler(logTo, nil)))
	if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("market").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Ent.Merchant.Create().SetID("mer_us").SetSubaccountID("sub_1").SetExternalID("us-1").SetCountry("US").
		SetBusinessType("individual").SetRoute(onboarding.RouteDatabaseKYC).SetStripeAccountID("acct_us").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rows = func() map[string]string {
		out := map[string]string{}
		for _, c := range st.Ent.KYCCheck.Query().Where(kyccheck.MerchantID("mer_us")).AllX(ctx) {
			out[c.ID] = fmt.Sprintf("%s %d", c.Outcome, c.CostCents)
		}
		return out
	}
	return ctx, st, svc, rows
}

var jenny = onboarding.PersonData{FirstName: "Jenny", LastName: "Rosen", DOB: "1901-01-01", SSNLast4: "0000",
	Address: kyc.Address{Line1: "1 Main St", City: "San Francisco", State: "CA", PostalCode: "94111"}}

// TestRefusedKeyIsLoggedOncePerMinute: a provider refusing idgate's credentials is an
// ERROR in the log naming the setting, once however many calls fail meanwhile, and never
// a check.
func TestRefusedKeyIsLoggedOncePerMinute(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			refused := func(kyc.Request) (kyc.Result, error) {
				return kyc.Result{}, &kyc.Unbilled{Setting: kyc.KeySetting, Err: apperr.FailedPrecondition("key refused")}
			}
			var log testenv.Buffer
			p := &scriptedProvider{answers: []func(kyc.Request) (kyc.Result, error){refused, refused, refused}}
			ctx, _, svc, rows := kycService(t, db, p, &log)
			for range 3 {
				if _, err := svc.StartDatabaseKYC(ctx, "mer_us", jenny); apperr.KindOf(err) != apperr.KindFailedPrecondition {
					t.Fatalf("refused key: %v", err)
				}
			}
			if n := strings.Count(log.String(), "level=ERROR"); n != 1 || !strings.Contains(log.String(), "setting="+kyc.KeySetting) || strings.Contains(log.String(), "Rosen") {
				t.Fatalf("%d ERROR lines, want one naming the setting and no personal data:\n%s", n, log.String())
			}
			if r := rows(); len(r) != 1 || r[p.refs[0]] != "released 0" || p.refs[1] != p.refs[0] {
				t.Fatalf("check rows %v (references %v), want the one attempt released, unpriced", r, p.refs)
			}
		})
	}
}

// TestAmbiguousProviderErrorIsRecorded: an error after which the provider may have
// performed the check (a timeout after sending) is recorded as it is today, an error
// priced under the reference the caller is told to look up; a retry does not send it again.
func TestAmbiguousProviderErrorIsRecorded(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			timeout := func(r kyc.Request) (kyc.Result, error) {
				return kyc.Result{}, apperr.Unavailable(errors.New("i/o timeout"), "Trulioo did not answer check %s in time", r.Reference)
			}
			p := &scriptedProvider{answers: []func(kyc.Request) (kyc.Result, error){timeout, noMatch}}
			ctx, _, svc, rows := kycService(t, db, p, io.Discard)
			_, err := svc.StartDatabaseKYC(ctx, "mer_us", jenny)
			if apperr.KindOf(err) != apperr.KindUnavailable || !strings.Contains(err.Error(), p.refs[0]) {
				t.Fatalf("timeout after sending: %v, want Unavailable naming the reference", err)
			}
			if r := rows(); len(r) != 1 || r[p.refs[0]] != "error 150" {
				t.Fatalf("check rows %v, want the reference recorded as a priced error", r)
			}
			if _, err := svc.StartDatabaseKYC(ctx, "mer_us", jenny); err != nil || len(p.refs) != 1 {
				t.Fatalf("retry: %v after %d provider calls, want the recorded attempt's result", err, len(p.refs))
			}
		})
	}
}

// TestAbandonedClaimIsTakenAgain: a claim whose replica died while the provider was asked
// blocks the merchant only until it is stale; then the attempt runs under its reference.
func TestAbandonedClaimIsTakenAgain(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			p := &scriptedProvider{answers: []func(kyc.Request) (kyc.Result, error){noMatch}}
			ctx, st, svc, rows := kycService(t, db, p, io.Discard)
			// A replica claimed the attempt and died.
			st.Ent.KYCCheck.Create().SetID("chk_abandoned").SetClaim("mer_us:1").SetMerchantID("mer_us").SetSubaccountID("sub_1").
				SetCountry("US").SetProvider(onboarding.ProviderTrulioo).SetTier(1).SetOutcome(onboarding.OutcomeRunning).
				SetLatencyMs(0).SetCostCents(0).SetAt(time.Now().UTC()).ExecX(ctx)
			if _, err := svc.StartDatabaseKYC(ctx, "mer_us", jenny); apperr.KindOf(err) != apperr.KindFailedPrecondition || !strings.Contains(err.Error(), "already running") || len(p.refs) != 0 {
				t.Fatalf("while the claim is fresh: %v", err)
			}
			st.Ent.KYCCheck.UpdateOneID("chk_abandoned").SetAt(time.Now().UTC().Add(-10 * time.Minute)).ExecX(ctx)
			m, err := svc.StartDatabaseKYC(ctx, "mer_us", jenny)
			if err != nil || m.NextAction != onboarding.ActionCollectFullSSN || len(p.refs) != 1 || p.refs[0] != "chk_abandoned" {
				t.Fatalf("after the claim went stale: %+v %v (references %v)", m, err, p.refs)
			}
			if r := rows(); len(r) != 1 || r["chk_abandoned"] != "no_match 150" {
				t.Fatalf("check rows %v, want the one attempt, completed", r)
			}
		})
	}
}
