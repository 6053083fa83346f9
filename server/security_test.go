package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// tenant is one subaccount with a customer and a verification session.
// It also has a passkey and a PaymentIntent marked for step-up.
type tenantFixture struct{ sub, customer, session, merchant, review, credential, payment string }

func (e *env) tenant(t *testing.T, admin idgatev1.IdentityServiceClient, proxy *testenv.StripeProxy) tenantFixture {
	sub, cust, _ := e.newCustomer("risk_based", 50, 100)
	vs, err := admin.CreateVerificationSession(context.Background(), &idgatev1.CreateVerificationSessionRequest{CustomerId: cust})
	if err != nil {
		t.Fatal(err)
	}
	m, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).CreateMerchant(context.Background(), &idgatev1.CreateMerchantRequest{
		SubaccountId: sub, ExternalId: "seller-" + cust, Country: "US", BusinessType: "individual"})
	if err != nil {
		t.Fatal(err)
	}
	// A merchant who declines biometrics leaves a review task.
	if _, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).RecordBiometricConsent(context.Background(), &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id}); err != nil {
		t.Fatal(err)
	}
	tasks, err := idgatev1.NewAdminServiceClient(e.conn).ListReviewTasks(context.Background(), &idgatev1.ListReviewTasksRequest{Status: "open", SubjectType: "merchant"})
	if err != nil {
		t.Fatal(err)
	}
	review := ""
	for _, task := range tasks.Tasks {
		if task.SubjectId == m.Id {
			review = task.Id
		}
	}
	if review == "" {
		t.Fatal("no review task for the declining merchant")
	}
	device := e.enrol(t, cust)
	// The payer named by idgate id (metadata idgate_customer_id), without a Stripe customer.
	pi := paymentIntent(t, proxy, "", 5000, map[string]string{"stepup_required": "true", "idgate_customer_id": cust})
	if _, err := admin.EvaluatePayment(context.Background(), &idgatev1.EvaluatePaymentRequest{PaymentIntentId: pi}); err != nil {
		t.Fatal(err)
	}
	return tenantFixture{sub: sub, customer: cust, session: vs.SessionId, merchant: m.Id, review: review,
		credential: device.id, payment: pi}
}

func (e *env) newKey(t *testing.T, role string, subs ...string) string {
	t.Helper()
	r, err := idgatev1.NewAdminServiceClient(e.conn).CreateApiKey(context.Background(), &idgatev1.CreateApiKeyRequest{Name: role + " key", Role: role, SubaccountIds: subs})
	if err != nil {
		t.Fatalf("create %s key: %v", role, err)
	}
	return r.Secret
}

// methodsOf lists every RPC of the idgate services with its descriptor.
func methodsOf(t *testing.T) []protoreflect.MethodDescriptor {
	var out []protoreflect.MethodDescriptor
	for _, svc := range []string{"IdentityService", "RiskService", "WebhookService", "AdminService", "ConnectOnboardingService", "SandboxService"} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("idgate.v1." + svc))
		if err != nil {
			t.Fatal(err)
		}
		ms := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range ms.Len() {
			out = append(out, ms.Get(i))
		}
	}
	return out
}

