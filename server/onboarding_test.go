package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/notify"
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

func TestBiometricConsent(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "EU marketplace"})
			if err != nil {
				t.Fatal(err)
			}
			granting, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "de-1", Country: "DE", BusinessType: "individual"})
			if err != nil || granting.NextAction != "record_biometric_consent" {
				t.Fatalf("new DE merchant: %v %v", granting, err)
			}
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: granting.Id, Granted: true}); err == nil {
				t.Fatal("a grant without ip_address and user_agent was accepted")
			}
			m, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: granting.Id, Granted: true, IpAddress: "203.0.113.7", UserAgent: "Mozilla/5.0 (consent test)"})
			if err != nil || m.BiometricConsent != "granted" || m.NextAction != "start_document_verification" {
				t.Fatalf("after granting: %v %v", m, err)
			}
			// The record is returned without where it was given from.
			if c := m.BiometricConsentRecord; c == nil || !c.Granted || c.Country != "DE" || c.LegalBasis != "gdpr_article_9_explicit_consent" || c.RecordedAt == nil || c.WithdrawnAt != nil {
				t.Fatalf("consent record after granting: %v", c)
			}
			if js, _ := protojson.Marshal(m); strings.Contains(string(js), "203.0.113.7") || strings.Contains(string(js), "consent test") {
				t.Fatalf("the merchant answer holds the consent's IP address or user agent: %s", js)
			}
			// GetMerchant returns the record too, over gRPC and JSON, never where it was given from.
			got, err := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: granting.Id})
			if c := got.GetBiometricConsentRecord(); err != nil || c == nil || !c.Granted || c.Country != "DE" || c.LegalBasis != "gdpr_article_9_explicit_consent" ||
				!c.RecordedAt.AsTime().Equal(m.BiometricConsentRecord.RecordedAt.AsTime()) {
				t.Fatalf("GetMerchant's consent record: %v %v", c, err)
			}
			var body struct {
				Consent struct {
					Granted    bool   `json:"granted"`
					RecordedAt string `json:"recorded_at"`
					Country    string `json:"country"`
					LegalBasis string `json:"legal_basis"`
				} `json:"biometric_consent_record"`
			}
			if code, _ := e.call("GET", "/v1/merchants/"+granting.Id, "", &body); code != 200 || !body.Consent.Granted || body.Consent.Country != "DE" ||
				body.Consent.LegalBasis != "gdpr_article_9_explicit_consent" || body.Consent.RecordedAt == "" {
				t.Fatalf("GET /v1/merchants/%s: %d %+v", granting.Id, code, body)
			}
			var raw map[string]any
			e.call("GET", "/v1/merchants/"+granting.Id, "", &raw)
			if js := fmt.Sprint(raw); strings.Contains(js, "203.0.113.7") || strings.Contains(js, "consent test") {
				t.Fatalf("GET /v1/merchants holds the consent's IP address or user agent: %s", js)
			}
			raw2 := rawRows(t, db, "biometric_consents", "merchant_id", granting.Id)
			if strings.Contains(raw2, "203.0.113.7") || strings.Contains(raw2, "consent test") || !strings.Contains(raw2, "gdpr_article_9_explicit_consent") {
				t.Fatalf("consent row:\n%s", raw2)
			}
			// The consent is audited without its personal data.
			audited, err := idgatev1.NewAdminServiceClient(e.conn).ListAuditEvents(ctx, &idgatev1.ListAuditEventsRequest{PageSize: 1000})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, ev := range audited.Events {
				if ev.SubjectType == "BiometricConsent" && strings.Contains(changesOf(ev), granting.Id) {
					found = true
					if strings.Contains(changesOf(ev), "203.0.113.7") || !strings.Contains(changesOf(ev), `"ip_address":{"changed":true}`) {
						t.Fatalf("consent audit entry: %s", changesOf(ev))
					}
				}
			}
			if !found {
				t.Fatal("no audit entry for the consent")
			}
			m, err = onb.WithdrawBiometricConsent(ctx, &idgatev1.WithdrawBiometricConsentRequest{MerchantId: granting.Id})
			if err != nil || m.BiometricConsent != "declined" || m.NextAction != "manual_review" {
				t.Fatalf("after withdrawing: %v %v", m, err)
			}
			if c := m.BiometricConsentRecord; c == nil || !c.Granted || c.WithdrawnAt == nil {
				t.Fatalf("consent record after withdrawing: %v", c)
			}

			declining, _ := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "fr-1", Country: "FR", BusinessType: "individual"})
			m, err = onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: declining.Id, Granted: false})
			if err != nil || m.NextAction != "manual_review" {
				t.Fatalf("after declining: %v %v", m, err)
			}
			// Each has one open high-priority review task, in the audit log too.
			for _, id := range []string{granting.Id, declining.Id} {
				log, err := idgatev1.NewAdminServiceClient(e.conn).ListAuditEvents(ctx, &idgatev1.ListAuditEventsRequest{PageSize: 1000})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, ev := range log.Events {
					if ev.SubjectType == "ReviewTask" && strings.Contains(changesOf(ev), id) && strings.Contains(changesOf(ev), `"consent_declined"`) && strings.Contains(changesOf(ev), `"high"`) {
						n++
					}
				}
				if n != 1 {
					t.Errorf("merchant %s: %d consent_declined review tasks, want 1", id, n)
				}
			}
		})
	}
}

