package onboarding_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/onboarding"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/internal/webhook"
)

// TestPushNeverResubmitsARejectedDocument pushes a tier-3 merchant's person with Stripe's
// test document; a person.updated then reports the document rejected, and the next push
// (an update of the same person) goes without it.
func TestPushNeverResubmitsARejectedDocument(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st := testenv.Store(t, db)
			proxy := testenv.NewStripe(t)
			cipher, err := pii.Parse("a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			if err != nil {
				t.Fatal(err)
			}
			sc := stripe.New(stripe.Config{APIBase: proxy.URL}, log)
			svc := onboarding.NewService(st, cipher, sc, nil, nil, nil, log)
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("market").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ent.Merchant.Create().SetID("mer_au").SetSubaccountID("sub_1").SetExternalID("au-1").SetCountry("AU").
				SetBusinessType("individual").SetRoute(onboarding.RouteDocumentLiveness).SetStripeAccountID("acct_au").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			args := onboarding.PushPersonArgs{MerchantID: "mer_au", Tier: 3, SessionID: "vs_au"}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("first push: %v", err)
			}
			created := proxy.Requests(http.MethodPost, "/v1/accounts/acct_au/persons")
			if len(created) != 1 || created[0].Status != http.StatusOK || created[0].Form.Get("verification[document][front]") != stripe.TestDocumentFile ||
				created[0].Form.Get("relationship[representative]") != "true" {
				t.Fatalf("person create: %+v", created)
			}

			person := `{"id":"person_au","object":"person","account":"acct_au","verification":{"status":"unverified","details_code":null,` +
				`"document":{"front":"` + stripe.TestDocumentFile + `","back":null,"details_code":"document_failed_test_mode"}}}`
			if err := svc.HandlePerson(ctx, webhook.Event{ID: "evt_p", Type: "person.updated", Account: "acct_au", Created: time.Now(), Object: []byte(person)}); err != nil {
				t.Fatal(err)
			}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("second push: %v", err)
			}
			if again := proxy.Requests(http.MethodPost, "/v1/accounts/acct_au/persons"); len(again) != 1 {
				t.Fatalf("the second push created another person: %+v", again)
			}
			var updates []testenv.StripeRequest
			for _, r := range proxy.Requests(http.MethodPost, "") {
				if strings.HasPrefix(r.Path, "/v1/accounts/acct_au/persons/") {
					updates = append(updates, r)
				}
			}
			if len(updates) != 1 || updates[0].Status != http.StatusOK {
				t.Fatalf("person updates: %+v", updates)
			}
			if f := updates[0].Form.Get("verification[document][front]"); f != "" {
				t.Fatalf("the rejected file %q was attached again", f)
			}
		})
	}
}