// request builds a request for m aimed at the tenant's subjects: every id-like field
// gets the id of the thing the method works on.
func request(t *testing.T, m protoreflect.MethodDescriptor, f tenantFixture, keyID string) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(m.Input().FullName())
	if err != nil {
		t.Fatal(err)
	}
	msg := mt.New()
	set := func(name, v string) {
		if fd := msg.Descriptor().Fields().ByName(protoreflect.Name(name)); fd != nil {
			msg.Set(fd, protoreflect.ValueOfString(v))
		}
	}
	service := string(m.Parent().Name())
	switch service {
	case "IdentityService":
		set("id", f.customer)
		if m.Name() == "RevokeCredential" {
			set("id", f.credential)
		}
	case "RiskService":
		set("id", f.sub)
	case "AdminService":
		set("id", keyID)
		if strings.HasSuffix(string(m.Name()), "ReviewTask") {
			set("id", f.review)
			set("decision", "reject")
		}
	case "ConnectOnboardingService":
		set("id", f.merchant)
		set("country", "US")
		set("business_type", "company")
	}
	set("customer_id", f.customer)
	set("subaccount_id", f.sub)
	set("session_id", f.session)
	set("merchant_id", f.merchant)
	set("payment_intent_id", f.payment)
	set("external_id", "matrix-"+string(m.Name()))
	set("action", "ride_start")
	set("notes", "matrix")
	set("reason", "matrix")
	set("risk_level", "normal")
	set("outcome", "processing")
	set("name", "matrix")
	set("role", "readonly")
	set("first_name", "Jenny")
	set("last_name", "Rosen")
	set("dob", "1901-01-01")
	set("ssn_last4", "0000")
	set("ssn", "000000000")
	set("mode", "risk_based")
	set("phone_type", "mobile")
	set("signup_ip", "192.0.2.1")
	if fd := msg.Descriptor().Fields().ByName("address"); fd != nil && fd.Message() != nil {
		addr := msg.Mutable(fd).Message()
		for name, v := range map[string]string{"line1": "address_full_match", "city": "San Francisco", "postal_code": "94111"} {
			if f := addr.Descriptor().Fields().ByName(protoreflect.Name(name)); f != nil {
				addr.Set(f, protoreflect.ValueOfString(v))
			}
		}
	}
	if fd := msg.Descriptor().Fields().ByName("subaccount_ids"); fd != nil {
		l := msg.Mutable(fd).List()
		l.Append(protoreflect.ValueOfString(f.sub))
	}
	return msg.Interface()
}

var rolesOf = map[string][]string{
	"CreateCustomer": {"admin", "service"}, "GetCustomer": {"admin", "operator", "service", "readonly"},
	"ListCustomers":             {"admin", "operator", "service", "readonly"},
	"CreateVerificationSession": {"admin", "service"}, "CheckAccess": {"admin", "operator", "service", "readonly"},
	"ClearRequirement": {"admin", "operator"}, "ManualVerify": {"admin", "operator"}, "RequireVerification": {"admin", "operator"},
	"RefreshFromStripe": {"admin", "operator", "service"}, "RedactCustomerIdentity": {"admin", "operator", "service"},
	"SimulateVerificationOutcome": {"admin", "service"},
	"CreateSubaccount":            {"admin"}, "GetSubaccount": {"admin", "operator", "service", "readonly"},
	"ListSubaccounts": {"admin", "operator", "service", "readonly"}, "UpdateSubaccount": {"admin"},
	"RecordPaymentRisk": {"admin", "service"}, "ListWebhookEvents": {"admin"}, "RetryWebhookEvent": {"admin"},
	"GetVerificationCostReport": {"admin", "operator"},
	"RecordBiometricConsent":    {"admin", "service"}, "RecordCustomerBiometricConsent": {"admin", "service"},
	"StartDocumentVerification": {"admin", "service"},
	"StartDatabaseKYC":          {"admin", "service"}, "SubmitFullSSN": {"admin", "service"},
	"WithdrawBiometricConsent": {"admin", "service"},
	"CreateMerchant":           {"admin", "service"}, "GetMerchant": {"admin", "operator", "service", "readonly"},
	"ListMerchants": {"admin", "operator", "service", "readonly"},
	"CreateApiKey":  {"admin"}, "ListApiKeys": {"admin"}, "RevokeApiKey": {"admin"}, "ListAuditEvents": {"admin", "operator"},
	"ListReviewTasks": {"admin", "operator", "readonly"}, "ClaimReviewTask": {"admin", "operator"}, "ResolveReviewTask": {"admin", "operator"},
	"BeginEnrollment": {"admin", "service"}, "FinishEnrollment": {"admin", "service"},
	"ListCredentials": {"admin", "operator", "service", "readonly"}, "RevokeCredential": {"admin", "operator", "service"},
	"EvaluatePayment": {"admin", "service"}, "BeginStepUp": {"admin", "service"}, "FinishStepUp": {"admin", "service"},
	"CanCapture":        {"admin", "operator", "service", "readonly"},
	"RecordPhoneLookup": {"admin", "service"}, "RecordSignupLocation": {"admin", "service"},
	"GetRiskProfile": {"admin", "operator", "service", "readonly"}, "SimulatePolicy": {"admin", "operator"},
	"RevealCustomerIdentity": {"admin", "operator"},
	// Service keys reach CreateSession and are refused there, with the reason.
	"CreateSession": {"admin", "operator", "readonly"}, "GetCurrentSession": {"admin", "operator", "readonly"},
	"RevokeCurrentSession": {"admin", "operator", "readonly"},
	// The matrix's idgate runs without the sandbox, where these payments are refused alike
	// for every tenant; TestSandboxPayments checks their tenancy under the sandbox.
	"GetSandbox": {"admin", "operator", "service", "readonly"}, "CreateSandboxPaymentIntent": {"admin", "service"},
	"GetSandboxPaymentIntent": {"admin", "operator", "service", "readonly"},
}

