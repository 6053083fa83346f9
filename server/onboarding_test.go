package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

const connectSecret = "whsec_test_connect"

// connectEvent is a Connect event of account acct, stamped created.
func connectEvent(id, typ, acct string, created time.Time, object string) []byte {
	return []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2023-10-16","account":%q,"created":%d,"livemode":false,"pending_webhooks":1,"type":%q,"data":{"object":%s}}`,
		id, acct, created.Unix(), typ, object))
}

func TestMerchantOnboardingSync(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE":               testenv.Stripe(t),
				"STRIPE_CONNECT_WEBHOOK_SECRET": connectSecret,
			}))
			ctx := context.Background()
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			var us, de struct {
				ID, StripeAccountID, Route, NextAction string
				Tier                                   int
				Message                                string
			}
			if code, _ := e.call("POST", "/v1/merchants", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"seller-us","country":"US","business_type":"individual"}`, sa.Id), &us); code != 200 {
				t.Fatalf("create US merchant: %d %s", code, us.Message)
			}
			m, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: us.ID})
			if err != nil {
				t.Fatalf("get US merchant: %v (create said %+v)", err, us)
			}
			if !strings.HasPrefix(m.StripeAccountId, "acct_") || m.Route != "database_kyc" || m.Tier != 1 || m.NextAction != "start_database_kyc" || m.ChargesEnabled {
				t.Fatalf("US merchant: %v", m)
			}
			// The same create again is the same merchant and the same account.
			again, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "seller-us", Country: "US", BusinessType: "individual"})
			if err != nil || again.Id != m.Id || again.StripeAccountId != m.StripeAccountId {
				t.Fatalf("repeat create: %v %v", again, err)
			}
			e.call("POST", "/v1/merchants", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"seller-de","country":"DE","business_type":"company"}`, sa.Id), &de)
			if dm, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: de.ID}); err != nil || dm.Route != "document_liveness" || dm.NextAction != "record_biometric_consent" {
				t.Fatalf("DE merchant: %v %v", dm, err)
			}
			var bad struct{ Message string }
			if code, _ := e.call("POST", "/v1/merchants", fmt.Sprintf(`{"subaccount_id":%q,"external_id":"x","country":"usa","business_type":"individual"}`, sa.Id), &bad); code != 400 || !strings.Contains(bad.Message, "country") {
				t.Fatalf("bad country: %d %q", code, bad.Message)
			}

			// account.updated: a newer event grants charges; an older one arriving late does
			// not take them back.
			acct := m.StripeAccountId
			now := time.Now()
			newer := connectEvent("evt_acct_new", "account.updated", acct, now, fmt.Sprintf(
				`{"id":%q,"object":"account","charges_enabled":true,"payouts_enabled":true,"capabilities":{"card_payments":"active","transfers":"active"},"requirements":{"currently_due":[],"eventually_due":["individual.id_number"],"past_due":[],"pending_verification":[],"errors":[],"disabled_reason":null}}`, acct))
			older := connectEvent("evt_acct_old", "account.updated", acct, now.Add(-time.Minute), fmt.Sprintf(
				`{"id":%q,"object":"account","charges_enabled":false,"payouts_enabled":false,"capabilities":{"card_payments":"inactive"},"requirements":{"currently_due":["individual.verification.document"],"past_due":[],"pending_verification":[],"errors":[],"disabled_reason":"requirements.past_due"}}`, acct))
			person := connectEvent("evt_person", "person.updated", acct, now, fmt.Sprintf(
				`{"id":"person_1","object":"person","account":%q,"verification":{"status":"verified","details_code":null}}`, acct))
			for _, ev := range []struct {
				id      string
				payload []byte
			}{{"evt_acct_new", newer}, {"evt_acct_old", older}, {"evt_person", person}} {
				if code, body := e.deliver("/v1/webhooks/stripe/connect", ev.payload, sign(ev.payload, connectSecret, now)); code != 200 {
					t.Fatalf("deliver %s: %d %s", ev.id, code, body)
				}
				if st := e.waitState(ev.id); st != "processed" {
					t.Fatalf("%s ended %s", ev.id, st)
				}
			}
			m, err = idgatev1.NewConnectOnboardingServiceClient(e.conn).GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id})
			if err != nil || !m.ChargesEnabled || !m.PayoutsEnabled || m.Capabilities["card_payments"] != "active" || m.NextAction != "none" ||
				len(m.Requirements.EventuallyDue) != 1 || len(m.Persons) != 1 || m.Persons[0].VerificationStatus != "verified" {
				t.Fatalf("after the events: %v %v", m, err)
			}
		})
	}
}
