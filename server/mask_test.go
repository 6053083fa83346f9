package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/idgate/idgate/ent"
	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/stripe"
)

// Every personal field of a customer (ent/schema's marks) is either withheld from people or
// shown to them on purpose: a new personal field fails here until it is one or the other.
func TestEveryPersonalCustomerFieldIsMaskedOrShown(t *testing.T) {
	fields := (&idgatev1.Customer{}).ProtoReflect().Descriptor().Fields()
	n := 0
	for _, f := range ent.PersonalFields {
		if f.Type != ent.TypeCustomer {
			continue
		}
		n++
		name := protoreflect.Name(f.Column)
		masked, shown := slices.Contains(maskedCustomerFields, name), slices.Contains(shownCustomerFields, name)
		if masked == shown {
			t.Errorf("personal field %s: list it in maskedCustomerFields or shownCustomerFields (server/identity.go), once", name)
		}
		if fields.ByName(name) == nil {
			t.Errorf("personal field %s has no Customer proto field of that name", name)
		}
	}
	if n == 0 {
		t.Fatal("ent.PersonalFields marks no customer field: is the schema's generation broken?")
	}
}

// Masking empties exactly the withheld fields and says so.
func TestMaskCustomer(t *testing.T) {
	s := "x"
	c := customerProto(identity.Customer{ID: "cust_1", Email: "a@example.com", Phone: "+14155550123", Identity: identity.Identity{
		FirstName: s, LastName: s, DOB: s, IDType: "passport", IDNumberLast4: s, IssuingCountry: "GB", ExpirationDate: s,
		ManualNotes: s, Address: &stripe.Address{Line1: s},
	}})
	maskCustomer(c)
	m := c.ProtoReflect()
	for _, name := range append(slices.Clone(maskedCustomerFields), shownCustomerFields...) {
		if set := m.Has(m.Descriptor().Fields().ByName(name)); set == slices.Contains(maskedCustomerFields, name) {
			t.Errorf("%s set=%v after masking", name, set)
		}
	}
	if !c.PersonalDataMasked {
		t.Error("personal_data_masked is false after masking")
	}
}

// Nothing builds a Customer for a caller but customerFor, and customerProto (the whole
// customer) is called only by customerFor and RevealCustomerIdentity.
func TestCustomersGoThroughCustomerFor(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "customerProto" && fn.Name.Name != "customerFor" && fn.Name.Name != "RevealCustomerIdentity" {
						t.Errorf("%s: %s calls customerProto: answer customers through customerFor, which masks them", fset.Position(n.Pos()), fn.Name.Name)
					}
				case *ast.CompositeLit:
					if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Customer" && fn.Name.Name != "customerProto" {
						t.Errorf("%s: %s builds an idgatev1.Customer: use customerFor", fset.Position(n.Pos()), fn.Name.Name)
					}
				}
				return true
			})
		}
	}
}