// ownSession methods name no subject: they act on the caller's own console session, which
// an API key does not have (NotFound).
var ownSession = []string{"CreateSession", "GetCurrentSession", "RevokeCurrentSession"}

// tenantScoped methods work on one subaccount's subject: another tenant's is NotFound.
var tenantScoped = []string{
	"CreateCustomer", "GetCustomer", "CreateVerificationSession", "CheckAccess", "ClearRequirement", "ManualVerify",
	"RequireVerification", "RefreshFromStripe", "RedactCustomerIdentity", "SimulateVerificationOutcome",
	"GetSubaccount", "UpdateSubaccount", "RecordPaymentRisk", "CreateMerchant", "GetMerchant",
	"RecordBiometricConsent", "WithdrawBiometricConsent", "ClaimReviewTask", "ResolveReviewTask", "StartDocumentVerification",
	"StartDatabaseKYC", "SubmitFullSSN", "RecordPhoneLookup", "RecordSignupLocation", "GetRiskProfile", "SimulatePolicy",
	"BeginEnrollment", "FinishEnrollment", "ListCredentials", "RevokeCredential",
	"EvaluatePayment", "BeginStepUp", "FinishStepUp", "RevealCustomerIdentity", "RecordCustomerBiometricConsent",
}

// TestAuthorizationMatrix calls every RPC with every role on two tenants, A (the scoped
// keys' own) and B, and on ids that do not exist, and checks: PermissionDenied for a role the
// table refuses; for B's subject exactly the answer for a missing one (code, message and
// body, over gRPC and JSON, naming the id the caller gave), never PermissionDenied; neither
// for an allowed call on A; and every list or report a scoped key reads holds A's rows only.
func TestAuthorizationMatrix(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			adminIdentity := e.identity
			own, other := e.tenant(t, adminIdentity, proxy), e.tenant(t, adminIdentity, proxy)
			missing := other.missing()
			// Stripe (stripe-mock) answers for any PaymentIntent id: the missing payment is a
			// real one whose payer idgate does not have.
			missing.payment = paymentIntent(t, proxy, "", 5000, map[string]string{"stepup_required": "true", "idgate_customer_id": missing.customer})
			keys := map[string]string{
				"admin":    e.newKey(t, "admin"),
				"operator": e.newKey(t, "operator", own.sub),
				"service":  e.newKey(t, "service", own.sub),
				"readonly": e.newKey(t, "readonly", own.sub),
			}
			methods := methodsOf(t)
			// Redaction erases what other calls work on (passkeys, the Stripe customer): last.
			slices.SortStableFunc(methods, func(a, b protoreflect.MethodDescriptor) int {
				return boolToInt(a.Name() == "RedactCustomerIdentity") - boolToInt(b.Name() == "RedactCustomerIdentity")
			})
			for _, m := range methods {
				name := string(m.Name())
				if strings.HasPrefix(name, "HandleStripe") {
					continue // authenticated by the Stripe signature
				}
				allowed, listed := rolesOf[name]
				if !listed {
					t.Errorf("%s is missing from the matrix", name)
					continue
				}
				for role, key := range keys {
					conn := dial(t, e.grpcAddr, key)
					var otherAnswer reply // B's, compared with a missing id's
					for _, target := range []struct {
						name string
						f    tenantFixture
					}{{"own", own}, {"other", other}, {"missing", missing}} {
						if target.name == "missing" && (role == "admin" || !slices.Contains(allowed, role)) {
							continue
						}
						t.Run(fmt.Sprintf("%s/%s/%s", name, role, target.name), func(t *testing.T) {
							victim, err := idgatev1.NewAdminServiceClient(e.conn).CreateApiKey(context.Background(), &idgatev1.CreateApiKeyRequest{Name: "victim", Role: "readonly", SubaccountIds: []string{own.sub}})
							if err != nil {
								t.Fatal(err)
							}
							req := request(t, m, target.f, victim.ApiKey.Id)
							mt, _ := protoregistry.GlobalTypes.FindMessageByName(m.Output().FullName())
							out := mt.New().Interface()
							method := "/" + string(m.Parent().FullName()) + "/" + name
							err = conn.Invoke(context.Background(), method, req, out)
							code := status.Code(err)
							crossTenant := target.name != "own" && role != "admin"
							switch {
							case !slices.Contains(allowed, role):
								if code != codes.PermissionDenied {
									t.Fatalf("%s with a %s key: %v, want PermissionDenied", name, role, err)
								}
							case crossTenant && name == "CanCapture":
								// Fails closed and says no more than for a payment never seen.
								if c := out.(*idgatev1.CanCaptureResponse); err != nil || c.Allowed || c.Reason != "payment_not_evaluated" {
									t.Fatalf("CanCapture on another tenant with a %s key: %v %v", role, c, err)
								}
							case crossTenant && slices.Contains(tenantScoped, name):
								if code != codes.NotFound {
									t.Fatalf("%s on another tenant with a %s key: %v, want NotFound", name, role, err)
								}
							case slices.Contains(ownSession, name):
								if target.name == "own" && name != "CreateSession" && code != codes.NotFound {
									t.Fatalf("%s with a %s key: %v, want NotFound (a key is not a session)", name, role, err)
								}
								return
							case target.name == "own":
								if code == codes.PermissionDenied || code == codes.Unauthenticated || code == codes.NotFound {
									t.Fatalf("%s on its own tenant with a %s key: %v", name, role, err)
								}
							}
							if !crossTenant || !slices.Contains(allowed, role) {
								if target.name == "own" && role != "admin" && err == nil {
									onlyOwn(t, name, out, own, other)
								}
								return
							}
							// B's subject and a missing one: the same answer, naming the id given.
							httpStatus, body := callJSON(t, e.base, key, m, req)
							got := reply{code, target.f.normalize(status.Convert(err).Message()), target.f.normalize(protoJSON(out)), httpStatus, target.f.normalize(body)}
							if target.name == "other" {
								otherAnswer = got
								return
							}
							if got != otherAnswer {
								t.Fatalf("%s with a %s key tells another tenant's ids from missing ones:\nother:   %+v\nmissing: %+v", name, role, otherAnswer, got)
							}
						})
					}
				}
			}
			costsStayInTheirTenant(t, e, db, own, other, keys["operator"])
		})
	}
}

