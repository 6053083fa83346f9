package stepup

import (
	"io"
	"log/slog"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
)

// TestDecideKeepsANewerEvaluation: an outcome reached for the payment as the challenge saw
// it does not land on the payment once a re-evaluation changed it (the amount went up
// between the assertion's check and its recording).
func TestDecideKeepsANewerEvaluation(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			st := testenv.Store(t, db)
			s, err := New(st, nil, nil, Config{RPID: "localhost", RPName: "test"}, clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("fleet").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.Customer.Create().SetID("cust_1").SetSubaccountID("sub_1").SetExternalID("payer").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			seen, err := st.Ent.PaymentStepUp.Create().SetID("pi_1").SetSubaccountID("sub_1").SetCustomerID("cust_1").
				SetAmount(5000).SetCurrency("usd").SetRequired(true).SetStatus(StatusChallenged).SetMethod(MethodWebAuthn).
				SetChallengeID("chl_1").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// Meanwhile the platform raised the amount and the payment was evaluated again.
			if err := st.Ent.PaymentStepUp.UpdateOneID("pi_1").SetAmount(90000).SetStatus(StatusRequired).SetChallengeID("").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := s.decide(ctx, seen, StatusPassed, "", nil); apperr.KindOf(err) != apperr.KindFailedPrecondition {
				t.Fatalf("decide on a changed payment: %v, want FailedPrecondition", err)
			}
			now, err := st.Ent.PaymentStepUp.Get(ctx, "pi_1")
			if err != nil || now.Status != StatusRequired || now.DecidedAt != nil {
				t.Fatalf("the payment after a stale decision: %+v %v", now, err)
			}
		})
	}
}
