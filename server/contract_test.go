package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// changesOf is an audit event's changes as compact JSON, keys sorted.
func changesOf(ev *idgatev1.AuditEvent) string {
	b, _ := json.Marshal(ev.GetChanges().AsMap())
	return string(b)
}

// TestJSONContract is what a JSON client sees of the API's shape: audit changes as an
// object, a field violation that names its field once and carries no nulls, an unknown
// route told apart from a missing resource, and an unknown gRPC method Unimplemented.
func TestJSONContract(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			sub, cust, _ := e.newCustomer("risk_based", 50, 3)

			t.Run("audit changes are an object", func(t *testing.T) {
				if code, _ := e.call("POST", "/v1/customers/"+cust+":requireVerification", `{"reason":"chargeback"}`, nil); code != 200 {
					t.Fatalf("require verification: HTTP %d", code)
				}
				var log struct {
					Events []struct {
						Action  string                                `json:"action"`
						Changes map[string]map[string]json.RawMessage `json:"changes"`
					} `json:"events"`
				}
				if code, _ := e.call("GET", "/v1/audit-events?subject_id="+cust, "", &log); code != 200 {
					t.Fatalf("audit events: HTTP %d", code)
				}
				for _, ev := range log.Events {
					if ev.Action == "/idgate.v1.IdentityService/RequireVerification" {
						if after := string(ev.Changes["identity_verification_required"]["after"]); after != "true" {
							t.Fatalf("changes.identity_verification_required.after = %s, want true; changes %v", after, ev.Changes)
						}
						return
					}
				}
				t.Fatalf("no RequireVerification entry in %+v", log.Events)
			})

			t.Run("a field violation names its field once", func(t *testing.T) {
				got := e.send("PATCH", "/v1/subaccounts/"+sub, `{"identity_verification_risk_threshold":150}`, nil)
				var st struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
					Details []struct {
						FieldViolations []map[string]any `json:"field_violations"`
					} `json:"details"`
				}
				if err := json.Unmarshal([]byte(got.body), &st); err != nil || got.code != 400 || len(st.Details) != 1 || len(st.Details[0].FieldViolations) != 1 {
					t.Fatalf("HTTP %d %s", got.code, got.body)
				}
				v := st.Details[0].FieldViolations[0]
				const field = "identity_verification_risk_threshold"
				desc, _ := v["description"].(string)
				if v["field"] != field || desc == "" || strings.Contains(desc, field) || !strings.Contains(st.Message, field) {
					t.Errorf("violation %v in %q: want the field named once, in field (and the message)", v, st.Message)
				}
				for k, x := range v {
					if x == nil {
						t.Errorf("violation carries %s: null", k)
					}
				}
			})

			t.Run("an unknown route is not a missing resource", func(t *testing.T) {
				route := e.send("GET", "/v1/nope", "", nil)
				missing := e.send("GET", "/v1/customers/cust_missing", "", nil)
				if route.code != 404 || !strings.Contains(route.body, `"message":"no route for GET /v1/nope"`) || !strings.Contains(route.body, `"reason":"NO_ROUTE"`) {
					t.Errorf("GET /v1/nope: HTTP %d %s", route.code, route.body)
				}
				if missing.code != 404 || strings.Contains(missing.body, "no route") {
					t.Errorf("GET a missing customer: HTTP %d %s", missing.code, missing.body)
				}
				// Without a key too: the route does not exist whoever asks.
				resp, err := http.Post(e.base+"/v1/customers/"+cust+":nope", "application/json", strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if want := fmt.Sprintf("no route for POST /v1/customers/%s:nope", cust); resp.StatusCode != 404 || !strings.Contains(string(body), want) {
					t.Errorf("POST …:nope without a key: HTTP %d %s, want 404 %q", resp.StatusCode, body, want)
				}
			})

			t.Run("a webhook body that is not UTF-8 is refused", func(t *testing.T) {
				got := e.send("POST", "/v1/webhooks/stripe", "{\"id\":\"evt_\xff\"}", map[string]string{"Stripe-Signature": "t=1,v1=00"})
				if got.code != 400 || !strings.Contains(got.body, "payload: the body is not UTF-8 JSON") {
					t.Errorf("HTTP %d %s, want 400 naming the payload", got.code, got.body)
				}
			})

			t.Run("an unknown gRPC method is Unimplemented", func(t *testing.T) {
				for _, method := range []string{"/idgate.v1.IdentityService/Nope", "/idgate.v1.NopeService/Get"} {
					err := e.conn.Invoke(context.Background(), method, &emptypb.Empty{}, &emptypb.Empty{})
					if status.Code(err) != codes.Unimplemented {
						t.Errorf("%s: %v, want Unimplemented", method, err)
					}
				}
			})
		})
	}
}