// reply is what a caller learns from a call: over gRPC the code, message and response,
// over JSON the status and body; the fixture's ids are replaced by their names.
type reply struct {
	code          codes.Code
	message, resp string
	status        int
	body          string
}

func (f tenantFixture) ids() map[string]string {
	return map[string]string{"sub": f.sub, "customer": f.customer, "session": f.session, "merchant": f.merchant,
		"review": f.review, "credential": f.credential, "payment": f.payment}
}

// missing is f with every id changed in its last character: ids of the same shape that
// name nothing.
func (f tenantFixture) missing() tenantFixture {
	alter := func(id string) string {
		last := byte('0')
		if id[len(id)-1] == '0' {
			last = '1'
		}
		return id[:len(id)-1] + string(last)
	}
	return tenantFixture{sub: alter(f.sub), customer: alter(f.customer), session: alter(f.session), merchant: alter(f.merchant),
		review: alter(f.review), credential: alter(f.credential), payment: alter(f.payment)}
}

func (f tenantFixture) normalize(s string) string {
	for name, id := range f.ids() {
		s = strings.ReplaceAll(s, id, "<"+name+">")
	}
	return s
}

func protoJSON(m proto.Message) string {
	b, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	return string(b)
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// callJSON makes the call of req through the JSON gateway, on the route the method's
// google.api.http rule names, and returns the status and body.
func callJSON(t *testing.T, base, key string, m protoreflect.MethodDescriptor, req proto.Message) (int, string) {
	t.Helper()
	rule := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
	verb, path := "GET", rule.GetGet()
	if p := rule.GetPost(); p != "" {
		verb, path = "POST", p
	} else if p := rule.GetPatch(); p != "" {
		verb, path = "PATCH", p
	}
	msg := req.ProtoReflect()
	field := func(name string) protoreflect.FieldDescriptor {
		return msg.Descriptor().Fields().ByName(protoreflect.Name(name))
	}
	path = pathParam.ReplaceAllStringFunc(path, func(p string) string {
		return url.PathEscape(msg.Get(field(p[1 : len(p)-1])).String())
	})
	var body io.Reader
	if rule.Body == "*" {
		body = strings.NewReader(protoJSON(req))
	} else {
		q := url.Values{}
		msg.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if fd.Kind() == protoreflect.StringKind && !fd.IsList() && !strings.Contains(path, v.String()) {
				q.Set(string(fd.Name()), v.String())
			}
			return true
		})
		path += "?" + q.Encode()
	}
	r, _ := http.NewRequest(verb, base+path, body)
	r.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// onlyOwn checks what a key scoped to own read from a list or report: none of other's