// sessionEvent delivers a signed identity.verification_session event for a merchant's
// session, as Stripe would, and waits for it to be processed.
func (e *env) merchantSessionEvent(t *testing.T, sessionID, merchantID, status, code string, created time.Time) {
	t.Helper()
	lastError := "null"
	if code != "" {
		lastError = fmt.Sprintf(`{"code":%q}`, code)
	}
	id := fmt.Sprintf("evt_ms_%d", time.Now().UnixNano())
	payload := []byte(fmt.Sprintf(`{"id":%q,"object":"event","api_version":"2023-10-16","created":%d,"livemode":false,"type":"identity.verification_session.%s","data":{"object":{"id":%q,"object":"identity.verification_session","status":%q,"last_error":%s,"metadata":{"merchant_id":%q}}}}`,
		id, created.Unix(), status, sessionID, status, lastError, merchantID))
	if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
		t.Fatalf("deliver: %d %s", code, body)
	}
	if st := e.waitState(id); st != "processed" {
		t.Fatalf("merchant session event ended %s", st)
	}
}

func TestMerchantDocumentVerification(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Marketplace"})
			consent := &idgatev1.RecordBiometricConsentRequest{Granted: true, IpAddress: "198.51.100.4", UserAgent: "Mozilla/5.0"}

			// A high-risk US merchant starts at tier 3; without consent it cannot.
			risky, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-risky", Country: "US", BusinessType: "individual", HighRisk: true})
			if err != nil || risky.Route != "document_liveness" {
				t.Fatalf("high-risk US merchant: %v %v", risky, err)
			}
			if _, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: risky.Id}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("tier 3 before consent: %v", err)
			}
			consent.MerchantId = risky.Id
			if _, err := onb.RecordBiometricConsent(ctx, consent); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			var last string
			for attempt := 1; attempt <= 3; attempt++ {
				vs, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: risky.Id})
				if err != nil || vs.Attempt != int32(attempt) || vs.SessionId == last {
					t.Fatalf("attempt %d: %v %v", attempt, vs, err)
				}
				if again, _ := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: risky.Id}); !again.GetReused() {
					t.Fatalf("an open session was not reused: %v", again)
				}
				last = vs.SessionId
				e.merchantSessionEvent(t, vs.SessionId, risky.Id, "requires_input", "selfie_face_mismatch", now.Add(time.Duration(attempt)*time.Second))
			}
			m, _ := onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: risky.Id})
			if m.KycStatus != "review" || m.NextAction != "manual_review" {
				t.Fatalf("after three failed attempts: %v", m)
			}
			if _, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: risky.Id}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("a fourth attempt: %v", err)
			}
			tasks, _ := idgatev1.NewAdminServiceClient(e.conn).ListReviewTasks(ctx, &idgatev1.ListReviewTasksRequest{Status: "open"})
			if len(tasks.GetTasks()) != 1 || tasks.Tasks[0].Priority != "urgent" || tasks.Tasks[0].SubjectId != risky.Id {
				t.Fatalf("review tasks: %v", tasks)
			}

			// An Australian merchant passes on the first try; a late processing changes nothing.
			au, _ := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "au-1", Country: "AU", BusinessType: "individual"})
			consent.MerchantId = au.Id
			if _, err := onb.RecordBiometricConsent(ctx, consent); err != nil {
				t.Fatal(err)
			}
			vs, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: au.Id})
			if err != nil {
				t.Fatal(err)
			}
			e.merchantSessionEvent(t, vs.SessionId, au.Id, "verified", "", now.Add(10*time.Second))
			e.merchantSessionEvent(t, vs.SessionId, au.Id, "processing", "", now.Add(5*time.Second))
			m, _ = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: au.Id})
			if m.KycStatus != "verified" || m.NextAction != "wait_for_stripe_verification" {
				t.Fatalf("verified AU merchant: %v", m)
			}
			r, err := onb.GetVerificationCostReport(ctx, &idgatev1.GetVerificationCostReportRequest{From: timestamppb.New(now.Add(-time.Hour)), Until: timestamppb.New(now.Add(time.Hour))})
			if err != nil || len(r.Tiers) != 1 || r.Tiers[0].Checks != 4 || r.Tiers[0].Successes != 1 || r.TotalCents != 1000 {
				t.Fatalf("ledger: %v %v (want 4 tier-3 checks, 1 success, $10)", r, err)
			}
		})
	}
}

