package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/internal/sandbox"
	"github.com/idgate/idgate/internal/testenv"
)

const platformSecret, connectSecret = "whsec_sandbox_platform", "whsec_sandbox_connect"

// receiver is a webhook endpoint that keeps the events whose signature verifies with its
// secret, as stripe-go's webhook package checks them, and counts the others.
type receiver struct {
	secret string
	mu     sync.Mutex
	events []stripego.Event
	bad    int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ev, err := webhook.ConstructEvent(body, r.Header.Get("Stripe-Signature"), rc.secret)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.events = append(rc.events, ev)
}

// types are the types of the events received for object id, in order.
func (rc *receiver) types(id string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, ev := range rc.events {
		if ev.Data.Object["id"] == id {
			out = append(out, string(ev.Type))
		}
	}
	return out
}

func (rc *receiver) find(typ, id string) *stripego.Event {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, ev := range rc.events {
		if string(ev.Type) == typ && ev.Data.Object["id"] == id {
			return &rc.events[i]
		}
	}
	return nil
}

// newSandbox serves a sandbox in front of the tests' stripe-mock, sending events to two
// receivers, and returns a stripe-go client of it.
func newSandbox(t *testing.T) (*sandbox.Sandbox, *client.API, string, *receiver, *receiver) {
	t.Helper()
	platform, connect := &receiver{secret: platformSecret}, &receiver{secret: connectSecret}
	ps, cs := httptest.NewServer(platform), httptest.NewServer(connect)
	t.Cleanup(ps.Close)
	t.Cleanup(cs.Close)
	sb, err := sandbox.New(sandbox.Options{StripeMock: testenv.StripeMock(t), SecretKey: "sk_test_sandbox", PersonCheck: 10 * time.Millisecond, Webhooks: sandbox.Webhooks{
		Platform: sandbox.Endpoint{URL: ps.URL, Secret: platformSecret}, Connect: sandbox.Endpoint{URL: cs.URL, Secret: connectSecret},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	bc := &stripego.BackendConfig{URL: stripego.String(srv.URL), MaxNetworkRetries: stripego.Int64(0), LeveledLogger: &stripego.LeveledLogger{Level: stripego.LevelNull}}
	api := client.New("sk_test_sandbox", &stripego.Backends{
		API: stripego.GetBackendWithConfig(stripego.APIBackend, bc), Connect: stripego.GetBackendWithConfig(stripego.ConnectBackend, bc),
		Uploads: stripego.GetBackendWithConfig(stripego.UploadsBackend, bc),
	})
	return sb, api, srv.URL, platform, connect
}

func stripeCode(err error) string {
	var se *stripego.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return ""
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testenv.Eventually(t, what, cond)
}

// TestPaymentIntents: a PaymentIntent keeps what it was created with and what later calls
// changed, moves through the statuses a test card takes it through, and each change sends
// the event a test account sends, signed for the platform endpoint.
func TestPaymentIntents(t *testing.T) {
	_, api, _, platform, connect := newSandbox(t)
	params := &stripego.PaymentIntentParams{Amount: stripego.Int64(4200), Currency: stripego.String("usd"), Customer: stripego.String("cus_rider"),
		CaptureMethod: stripego.String("manual")}
	params.AddMetadata("ride", "r1")
	pi, err := api.PaymentIntents.New(params)
	if err != nil {
		t.Fatal(err)
	}
	other, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{Amount: stripego.Int64(100), Currency: stripego.String("usd")})
	if err != nil || other.ID == pi.ID || !strings.HasPrefix(pi.ID, "pi_") {
		t.Fatalf("two PaymentIntents: %q and %q (%v), want two ids of their own", pi.ID, other.ID, err)
	}
	if pi.Status != "requires_payment_method" || pi.ClientSecret == "" {
		t.Fatalf("created: status %q, client secret %q", pi.Status, pi.ClientSecret)
	}

	upd := &stripego.PaymentIntentParams{}
	upd.AddMetadata("stepup", "passed")
	if _, err := api.PaymentIntents.Update(pi.ID, upd); err != nil {
		t.Fatal(err)
	}
	got, err := api.PaymentIntents.Get(pi.ID, nil)
	if err != nil || got.Customer == nil || got.Customer.ID != "cus_rider" || got.Amount != 4200 || got.Currency != "usd" ||
		got.CaptureMethod != "manual" || got.Metadata["ride"] != "r1" || got.Metadata["stepup"] != "passed" {
		t.Fatalf("retrieved %+v (%v), want what was created and updated", got, err)
	}
	if _, err := api.PaymentIntents.Capture(pi.ID, nil); stripeCode(err) != "payment_intent_unexpected_state" {
		t.Fatalf("capture before authorisation: %v, want payment_intent_unexpected_state", err)
	}

	// A card that needs authentication: requires_action, then authorised on the second confirm.
	if got, err = api.PaymentIntents.Confirm(pi.ID, &stripego.PaymentIntentConfirmParams{PaymentMethod: stripego.String("pm_card_authenticationRequired")}); err != nil || got.Status != "requires_action" {
		t.Fatalf("confirm with an authentication card: %v %v, want requires_action", got.Status, err)
	}
	if got, err = api.PaymentIntents.Confirm(pi.ID, nil); err != nil || got.Status != "requires_capture" || got.AmountCapturable != 4200 {
		t.Fatalf("confirm after authentication: %+v %v, want requires_capture of 4200", got, err)
	}
	if got, err = api.PaymentIntents.Capture(pi.ID, &stripego.PaymentIntentCaptureParams{AmountToCapture: stripego.Int64(4000)}); err != nil || got.Status != "succeeded" || got.AmountReceived != 4000 {
		t.Fatalf("capture: %+v %v", got, err)
	}
	if _, err := api.PaymentIntents.Cancel(pi.ID, nil); stripeCode(err) != "payment_intent_unexpected_state" {
		t.Fatalf("cancel a captured payment: %v, want payment_intent_unexpected_state", err)
	}
	if got, err = api.PaymentIntents.Cancel(other.ID, nil); err != nil || got.Status != "canceled" {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := api.PaymentIntents.Get("pi_never_created", nil); stripeCode(err) != "resource_missing" {
		t.Fatalf("unknown id: %v, want resource_missing", err)
	}
	list := api.PaymentIntents.List(&stripego.PaymentIntentListParams{Customer: stripego.String("cus_rider")})
	var ids []string
	for list.Next() {
		ids = append(ids, list.PaymentIntent().ID)
	}
	if len(ids) != 1 || ids[0] != pi.ID {
		t.Fatalf("list by customer: %v, want [%s]", ids, pi.ID)
	}
	// A request stripe-mock refuses is refused, and changes nothing.
	if _, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{Currency: stripego.String("usd")}); err == nil {
		t.Fatal("a PaymentIntent without an amount was created")
	}

	want := []string{"payment_intent.created", "payment_intent.requires_action", "payment_intent.amount_capturable_updated", "payment_intent.succeeded"}
	eventually(t, "the PaymentIntent's events", func() bool { return strings.Join(platform.types(pi.ID), ",") == strings.Join(want, ",") })
	final, err := api.PaymentIntents.Get(pi.ID, nil)
	if err != nil || final.LatestCharge == nil {
		t.Fatalf("captured PaymentIntent without a charge: %+v %v", final, err)
	}
	charge := final.LatestCharge.ID
	if ch, err := api.Charges.Get(charge, nil); err != nil || !ch.Captured || ch.AmountCaptured != 4000 || ch.Customer.ID != "cus_rider" || ch.Outcome.RiskLevel != "normal" {
		t.Fatalf("the payment's charge: %+v %v", ch, err)
	}
	eventually(t, "charge.succeeded and charge.captured", func() bool { return strings.Join(platform.types(charge), ",") == "charge.succeeded,charge.captured" })

	// Radar's test cards give the charge their risk.
	risky, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{Amount: stripego.Int64(900), Currency: stripego.String("usd"), Customer: stripego.String("cus_risky"),
		PaymentMethod: stripego.String("pm_card_riskLevelHighest"), Confirm: stripego.Bool(true)})
	if err != nil || risky.Status != "succeeded" {
		t.Fatalf("paid with the highest-risk test card: %+v %v", risky, err)
	}
	eventually(t, "the risky charge's event", func() bool {
		ev := platform.find("charge.succeeded", risky.LatestCharge.ID)
		return ev != nil && ev.Data.Object["outcome"].(map[string]any)["risk_level"] == "highest"
	})
	declinedPI, err := api.PaymentIntents.New(&stripego.PaymentIntentParams{Amount: stripego.Int64(900), Currency: stripego.String("usd"),
		PaymentMethod: stripego.String("pm_card_chargeDeclined"), Confirm: stripego.Bool(true)})
	if err != nil || declinedPI.Status != "requires_payment_method" || declinedPI.LastPaymentError == nil || declinedPI.LastPaymentError.Code != "card_declined" {
		t.Fatalf("declined card: %+v %v", declinedPI, err)
	}
	eventually(t, "the cancel event", func() bool { return platform.find("payment_intent.canceled", other.ID) != nil })
	ev := platform.find("payment_intent.amount_capturable_updated", pi.ID)
	if ev.Data.Object["customer"] != "cus_rider" || ev.Data.PreviousAttributes["status"] != "requires_action" || ev.Account != "" {
		t.Fatalf("amount_capturable_updated: object %v, previous %v, account %q", ev.Data.Object, ev.Data.PreviousAttributes, ev.Account)
	}
	if connect.bad+platform.bad != 0 || len(connect.types(pi.ID)) != 0 {
		t.Fatalf("bad signatures: %d, %d; connect got the platform's events: %v", platform.bad, connect.bad, connect.types(pi.ID))
	}
}

// TestConnectAccountsAndPersons: a person given Stripe's test identity is verified, which
// enables the account's charges (person.created, account.updated to the Connect endpoint);
// the failing test date of birth leaves them unverified and the account's requirements due.
func TestConnectAccountsAndPersons(t *testing.T) {
	_, api, _, platform, connect := newSandbox(t)
	ap := &stripego.AccountParams{Type: stripego.String("custom"), Country: stripego.String("US"),
		Capabilities: &stripego.AccountCapabilitiesParams{CardPayments: &stripego.AccountCapabilitiesCardPaymentsParams{Requested: stripego.Bool(true)}}}
	ap.AddMetadata("merchant_id", "mer_1")
	acct, err := api.Accounts.New(ap)
	if err != nil || acct.ChargesEnabled || acct.Requirements.DisabledReason == "" || len(acct.Requirements.CurrentlyDue) == 0 {
		t.Fatalf("new account: %+v %v, want charges disabled with requirements due", acct, err)
	}
	person := func(year int64) *stripego.Person {
		p, err := api.Persons.New(&stripego.PersonParams{Account: stripego.String(acct.ID), FirstName: stripego.String("Jenny"), LastName: stripego.String("Rosen"),
			DOB: &stripego.PersonDOBParams{Day: stripego.Int64(1), Month: stripego.Int64(1), Year: stripego.Int64(year)}, SSNLast4: stripego.String("0000"),
			Relationship: &stripego.PersonRelationshipParams{Representative: stripego.Bool(true)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Each check is pending when submitted, and ends as Stripe's test values say.
	checked := func(p *stripego.Person) *stripego.Person {
		t.Helper()
		if p.Verification.Status != "pending" {
			t.Fatalf("person %s just submitted: verification %+v, want pending", p.ID, p.Verification)
		}
		var got *stripego.Person
		eventually(t, "the person's check", func() bool {
			got, _ = api.Persons.Get(p.ID, &stripego.PersonParams{Account: stripego.String(acct.ID)})
			return got != nil && got.Verification.Status != "pending"
		})
		return got
	}
	failed := checked(person(1902))
	if failed.Verification.Status != "unverified" || failed.Verification.DetailsCode != "failed_keyed_identity" {
		t.Fatalf("person with the failing test dob: %+v", failed.Verification)
	}
	if a, _ := api.Accounts.GetByID(acct.ID, nil); a.ChargesEnabled || len(a.Requirements.Errors) != 1 {
		t.Fatalf("account with a failed person: charges %v, errors %+v", a.ChargesEnabled, a.Requirements.Errors)
	}
	// Corrected, the person verifies and the account is enabled.
	up, err := api.Persons.Update(failed.ID, &stripego.PersonParams{Account: stripego.String(acct.ID), DOB: &stripego.PersonDOBParams{Day: stripego.Int64(1), Month: stripego.Int64(1), Year: stripego.Int64(1901)}})
	if err != nil {
		t.Fatal(err)
	}
	if up = checked(up); up.Verification.Status != "verified" || up.FirstName != "Jenny" || !up.SSNLast4Provided || up.DOB.Year != 1901 {
		t.Fatalf("corrected person: %+v", up)
	}
	a, err := api.Accounts.GetByID(acct.ID, nil)
	if err != nil || !a.ChargesEnabled || !a.PayoutsEnabled || a.Requirements.DisabledReason != "" || len(a.Requirements.CurrentlyDue) != 0 || a.Metadata["merchant_id"] != "mer_1" {
		t.Fatalf("account after a verified person: %+v %v", a, err)
	}
	// A document that fails Stripe's test-mode check is named in the person's verification.
	doc, err := api.Persons.New(&stripego.PersonParams{Account: stripego.String(acct.ID), FirstName: stripego.String("Max"), LastName: stripego.String("Doe"),
		Verification: &stripego.PersonVerificationParams{Document: &stripego.PersonVerificationDocumentParams{
			Front: stripego.String("file_identity_document_failure"), Back: stripego.String("file_back")}}})
	if err != nil {
		t.Fatal(err)
	}
	if doc = checked(doc); doc.Verification.Document.DetailsCode != "document_failed_test_mode" || doc.Verification.Document.Back == nil || doc.Verification.Document.Back.ID != "file_back" {
		t.Fatalf("person with the failing test document: %+v", doc.Verification.Document)
	}
	if _, err := api.Persons.Get("person_never", &stripego.PersonParams{Account: stripego.String(acct.ID)}); stripeCode(err) != "resource_missing" {
		t.Fatalf("unknown person: %v, want resource_missing", err)
	}
	eventually(t, "person and account events on the Connect endpoint", func() bool {
		return strings.Join(connect.types(failed.ID), ",") == "person.created,person.updated,person.updated,person.updated" && connect.find("account.updated", acct.ID) != nil
	})
	var enabled bool
	connect.mu.Lock()
	for _, ev := range connect.events {
		if ev.Type == "account.updated" && ev.Account == acct.ID && ev.Data.Object["charges_enabled"] == true {
			enabled = true
		}
	}
	connect.mu.Unlock()
	if !enabled || len(platform.types(acct.ID)) != 0 {
		t.Fatalf("no account.updated with charges_enabled for %s on the Connect endpoint (platform got %v)", acct.ID, platform.types(acct.ID))
	}
}

// TestVerificationSessions: a session has its own id, client secret and url; driven to an
// outcome on its test page it answers the outputs and report a verified session has (the
// document images readable from the Files API), sends the identity.verification_session.*
// events, and cannot be canceled any more; redaction removes what it collected.
func TestVerificationSessions(t *testing.T) {
	sb, api, base, platform, _ := newSandbox(t)
	params := &stripego.IdentityVerificationSessionParams{Type: stripego.String("document"), Options: &stripego.IdentityVerificationSessionOptionsParams{
		Document: &stripego.IdentityVerificationSessionOptionsDocumentParams{RequireIDNumber: stripego.Bool(true), RequireMatchingSelfie: stripego.Bool(true)}}}
	params.AddMetadata("customer_id", "cust_1")
	vs, err := api.IdentityVerificationSessions.New(params)
	if err != nil || !strings.HasPrefix(vs.ID, "vs_") || !strings.HasPrefix(vs.ClientSecret, vs.ID+"_secret_") || vs.Status != "requires_input" || vs.URL == "" {
		t.Fatalf("created %+v %v", vs, err)
	}
	if _, err := sb.Complete(vs.ID, "requires_input", "document_expired"); err != nil {
		t.Fatal(err)
	}
	got, _ := api.IdentityVerificationSessions.Get(vs.ID, nil)
	if got.LastError == nil || got.LastError.Code != "document_expired" || got.Metadata["customer_id"] != "cust_1" {
		t.Fatalf("after requires_input: %+v", got.LastError)
	}
	// The test page, as the user would click it.
	resp, err := http.PostForm(vs.URL, url.Values{"outcome": {"verified"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the test page: %v %v", resp, err)
	}
	resp.Body.Close()
	gp := &stripego.IdentityVerificationSessionParams{}
	gp.AddExpand("last_verification_report")
	gp.AddExpand("verified_outputs.dob")
	gp.AddExpand("verified_outputs.id_number")
	got, err = api.IdentityVerificationSessions.Get(vs.ID, gp)
	if err != nil || got.Status != "verified" || got.VerifiedOutputs == nil || got.VerifiedOutputs.LastName != "Rosen" || got.VerifiedOutputs.DOB == nil ||
		got.VerifiedOutputs.IDNumber != "000000000" || got.LastError != nil || got.LastVerificationReport == nil || len(got.LastVerificationReport.Document.Files) != 2 {
		t.Fatalf("verified session: %+v %v", got, err)
	}
	plain, _ := api.IdentityVerificationSessions.Get(vs.ID, nil)
	if plain.VerifiedOutputs.DOB != nil || plain.VerifiedOutputs.IDNumber != "" {
		t.Fatal("the date of birth and id number are answered without being expanded")
	}
	front := got.LastVerificationReport.Document.Files[0]
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/files/"+front+"/contents", nil)
	req.SetBasicAuth("sk_test_sandbox", "")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("document image: %v %v", resp, err)
	}
	image, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(image) != string(sandbox.DocumentImage) {
		t.Fatalf("document image: %q", image)
	}
	if _, err := api.IdentityVerificationSessions.Cancel(vs.ID, nil); stripeCode(err) != "session_unexpected_state" {
		t.Fatalf("cancel a verified session: %v", err)
	}
	want := "identity.verification_session.created,identity.verification_session.requires_input,identity.verification_session.processing,identity.verification_session.verified"
	eventually(t, "the session's events", func() bool { return strings.Join(platform.types(vs.ID), ",") == want })
	if ev := platform.find("identity.verification_session.requires_input", vs.ID); ev.Data.Object["last_error"].(map[string]any)["code"] != "document_expired" {
		t.Fatalf("requires_input event: %v", ev.Data.Object)
	}

	if _, err := api.IdentityVerificationSessions.Redact(vs.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ = api.IdentityVerificationSessions.Get(vs.ID, gp); got.VerifiedOutputs != nil || got.Redaction == nil || got.Redaction.Status != "redacted" {
		t.Fatalf("redacted session: %+v", got)
	}
	if resp, _ = http.DefaultClient.Do(req); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("document image after redaction: HTTP %d, want 404", resp.StatusCode)
	}
	eventually(t, "the redacted event", func() bool { return platform.find("identity.verification_session.redacted", vs.ID) != nil })
}

// TestIdempotency: a create retried with its idempotency key answers the first object.
func TestIdempotency(t *testing.T) {
	_, api, _, _, _ := newSandbox(t)
	create := func() string {
		p := &stripego.IdentityVerificationSessionParams{Type: stripego.String("document")}
		p.SetIdempotencyKey("customer:1:attempt:1")
		vs, err := api.IdentityVerificationSessions.New(p)
		if err != nil {
			t.Fatal(err)
		}
		return vs.ID
	}
	if a, b := create(), create(); a != b {
		t.Fatalf("retried create: %s then %s, want the same session", a, b)
	}
}

// TestLiveKeysRefused: the sandbox does not start next to a live key, and answers a
// request made with one with an error.
func TestLiveKeysRefused(t *testing.T) {
	for _, key := range []string{"sk_live_x", "rk_live_x"} {
		if _, err := sandbox.New(sandbox.Options{StripeMock: testenv.StripeMock(t), SecretKey: key}); !errors.Is(err, sandbox.ErrLiveKey) {
			t.Errorf("New with %s: %v, want ErrLiveKey", key[:8], err)
		}
	}
	_, _, base, _, _ := newSandbox(t)
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/payment_intents", strings.NewReader("amount=100&currency=usd"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer sk_live_abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "live key") {
		t.Fatalf("a live key's request: HTTP %d %s", resp.StatusCode, body)
	}
}

// TestCloseLeavesNoConnection: Close leaves no connection open to an endpoint, not even
// one its cut delivery was still dialling. A connection that never carried a request holds
// up the endpoint server's graceful shutdown (idgate's, under IDGATE_SANDBOX=on) for
// seconds.
func TestCloseLeavesNoConnection(t *testing.T) {
	var mu sync.Mutex
	states := map[net.Conn]http.ConnState{}
	endpoint := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	endpoint.Config.ConnState = func(c net.Conn, st http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		states[c] = st
	}
	endpoint.Start()
	t.Cleanup(endpoint.Close)

	// The dial to the endpoint outlasts the delivery, which Close cuts meanwhile.
	dialing, dialed := make(chan struct{}), make(chan struct{})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == endpoint.Listener.Addr().String() {
			close(dialing)
			<-dialed
			ctx = context.Background()
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	sb, err := sandbox.New(sandbox.Options{StripeMock: testenv.StripeMock(t), SecretKey: "sk_test_sandbox", Client: &http.Client{Transport: tr},
		Webhooks: sandbox.Webhooks{Platform: sandbox.Endpoint{URL: endpoint.URL, Secret: platformSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/payment_intents", strings.NewReader("amount=100&currency=usd"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer sk_test_sandbox")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-dialing
	sb.Close()
	close(dialed)
	eventually(t, "the dialled connection closed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, st := range states {
			if st != http.StateClosed {
				return false
			}
		}
		return len(states) > 0
	})
}