// ids, and (so that the check can fail) own's subjects where the list has them.
func onlyOwn(t *testing.T, method string, out proto.Message, own, other tenantFixture) {
	t.Helper()
	if !strings.HasPrefix(method, "List") && method != "GetVerificationCostReport" {
		return
	}
	got := protoJSON(out)
	for name, id := range other.ids() {
		if strings.Contains(got, id) {
			t.Fatalf("%s with a key scoped to A shows B's %s %s:\n%s", method, name, id, got)
		}
	}
	want := map[string]string{"ListCustomers": own.customer, "ListSubaccounts": own.sub, "ListMerchants": own.merchant, "ListReviewTasks": own.review, "ListAuditEvents": own.customer, "ListCredentials": own.credential}[method]
	if !strings.Contains(got, want) {
		t.Fatalf("%s with a key scoped to A misses A's %s:\n%s", method, want, got)
	}
}

// costsStayInTheirTenant: a costly check in B never reaches the cost report of A's key.
func costsStayInTheirTenant(t *testing.T, e *env, db testenv.DB, own, other tenantFixture, ownKey string) {
	ctx := auth.WithActor(testenv.Context(t), auth.System)
	st, err := store.Open(ctx, db.URL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const costly = 1_000_000
	for _, f := range []tenantFixture{own, other} {
		cost := 100
		if f == other {
			cost = costly
		}
		if err := st.Ent.KYCCheck.Create().SetID("chk_matrix_" + f.merchant).SetMerchantID(f.merchant).SetSubaccountID(f.sub).
			SetCountry("US").SetProvider("manual").SetTier(4).SetOutcome("match").SetLatencyMs(1).SetCostCents(cost).
			SetAt(time.Now().UTC()).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	req := &idgatev1.GetVerificationCostReportRequest{From: timestamppb.New(time.Now().Add(-time.Hour))}
	all, err := idgatev1.NewConnectOnboardingServiceClient(e.conn).GetVerificationCostReport(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	scoped, err := idgatev1.NewConnectOnboardingServiceClient(dial(t, e.grpcAddr, ownKey)).GetVerificationCostReport(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if all.TotalCents < costly || scoped.TotalCents >= costly || scoped.TotalCents < 100 || scoped.Merchants >= all.Merchants {
		t.Fatalf("cost report: admin %v, A's key %v; want B's check in the first only", all, scoped)
	}
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAPIKeyLifecycle(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			ctx := context.Background()
			sub, cust, _ := e.newCustomer("disabled", 50, 3)
			admin := idgatev1.NewAdminServiceClient(e.conn)

			created, err := admin.CreateApiKey(ctx, &idgatev1.CreateApiKeyRequest{Name: "backend", Role: "service", SubaccountIds: []string{sub}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(created.Secret, "idg_test_") || !strings.HasPrefix(created.Secret, created.ApiKey.Prefix) || len(created.Secret) < 40 {
				t.Fatalf("secret %q / prefix %q", created.Secret, created.ApiKey.Prefix)
			}
			// The secret is stored nowhere: not in the table, not in the listing.
			if row := rawRows(t, db, "api_keys", "id", created.ApiKey.Id); strings.Contains(row, created.Secret[13:]) {
				t.Fatalf("the secret is in the table:\n%s", row)
			}
			list, err := admin.ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{})
			if err != nil || strings.Contains(fmt.Sprint(list), created.Secret) {
				t.Fatalf("listing: %v", err)
			}

			svc := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, created.Secret))
			if _, err := svc.CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: cust, Action: "ride_start"}); err != nil {
				t.Fatalf("a new key does not work: %v", err)
			}
			if _, err := admin.RevokeApiKey(ctx, &idgatev1.RevokeApiKeyRequest{Id: created.ApiKey.Id}); err != nil {
				t.Fatal(err)
			}

			// Missing, unknown and revoked keys fail alike, over gRPC and HTTP.
			var msgs []string
			for name, key := range map[string]string{"missing": "", "unknown": "idg_test_" + strings.Repeat("x", 52), "revoked": created.Secret} {
				_, err := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, key)).CheckAccess(ctx, &idgatev1.CheckAccessRequest{CustomerId: cust, Action: "ride_start"})
				if status.Code(err) != codes.Unauthenticated {
					t.Fatalf("%s key: %v, want Unauthenticated", name, err)
				}
				msgs = append(msgs, status.Convert(err).Message())
				req, _ := http.NewRequest("GET", e.base+"/v1/customers/"+cust+"/access?action=ride_start", nil)
				if key != "" {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("%s key over HTTP: %d, want 401", name, resp.StatusCode)
				}
			}
			if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
				t.Fatalf("the errors tell the cases apart: %q", msgs)
			}
			// The webhook route needs no key.
			payload := stripeEvent("evt_nokey", "customer.created", "2023-10-16", `{"id":"cus_1"}`)
			if code, _ := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
				t.Fatalf("webhook without a key: %d", code)
			}
		})
	}
}