// TestUSMerchantThroughAllTiers is issue 5's US path: tier 1 (SSN last 4) and tier 2 (full
// SSN) find no match at the database-KYC provider, the merchant consents and passes tier 3,
// and a signed account.updated enables charges. The full SSN is stored nowhere.
func TestUSMerchantThroughAllTiers(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			var ssnLengths []int
			trulioo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					DataFields struct {
						NationalIds []struct{ Number string }
					}
				}
				_ = json.NewDecoder(r.Body).Decode(&body)
				if len(body.DataFields.NationalIds) == 1 {
					ssnLengths = append(ssnLengths, len(body.DataFields.NationalIds[0].Number))
				}
				fmt.Fprintf(w, `{"TransactionID":"tx-%d","Record":{"RecordStatus":"nomatch","DatasourceResults":[]}}`, len(ssnLengths))
			}))
			defer trulioo.Close()
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": proxy.URL, "STRIPE_CONNECT_WEBHOOK_SECRET": connectSecret,
				"IDGATE_TRULIOO_URL": trulioo.URL, "IDGATE_TRULIOO_API_KEY": "key",
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-1", Country: "US", BusinessType: "individual"})
			if err != nil || m.NextAction != "start_database_kyc" {
				t.Fatalf("new US merchant: %v %v", m, err)
			}
			if _, err := onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: m.Id, Ssn: "000000000"}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("tier 2 before tier 1: %v", err)
			}
			m, err = onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: m.Id, FirstName: "Jenny", LastName: "Rosen", Dob: "1901-01-01",
				SsnLast4: "0000", Address: &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}})
			if err != nil || m.NextAction != "collect_full_ssn" {
				t.Fatalf("after tier 1: %v %v", m, err)
			}
			m, err = onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: m.Id, Ssn: "111111111"})
			if err != nil || m.NextAction != "record_biometric_consent" {
				t.Fatalf("after tier 2: %v %v", m, err)
			}
			if fmt.Sprint(ssnLengths) != "[4 9]" {
				t.Fatalf("the provider saw SSNs of lengths %v, want 4 then 9", ssnLengths)
			}
			// Both checks are in the merchant's ledger, priced as seed 003 prices them.
			var ledger []string
			for _, c := range m.Checks {
				ledger = append(ledger, fmt.Sprintf("%d %s %s %d", c.Tier, c.Provider, c.Outcome, c.CostCents))
			}
			if fmt.Sprint(ledger) != "[1 trulioo no_match 150 2 trulioo no_match 0]" {
				t.Fatalf("checks after tier 2: %v", ledger)
			}
			if raw := rawRows(t, db, "merchants", "id", m.Id); strings.Contains(raw, "111111111") || strings.Contains(raw, "Rosen") {
				t.Fatalf("the merchant row holds the SSN or the name in clear:\n%s", raw)
			}

			if m, err = onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id, Granted: true, IpAddress: "198.51.100.4", UserAgent: "Mozilla/5.0"}); err != nil || m.NextAction != "start_document_verification" {
				t.Fatalf("after consent: %v %v", m, err)
			}
			vs, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: m.Id})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			e.merchantSessionEvent(t, vs.SessionId, m.Id, "verified", "", now)
			acct := m.StripeAccountId
			// The verified data goes to the account's person, with the session's document
			// images (stripe-mock's report lists front and back) copied into the account.
			var persons []testenv.StripeRequest
			testenv.Eventually(t, "the person pushed to "+acct, func() bool {
				persons = proxy.Requests(http.MethodPost, "/v1/accounts/"+acct+"/persons")
				return len(persons) > 0
			})
			uploads := proxy.Requests(http.MethodPost, "/v1/files")
			if len(uploads) != 2 || uploads[0].Account != acct || uploads[1].Account != acct || uploads[0].Form.Get("purpose") != "identity_document" {
				t.Fatalf("document uploads: %+v", uploads)
			}
			if len(persons) != 1 || persons[0].Status != http.StatusOK || persons[0].Form.Get("verification[document][front]") != uploads[0].ID ||
				persons[0].Form.Get("verification[document][back]") != uploads[1].ID ||
				persons[0].Form.Get("id_number") != "" || persons[0].Form.Get("ssn_last_4") != "" {
				t.Fatalf("tier-3 person push: %+v", persons)
			}
			ev := connectEvent("evt_us_enabled", "account.updated", acct, now.Add(time.Second), fmt.Sprintf(
				`{"id":%q,"object":"account","charges_enabled":true,"payouts_enabled":true,"capabilities":{"card_payments":"active","transfers":"active"},"requirements":{"currently_due":[],"past_due":[],"pending_verification":[],"errors":[]}}`, acct))
			if code, body := e.deliver("/v1/webhooks/stripe/connect", ev, sign(ev, connectSecret, now)); code != 200 {
				t.Fatalf("deliver: %d %s", code, body)
			}
			e.waitState("evt_us_enabled")
			m, _ = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id})
			if !m.ChargesEnabled || m.KycStatus != "verified" || m.NextAction != "none" {
				t.Fatalf("at the end: %v", m)
			}
			r, err := onb.GetVerificationCostReport(ctx, &idgatev1.GetVerificationCostReportRequest{From: timestamppb.New(now.Add(-time.Hour)), Until: timestamppb.New(now.Add(time.Hour))})
			if err != nil || len(r.Tiers) != 3 || r.TotalCents != 400 || r.Merchants != 1 {
				t.Fatalf("ledger: %v %v (want tiers 1, 2, 3 costing $1.50 + $0 + $2.50)", r, err)
			}
		})
	}
}

