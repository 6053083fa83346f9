package server

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/idgate/idgate/gen/idgate/v1"
)

// TestOpenAPIDocumentsTheContract checks gen/openapiv2/idgate.swagger.json against the
// server: an operation is documented as needing no key exactly when authz lets it through
// without one, Stripe's deliveries are a raw body with their Stripe-Signature header, and
// every operation documents the errors a client must handle as rpcStatus.
func TestOpenAPIDocumentsTheContract(t *testing.T) {
	raw, err := os.ReadFile("../gen/openapiv2/idgate.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	type param struct {
		Name, In, Type string
		Required       bool
		Schema         map[string]any
	}
	var doc struct {
		SecurityDefinitions map[string]struct{ Type, In, Name string }
		Security            []map[string][]string
		Paths               map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Security    *[]map[string][]string
			Consumes    []string
			Parameters  []param
			Responses   map[string]struct{ Schema map[string]any }
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if b := doc.SecurityDefinitions["Bearer"]; b.Type != "apiKey" || b.In != "header" || b.Name != "Authorization" {
		t.Fatalf("securityDefinitions.Bearer = %+v, want an apiKey in the Authorization header", b)
	}
	if len(doc.Security) != 1 || doc.Security[0]["Bearer"] == nil {
		t.Fatalf("document security = %v, want Bearer", doc.Security)
	}
	documented := map[string]bool{}
	for path, verbs := range doc.Paths {
		for verb, op := range verbs {
			// An RPC's additional HTTP bindings are numbered: IdentityService_GetCustomer2.
			service, method, _ := strings.Cut(strings.TrimRight(op.OperationID, "0123456789"), "_")
			full := "/idgate.v1." + service + "/" + method
			documented[full] = true
			if _, listed := methodRoles[full]; !listed && !slices.Contains(public, full) {
				t.Errorf("%s %s: operation %q is no RPC authz knows", verb, path, op.OperationID)
			}
			open := op.Security != nil && len(*op.Security) == 0
			if open != slices.Contains(public, full) {
				t.Errorf("%s %s: documented without a key = %v, but authz public = %v", verb, path, open, !open)
			}
			for _, code := range []string{"400", "401", "403", "404", "409", "429", "503", "default"} {
				if ref := op.Responses[code].Schema["$ref"]; ref != "#/definitions/rpcStatus" {
					t.Errorf("%s %s: response %s schema $ref = %v, want rpcStatus", verb, path, code, ref)
				}
			}
			if !open {
				continue
			}
			var sig, body bool
			for _, p := range op.Parameters {
				sig = sig || p.In == "header" && p.Name == "Stripe-Signature" && p.Required
				body = body || p.In == "body" && p.Schema["type"] == "string"
			}
			if !sig || !body || !slices.Equal(op.Consumes, []string{"application/json"}) {
				t.Errorf("%s %s: want a raw application/json body and a required Stripe-Signature header, got consumes %v, parameters %+v", verb, path, op.Consumes, op.Parameters)
			}
		}
	}
	for full := range methodRoles {
		if strings.HasPrefix(full, "/idgate.v1.") && !documented[full] {
			t.Errorf("%s has no operation in the document", full)
		}
	}
}

// TestOpenAPINullables checks that the document lets null stand wherever the gateway
// writes it: an unset message field (a timestamp, a nested object) or optional field of
// any message but a request. A missing one goes in proto/openapi.yaml's field list.
func TestOpenAPINullables(t *testing.T) {
	raw, err := os.ReadFile("../gen/openapiv2/idgate.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Definitions map[string]struct {
			Properties map[string]map[string]any
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	checked := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("idgate.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Messages().Len() {
			m := f.Messages().Get(i)
			if strings.HasSuffix(string(m.Name()), "Request") {
				continue
			}
			def, ok := doc.Definitions["v1"+string(m.Name())]
			for j := range m.Fields().Len() {
				fd := m.Fields().Get(j)
				if fd.IsList() || fd.IsMap() || fd.Kind() != protoreflect.MessageKind && !fd.HasOptionalKeyword() {
					continue
				}
				checked++
				if !ok {
					t.Errorf("%s: no definition v1%s", fd.FullName(), m.Name())
				} else if def.Properties[string(fd.Name())]["x-nullable"] != true {
					t.Errorf("%s may be null but is not x-nullable: add {field: %s, option: *nullable} to proto/openapi.yaml", fd.FullName(), fd.FullName())
				}
			}
		}
		return true
	})
	if checked == 0 {
		t.Fatal("no fields checked")
	}
}