// TestBootstrapKeyRotation: changing IDGATE_BOOTSTRAP_API_KEY revokes the previous one.
func TestBootstrapKeyRotation(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			first := start(t, testConfig(t, db.URL, nil))
			first.stop()
			rotated := "idg_test_rotated_bootstrap_key_000000000"
			second := start(t, testConfig(t, db.URL, map[string]string{"IDGATE_BOOTSTRAP_API_KEY": rotated}))
			ctx := context.Background()
			if _, err := idgatev1.NewAdminServiceClient(dial(t, second.grpcAddr, rotated)).ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{}); err != nil {
				t.Fatalf("the new bootstrap key: %v", err)
			}
			if _, err := idgatev1.NewAdminServiceClient(dial(t, second.grpcAddr, adminKey)).ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Fatalf("the old bootstrap key: %v, want Unauthenticated", err)
			}
		})
	}
}

// TestRevokedKeyStopsOnEveryReplica: a replica that recently accepted a key stops
// accepting it within the cache lifetime of its revocation on another replica.
func TestRevokedKeyStopsOnEveryReplica(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			a := start(t, testConfig(t, db.URL, nil), server.Options{Clock: clk})
			b := start(t, testConfig(t, db.URL, nil), server.Options{Clock: clk})
			ctx := context.Background()
			created, err := idgatev1.NewAdminServiceClient(a.conn).CreateApiKey(ctx, &idgatev1.CreateApiKeyRequest{Name: "ops", Role: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			onB := idgatev1.NewAdminServiceClient(dial(t, b.grpcAddr, created.Secret))
			if _, err := onB.ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{}); err != nil {
				t.Fatalf("the new key on replica b: %v", err)
			}
			if _, err := idgatev1.NewAdminServiceClient(a.conn).RevokeApiKey(ctx, &idgatev1.RevokeApiKeyRequest{Id: created.ApiKey.Id}); err != nil {
				t.Fatal(err)
			}
			if _, err := idgatev1.NewAdminServiceClient(dial(t, a.grpcAddr, created.Secret)).ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Fatalf("the revoked key on the replica that revoked it: %v, want Unauthenticated", err)
			}
			clk.Advance(5*time.Second + time.Millisecond) // the documented bound
			if _, err := onB.ListApiKeys(ctx, &idgatev1.ListApiKeysRequest{}); status.Code(err) != codes.Unauthenticated {
				t.Fatalf("the revoked key on replica b after the cache lifetime: %v, want Unauthenticated", err)
			}
		})
	}
}