// TestMerchantPersonPush is issue 5's capability 5: a passing database-KYC tier pushes the
// verified data into the merchant's Connect account as its person, through a job that
// retries a Stripe outage under one idempotency key, and the SSN digits are wiped from the
// database once Stripe has them.
func TestMerchantPersonPush(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			// The provider matches SSN last four 0000 and any full SSN.
			trulioo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					DataFields struct {
						NationalIds []struct{ Number string }
					}
				}
				_ = json.NewDecoder(r.Body).Decode(&body)
				outcome := "nomatch"
				if ids := body.DataFields.NationalIds; len(ids) == 1 && (ids[0].Number == "0000" || len(ids[0].Number) == 9) {
					outcome = "match"
				}
				fmt.Fprintf(w, `{"TransactionID":"tx-1","Record":{"RecordStatus":%q,"DatasourceResults":[]}}`, outcome)
			}))
			defer trulioo.Close()
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": proxy.URL, "IDGATE_TRULIOO_URL": trulioo.URL, "IDGATE_TRULIOO_API_KEY": "key",
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
			address := &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}
			// pushed waits for the merchant's person create to succeed at Stripe and for the
			// job to record it, and returns the create requests that reached the proxy.
			pushed := func(m *idgatev1.Merchant) ([]testenv.StripeRequest, string) {
				t.Helper()
				path := "/v1/accounts/" + m.StripeAccountId + "/persons"
				var reqs []testenv.StripeRequest
				var raw string
				testenv.Eventually(t, "merchant "+m.Id+"'s person pushed and recorded", func() bool {
					reqs, raw = proxy.Requests(http.MethodPost, path), rawRows(t, db, "merchants", "id", m.Id)
					return len(reqs) > 0 && reqs[len(reqs)-1].Status == http.StatusOK && strings.Contains(raw, "stripe_person_id=person_")
				})
				return reqs, raw
			}

			// Tier 1 passes; Stripe's first answer to the push is a 500, which the job retries.
			proxy.Fail("/persons", 1)
			first, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-tier1", Country: "US", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			if m, err := onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: first.Id, FirstName: "Jenny", LastName: "Rosen",
				Dob: "1901-01-01", SsnLast4: "0000", Address: address}); err != nil || m.KycStatus != "verified" {
				t.Fatalf("tier 1: %v %v", m, err)
			}
			reqs, raw := pushed(first)
			if len(reqs) != 2 || reqs[0].Status != http.StatusInternalServerError || reqs[0].IdempotencyKey == "" || reqs[1].IdempotencyKey != reqs[0].IdempotencyKey {
				t.Fatalf("want a failed create retried under the same idempotency key: %+v", reqs)
			}
			want := map[string]string{
				"first_name": "Jenny", "last_name": "Rosen", "dob[day]": "1", "dob[month]": "1", "dob[year]": "1901",
				"address[line1]": "address_full_match", "address[city]": "San Francisco", "address[state]": "CA",
				"address[postal_code]": "94111", "address[country]": "US", "ssn_last_4": "0000",
				"relationship[representative]": "true", "relationship[owner]": "true", "id_number": "", "verification[document][front]": "",
			}
			for k, v := range want {
				if got := reqs[1].Form.Get(k); got != v {
					t.Errorf("tier 1 push: %s = %q, want %q", k, got, v)
				}
			}
			if !strings.Contains(raw, "person_id_number=\n") {
				t.Fatalf("the SSN's last four outlived the push:\n%s", raw)
			}

			// Tier 2 passes with the full SSN: it is pushed as id_number, then wiped.
			second, _ := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-tier2", Country: "US", BusinessType: "individual"})
			if m, err := onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: second.Id, FirstName: "Jenny", LastName: "Rosen",
				Dob: "1901-01-01", SsnLast4: "1111", Address: address}); err != nil || m.NextAction != "collect_full_ssn" {
				t.Fatalf("tier 1 no-match: %v %v", m, err)
			}
			if m, err := onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: second.Id, Ssn: "000000000"}); err != nil || m.KycStatus != "verified" {
				t.Fatalf("tier 2: %v %v", m, err)
			}
			reqs, raw = pushed(second)
			// One create, with tier 2's number: the tier-1 no-match pushed nothing.
			if len(reqs) != 1 || reqs[0].Form.Get("id_number") != "000000000" || reqs[0].Form.Get("ssn_last_4") != "" || reqs[0].Form.Get("last_name") != "Rosen" {
				t.Fatalf("tier 2 push: %+v", reqs)
			}
			if !strings.Contains(raw, "person_id_number=\n") {
				t.Fatalf("the full SSN outlived the push:\n%s", raw)
			}
		})
	}
}