// TestAuditLog: operator actions are logged with the key that made them, Stripe-driven
// changes with the event, and personal data only by field name.
func TestAuditLog(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			ctx := context.Background()
			sub, cust, stripeID := e.newCustomer("risk_based", 50, 3)
			e.charge(stripeID, "highest")
			opKey := e.newKey(t, "operator", sub)
			ops := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, opKey))
			if _, err := ops.ClearRequirement(ctx, &idgatev1.ClearRequirementRequest{Id: cust, Notes: "known rider"}); err != nil {
				t.Fatal(err)
			}
			if _, err := ops.RequireVerification(ctx, &idgatev1.RequireVerificationRequest{Id: cust, Reason: "chargeback"}); err != nil {
				t.Fatal(err)
			}
			if _, err := ops.ManualVerify(ctx, &idgatev1.ManualVerifyRequest{Id: cust, Notes: "passport seen at the depot"}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.identity.RedactCustomerIdentity(ctx, &idgatev1.RedactCustomerIdentityRequest{Id: cust}); err != nil {
				t.Fatal(err)
			}
			log, err := idgatev1.NewAdminServiceClient(dial(t, e.grpcAddr, opKey)).ListAuditEvents(ctx, &idgatev1.ListAuditEventsRequest{SubjectId: cust})
			if err != nil {
				t.Fatal(err)
			}
			var manual, risk, redact *idgatev1.AuditEvent
			byAction := map[string]*idgatev1.AuditEvent{}
			for _, ev := range log.Events {
				if _, seen := byAction[ev.Action]; !seen {
					byAction[ev.Action] = ev
				}
				switch {
				case ev.Action == "/idgate.v1.IdentityService/ManualVerify":
					manual = ev
				case ev.ActorType == "stripe_event" && strings.Contains(changesOf(ev), "stripe_risk_score"):
					risk = ev
				case ev.Action == "/idgate.v1.IdentityService/RedactCustomerIdentity":
					redact = ev
				}
			}
			for action, note := range map[string]string{"ClearRequirement": "known rider", "RequireVerification": "chargeback"} {
				ev := byAction["/idgate.v1.IdentityService/"+action]
				if ev == nil || ev.ActorRole != "operator" || ev.Notes != note || !strings.Contains(changesOf(ev), "identity_verification_required") {
					t.Errorf("%s entry: %v", action, ev)
				}
			}
			if manual == nil || manual.ActorRole != "operator" || !strings.HasPrefix(manual.ActorId, "key_") || manual.Notes != "passport seen at the depot" || manual.RequestId == "" {
				t.Fatalf("manual verification entry: %v", manual)
			}
			var changes map[string]map[string]any
			_ = json.Unmarshal([]byte(changesOf(manual)), &changes)
			if c := changes["identity_status"]; c == nil || c["before"] != nil || c["after"] != "verified" {
				t.Fatalf("manual verification changes: %s", changesOf(manual))
			}
			if risk == nil || !strings.HasPrefix(risk.ActorId, "evt_charge_") {
				t.Fatalf("no entry for the charge.succeeded event's change: %v", log.Events)
			}
			if redact == nil || !strings.Contains(changesOf(redact), `"email":{"changed":true}`) || strings.Contains(changesOf(redact), "rider@example.com") {
				t.Fatalf("redaction entry must name email without its value: %v", redact)
			}
		})
	}
}