// TestMerchantNotifications is issue 5's capability 8: each step a merchant must take is
// announced through the outbox (written with the change, delivered signed to the
// platform's endpoint, retried), in seed 003's words and without personal data.
func TestMerchantNotifications(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			trulioo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"TransactionID":"tx-1","Record":{"RecordStatus":"nomatch","DatasourceResults":[]}}`)
			}))
			defer trulioo.Close()
			e, notes := identityEnv(t, db, map[string]string{
				"STRIPE_CONNECT_WEBHOOK_SECRET": connectSecret,
				"IDGATE_TRULIOO_URL":            trulioo.URL, "IDGATE_TRULIOO_API_KEY": "key",
			})
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Marketplace"})
			// expect waits for the merchant's notification of type typ and checks its text.
			expect := func(merchantID, typ string, says ...string) notify.Payload {
				t.Helper()
				p := notes.waitForSubject(t, "merchant", merchantID, typ)
				if p.SubaccountID != sa.Id || p.CustomerID != "" {
					t.Fatalf("%s: %+v", typ, p)
				}
				for _, s := range says {
					if !strings.Contains(p.Title+"\n"+p.Body, s) {
						t.Fatalf("%s does not say %q: %s / %s", typ, s, p.Title, p.Body)
					}
				}
				return p
			}

			// A US company is asked for tier 1's data, its business's included.
			us, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-1", Country: "US", BusinessType: "company"})
			if err != nil {
				t.Fatal(err)
			}
			expect(us.Id, "merchant_information_required", "last 4 digits of your Social Security Number", "Employer Identification Number")
			// Tier 1 finds no match: the full SSN is asked for; tier 2 neither: an ID and a selfie.
			if _, err := onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: us.Id, FirstName: "Jenny", LastName: "Rosen", Dob: "1901-01-01",
				SsnLast4: "0000", BusinessLegalName: "Rosen Goods LLC", BusinessEin: "000000000",
				Address: &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}}); err != nil {
				t.Fatal(err)
			}
			expect(us.Id, "merchant_full_ssn_required", "We need your full Social Security Number", "9-digit")
			if _, err := onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: us.Id, Ssn: "111111111"}); err != nil {
				t.Fatal(err)
			}
			expect(us.Id, "merchant_document_required", "Action Required: Upload Government ID", "consent to the use of biometric technology", "Federal regulations")
			// A failed tier-3 attempt brings seed 003's guidance for its error code.
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: us.Id, Granted: true, IpAddress: "198.51.100.4", UserAgent: "Mozilla/5.0"}); err != nil {
				t.Fatal(err)
			}
			vs, err := onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: us.Id})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			e.merchantSessionEvent(t, vs.SessionId, us.Id, "requires_input", "document_expired", now)
			expect(us.Id, "merchant_verification_requires_input", "current, valid ID", "2 attempts left")
			vs, err = onb.StartDocumentVerification(ctx, &idgatev1.StartDocumentVerificationRequest{MerchantId: us.Id})
			if err != nil {
				t.Fatal(err)
			}
			e.merchantSessionEvent(t, vs.SessionId, us.Id, "verified", "", now.Add(time.Second))
			expect(us.Id, "merchant_verified", "Identity Verified")
			// Charges enabled are announced once, however many account.updated say so.
			for i, id := range []string{"evt_notify_enabled", "evt_notify_enabled_again"} {
				ev := connectEvent(id, "account.updated", us.StripeAccountId, now.Add(time.Duration(i+2)*time.Second), fmt.Sprintf(
					`{"id":%q,"object":"account","charges_enabled":true,"payouts_enabled":true,"capabilities":{"card_payments":"active"},"requirements":{"currently_due":[],"past_due":[],"pending_verification":[],"errors":[]}}`, us.StripeAccountId))
				if code, body := e.deliver("/v1/webhooks/stripe/connect", ev, sign(ev, connectSecret, now)); code != 200 {
					t.Fatalf("deliver: %d %s", code, body)
				}
				if st := e.waitState(id); st != "processed" {
					t.Fatalf("%s ended %s", id, st)
				}
			}
			expect(us.Id, "merchant_charges_enabled", "you can now accept payments")
			rows := rawRows(t, db, "notifications", "merchant_id", us.Id)
			if n := strings.Count(rows, "type=merchant_charges_enabled\n"); n != 1 {
				t.Fatalf("%d charges-enabled notifications:\n%s", n, rows)
			}
			for _, pii := range []string{"Jenny", "Rosen", "1901-01-01", "111111111", "000000000", "198.51.100.4"} {
				if strings.Contains(rows, pii) {
					t.Fatalf("a merchant notification holds %q:\n%s", pii, rows)
				}
			}
			if !strings.Contains(rows, "subject_type=merchant") || strings.Contains(rows, "subject_type=customer") {
				t.Fatalf("merchant notifications:\n%s", rows)
			}

			// A German merchant is told that the law requires biometrics; declining goes to review.
			de, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "de-1", Country: "DE", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			expect(de.Id, "merchant_document_required", "Regulations in Germany require biometric verification")
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: de.Id, Granted: false}); err != nil {
				t.Fatal(err)
			}
			expect(de.Id, "merchant_under_review", "chose not to use biometric verification")
			if notes.badSigs.Load() != 0 {
				t.Fatalf("%d deliveries with a bad signature", notes.badSigs.Load())
			}
		})
	}
}

// TestMerchantKYB is tier 1's KYB: a company gives its legal name and EIN, validated at the
// edge; the database-KYC provider checks them with the representative; on a match they go
// to the Connect account as company[name] and company[tax_id], and the EIN, sealed until
// then, is wiped.
func TestMerchantKYB(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			var mu sync.Mutex
			var businesses []map[string]string
			trulioo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var body struct {
					DataFields struct{ Business map[string]string }
				}
				_ = json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				businesses = append(businesses, body.DataFields.Business)
				mu.Unlock()
				fmt.Fprint(w, `{"TransactionID":"tx-kyb","Record":{"RecordStatus":"match","DatasourceResults":[{"DatasourceFields":[{"FieldName":"BusinessName","Status":"match"}]}]}}`)
			}))
			defer trulioo.Close()
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": proxy.URL, "IDGATE_TRULIOO_URL": trulioo.URL, "IDGATE_TRULIOO_API_KEY": "key",
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
			company, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-co", Country: "US", BusinessType: "company"})
			if err != nil {
				t.Fatal(err)
			}
			individual, _ := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-ind", Country: "US", BusinessType: "individual"})
			tier1 := func(id, name, ein string) string {
				return fmt.Sprintf(`{"first_name":"Jenny","last_name":"Rosen","dob":"1901-01-01","ssn_last4":"0000","business_legal_name":%q,"business_ein":%q,`+
					`"address":{"line1":"address_full_match","city":"San Francisco","state":"CA","postal_code":"94111"}}`, name, ein)
			}
			// Bad or missing KYB data is refused, naming the field, before the provider is asked.
			for _, tc := range []struct {
				merchant, name, ein, field string
			}{
				{company.Id, "Rosen Goods LLC", "12345", "business_ein"},
				{company.Id, "Rosen Goods LLC", "12-34567890", "business_ein"},
				{company.Id, "Rosen Goods LLC", "", "business_ein"},
				{company.Id, "", "12-3456789", "business_legal_name"},
				{individual.Id, "Rosen Goods LLC", "123456789", "business_legal_name"},
				{individual.Id, "", "123456789", "business_ein"},
			} {
				var bad struct{ Message string }
				if code, _ := e.call("POST", "/v1/merchants/"+tc.merchant+"/database-kyc", tier1(tc.merchant, tc.name, tc.ein), &bad); code != 400 || !strings.Contains(bad.Message, tc.field) {
					t.Fatalf("name %q EIN %q: %d %q, want 400 naming %s", tc.name, tc.ein, code, bad.Message, tc.field)
				}
			}
			mu.Lock()
			if len(businesses) != 0 {
				t.Fatalf("refused requests reached the provider: %v", businesses)
			}
			mu.Unlock()

			var m struct {
				KycStatus string `json:"kyc_status"`
				Message   string
			}
			if code, _ := e.call("POST", "/v1/merchants/"+company.Id+"/database-kyc", tier1(company.Id, "Rosen Goods LLC", "00-0000000"), &m); code != 200 || m.KycStatus != "verified" {
				t.Fatalf("company tier 1: %d %+v", code, m)
			}
			mu.Lock()
			if len(businesses) != 1 || businesses[0]["BusinessName"] != "Rosen Goods LLC" || businesses[0]["BusinessRegistrationNumber"] != "000000000" {
				t.Fatalf("the provider saw businesses %v", businesses)
			}
			mu.Unlock()
			var updates []testenv.StripeRequest
			testenv.Eventually(t, "the company and its person pushed and recorded", func() bool {
				updates = proxy.Requests(http.MethodPost, "/v1/accounts/"+company.StripeAccountId)
				return len(updates) > 0 && len(proxy.Requests(http.MethodPost, "/v1/accounts/"+company.StripeAccountId+"/persons")) > 0 &&
					strings.Contains(rawRows(t, db, "merchants", "id", company.Id), "stripe_person_id=person_")
			})
			if len(updates) != 1 || updates[0].Status != http.StatusOK || updates[0].Form.Get("company[name]") != "Rosen Goods LLC" || updates[0].Form.Get("company[tax_id]") != "000000000" {
				t.Fatalf("company push: %+v", updates)
			}
			raw := rawRows(t, db, "merchants", "id", company.Id)
			if strings.Contains(raw, "000000000") || strings.Contains(raw, "Rosen Goods") || !strings.Contains(raw, "business_tax_id=\n") {
				t.Fatalf("the merchant row after the push:\n%s", raw)
			}
		})
	}
}

// TestStripeConnectDatabaseKYC is Stripe Connect's own verification as the database-KYC
// provider: each tier submits the data to the merchant's Connect account (company, then the
// representative as a person: SSN last 4 at tier 1, the full number at tier 2) and waits;
// a signed person.updated completes the check in the ledger with its latency.
func TestStripeConnectDatabaseKYC(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE": proxy.URL, "STRIPE_CONNECT_WEBHOOK_SECRET": connectSecret,
				"IDGATE_DATABASE_KYC_PROVIDER": "stripe_connect",
			}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			sa, _ := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "US marketplace"})
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: "us-co", Country: "US", BusinessType: "company"})
			if err != nil {
				t.Fatal(err)
			}
			acct := m.StripeAccountId
			m, err = onb.StartDatabaseKYC(ctx, &idgatev1.StartDatabaseKYCRequest{MerchantId: m.Id, FirstName: "Jenny", LastName: "Rosen", Dob: "1901-01-01",
				SsnLast4: "0000", BusinessLegalName: "Rosen Goods LLC", BusinessEin: "000000000",
				Address: &idgatev1.PostalAddress{Line1: "address_full_match", City: "San Francisco", State: "CA", PostalCode: "94111"}})
			if err != nil || m.NextAction != "wait_for_database_kyc" || m.KycStatus != "" {
				t.Fatalf("tier 1 submitted: %v %v", m, err)
			}
			company := proxy.Requests(http.MethodPost, "/v1/accounts/"+acct)
			created := proxy.Requests(http.MethodPost, "/v1/accounts/"+acct+"/persons")
			if len(company) != 1 || company[0].Form.Get("company[tax_id]") != "000000000" || company[0].Form.Get("company[name]") != "Rosen Goods LLC" ||
				len(created) != 1 || created[0].Status != http.StatusOK || created[0].Form.Get("ssn_last_4") != "0000" ||
				created[0].Form.Get("first_name") != "Jenny" || created[0].Form.Get("dob[year]") != "1901" || created[0].Form.Get("relationship[representative]") != "true" {
				t.Fatalf("tier 1 at Stripe: company %+v persons %+v", company, created)
			}
			if _, err := onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: m.Id, Ssn: "000000000"}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("tier 2 while tier 1 is pending: %v", err)
			}
			raw := rawRows(t, db, "merchants", "id", m.Id)
			_, after, _ := strings.Cut(raw, "stripe_person_id=")
			personID, _, _ := strings.Cut(after, "\n")
			if !strings.HasPrefix(personID, "person_") || strings.Contains(raw, "person_id_number=\n") == false {
				t.Fatalf("merchant row after submission:\n%s", raw)
			}
			now := time.Now()
			person := func(id string, at time.Time, verification string) {
				t.Helper()
				ev := connectEvent(id, "person.updated", acct, at, fmt.Sprintf(`{"id":%q,"object":"person","account":%q,"verification":%s}`, personID, acct, verification))
				if code, body := e.deliver("/v1/webhooks/stripe/connect", ev, sign(ev, connectSecret, time.Now())); code != 200 {
					t.Fatalf("deliver %s: %d %s", id, code, body)
				}
				if st := e.waitState(id); st != "processed" {
					t.Fatalf("%s ended %s", id, st)
				}
			}
			// Still checking: nothing changes. Then Stripe cannot match the SSN's last four.
			person("evt_p_pending", now.Add(4*time.Second), `{"status":"pending","details_code":null}`)
			if m, _ = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id}); m.NextAction != "wait_for_database_kyc" {
				t.Fatalf("while Stripe checks: %v", m)
			}
			person("evt_p_nomatch", now.Add(5*time.Second), `{"status":"unverified","details_code":"failed_keyed_identity"}`)
			if m, _ = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id}); m.NextAction != "collect_full_ssn" {
				t.Fatalf("after tier 1's no-match: %v", m)
			}
			// Tier 2 updates the same person with the full number; Stripe verifies it.
			if m, err = onb.SubmitFullSSN(ctx, &idgatev1.SubmitFullSSNRequest{MerchantId: m.Id, Ssn: "000000000"}); err != nil || m.NextAction != "wait_for_database_kyc" {
				t.Fatalf("tier 2 submitted: %v %v", m, err)
			}
			updated := proxy.Requests(http.MethodPost, "/v1/accounts/"+acct+"/persons/"+personID)
			if len(updated) != 1 || updated[0].Form.Get("id_number") != "000000000" || updated[0].Form.Get("ssn_last_4") != "" ||
				len(proxy.Requests(http.MethodPost, "/v1/accounts/"+acct+"/persons")) != 1 {
				t.Fatalf("tier 2 at Stripe: %+v", updated)
			}
			// Stripe's answer comes seconds after the tier-2 submission, however slow this machine.
			person("evt_p_verified", time.Now().Add(5*time.Second), `{"status":"verified","details_code":null}`)
			if m, _ = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id}); m.KycStatus != "verified" || m.NextAction != "wait_for_stripe_verification" {
				t.Fatalf("after Stripe verified the person: %v", m)
			}
			checks := rawRows(t, db, "kyc_checks", "merchant_id", m.Id)
			if strings.Count(checks, "provider=stripe_connect\n") != 2 || strings.Count(checks, "outcome=no_match\n") != 1 ||
				strings.Count(checks, "outcome=match\n") != 1 || strings.Contains(checks, "outcome=pending") || strings.Contains(checks, "000000000") {
				t.Fatalf("ledger:\n%s", checks)
			}
			// Each check's latency runs from its submission to Stripe's answer, seconds later.
			for _, line := range strings.Split(checks, "\n") {
				if ms, ok := strings.CutPrefix(line, "latency_ms="); ok && (len(ms) < 4 || ms[0] == '-') {
					t.Fatalf("latency %s ms, want the seconds until person.updated:\n%s", ms, checks)
				}
			}
			r, err := onb.GetVerificationCostReport(ctx, &idgatev1.GetVerificationCostReportRequest{From: timestamppb.New(now.Add(-time.Hour)), Until: timestamppb.New(now.Add(time.Hour))})
			if err != nil || len(r.Tiers) != 2 || r.Tiers[1].Successes != 1 || r.TotalCents != 0 {
				t.Fatalf("cost report: %v %v", r, err)
			}
		})
	}
}