func TestAbuseLimits(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			e := start(t, testConfig(t, db.URL, map[string]string{
				"STRIPE_API_BASE":                         testenv.Stripe(t),
				"IDGATE_LIMIT_SESSIONS_PER_CUSTOMER_HOUR": "2",
				"IDGATE_LIMIT_AUTH_FAILURES_PER_MINUTE":   "3",
			}), server.Options{Clock: clk})
			_, cust, _ := e.newCustomer("all_users", 50, 100)
			for i := range 2 {
				if code, _ := e.call("POST", "/api/customers/"+cust+"/identity-session", `{}`, nil); code != 200 {
					t.Fatalf("session call %d: %d", i+1, code)
				}
			}
			_, err := e.identity.CreateVerificationSession(context.Background(), &idgatev1.CreateVerificationSessionRequest{CustomerId: cust})
			if status.Code(err) != codes.ResourceExhausted || len(status.Convert(err).Details()) == 0 {
				t.Fatalf("third session in the hour: %v, want ResourceExhausted with RetryInfo", err)
			}
			req, _ := http.NewRequest("POST", e.base+"/api/customers/"+cust+"/identity-session", strings.NewReader(`{}`))
			req.Header.Set("Authorization", "Bearer "+adminKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("over HTTP: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
			clk.Advance(time.Hour)
			if _, err := e.identity.CreateVerificationSession(context.Background(), &idgatev1.CreateVerificationSessionRequest{CustomerId: cust}); err != nil {
				t.Fatalf("a session an hour later: %v", err)
			}

			// Guessing keys: three failures, then the address is told to wait, even for a good key.
			bad := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, "idg_test_guess"))
			for i := range 3 {
				if _, err := bad.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); status.Code(err) != codes.Unauthenticated {
					t.Fatalf("failure %d: %v", i+1, err)
				}
			}
			if _, err := bad.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); status.Code(err) != codes.ResourceExhausted {
				t.Fatalf("fourth failure: %v, want ResourceExhausted", err)
			}
			if _, err := e.identity.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); err != nil {
				t.Fatalf("a valid key from the same address: %v", err)
			}
			clk.Advance(time.Minute)
			if _, err := bad.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); status.Code(err) != codes.Unauthenticated {
				t.Fatalf("a guess a minute later: %v, want Unauthenticated (no longer told to wait)", err)
			}
		})
	}
}

// TestGatewayAndGRPCAgree makes the same calls both ways: each HTTP status is the one the
// gateway documents for the gRPC code.
func TestGatewayAndGRPCAgree(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, proxy := stepUpEnv(t, db)
			own, other := e.tenant(t, e.identity, proxy), e.tenant(t, e.identity, proxy)
			readonly := e.newKey(t, "readonly", own.sub)
			for _, tc := range []struct {
				name, key, method, path, body string
				call                          func(idgatev1.IdentityServiceClient) error
				want                          codes.Code
				status                        int
			}{
				{"unknown id", adminKey, "GET", "/v1/customers/cust_nope", "", func(c idgatev1.IdentityServiceClient) error {
					_, err := c.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: "cust_nope"})
					return err
				}, codes.NotFound, 404},
				{"bad input", adminKey, "POST", "/api/customers/" + own.customer + "/identity-manual-verify", `{"notes":""}`, func(c idgatev1.IdentityServiceClient) error {
					_, err := c.ManualVerify(context.Background(), &idgatev1.ManualVerifyRequest{Id: own.customer})
					return err
				}, codes.InvalidArgument, 400},
				{"role refused", readonly, "POST", "/api/customers/" + own.customer + "/identity-manual-verify", `{"notes":"x"}`, func(c idgatev1.IdentityServiceClient) error {
					_, err := c.ManualVerify(context.Background(), &idgatev1.ManualVerifyRequest{Id: own.customer, Notes: "x"})
					return err
				}, codes.PermissionDenied, 403},
				{"other tenant", readonly, "GET", "/v1/customers/" + other.customer, "", func(c idgatev1.IdentityServiceClient) error {
					_, err := c.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: other.customer})
					return err
				}, codes.NotFound, 404},
				{"no key", "", "GET", "/v1/customers/" + own.customer, "", func(c idgatev1.IdentityServiceClient) error {
					_, err := c.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: own.customer})
					return err
				}, codes.Unauthenticated, 401},
				{"allowed", readonly, "GET", "/v1/customers/" + own.customer + "/access?action=ride_start", "", func(c idgatev1.IdentityServiceClient) error {
					_, err := c.CheckAccess(context.Background(), &idgatev1.CheckAccessRequest{CustomerId: own.customer, Action: "ride_start"})
					return err
				}, codes.OK, 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := tc.call(idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, tc.key)))
					if status.Code(err) != tc.want {
						t.Fatalf("gRPC: %v, want %v", err, tc.want)
					}
					req, _ := http.NewRequest(tc.method, e.base+tc.path, strings.NewReader(tc.body))
					if tc.key != "" {
						req.Header.Set("Authorization", "Bearer "+tc.key)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != tc.status {
						t.Fatalf("HTTP %d, want %d", resp.StatusCode, tc.status)
					}
				})
			}
		})
	}
}
