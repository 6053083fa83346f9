package identity

import (
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/biometricconsent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/testenv"
)

// setEveryField sets every field of m's entity (named by the entity struct's json tags) to
// a value other than its zero, through ent.Mutation.SetField: a field added to the schema
// is set here without editing the test.
func setEveryField(t *testing.T, m ent.Mutation, entity any, skip ...string) {
	t.Helper()
	at := time.Date(2026, 11, 30, 12, 34, 56, 0, time.UTC)
	typ := reflect.TypeOf(entity)
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || name == "id" || name == "edges" || slices.Contains(skip, name) {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		var v any
		switch {
		case ft == reflect.TypeOf(time.Time{}):
			v = at.Add(time.Duration(i) * time.Second)
		case ft == reflect.TypeOf(customer.IdentityVerificationRequiredSource("")):
			v = customer.IdentityVerificationRequiredSourceOperator
		case ft.Kind() == reflect.String:
			v = "v_" + name
		case ft.Kind() == reflect.Bool:
			v = true
		case ft.Kind() == reflect.Int:
			v = 40 + i
		default:
			t.Fatalf("%s.%s: teach setEveryField its type %s", typ.Name(), name, f.Type)
		}
		if err := m.SetField(name, v); err != nil {
			t.Fatalf("%s.%s: %v", typ.Name(), name, err)
		}
	}
}

// TestGetCustomerReadIsEntsRead: GetCustomer's one hand-written statement reads what ent's
// two queries read, for a customer and consents with every field set, on both dialects;
// what it leaves out changes nothing GetCustomer shows; another tenant's customer is not
// found, exactly as a customer that does not exist.
func TestGetCustomerReadIsEntsRead(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			st := testenv.Store(t, db)
			cipher, err := pii.Parse("a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			if err != nil {
				t.Fatal(err)
			}
			clk := &clock.Fake{}
			st.Ent.Use(pii.Hook(cipher, clk))
			s := NewService(st, cipher, nil, nil, nil, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
			ctx := auth.WithActor(testenv.Context(t), auth.System)

			if err := st.Ent.Subaccount.Create().SetID("sub_read").SetName("fleet").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			create := st.Ent.Customer.Create().SetID("cus_read").SetSubaccountID("sub_read")
			setEveryField(t, create.Mutation(), ent.Customer{}, customer.FieldSubaccountID)
			create.SetIdentityAddress(`{"city":"Leeds","country":"GB"}`)
			if err := create.Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, consent, err := s.readCustomer(ctx, "cus_read"); err != nil || consent != nil {
				t.Fatalf("before any consent: consent %+v, %v; want none", consent, err)
			}
			for i, id := range []string{"bc_older", "bc_latest", "bc_tie"} {
				c := st.Ent.BiometricConsent.Create().SetID(id)
				setEveryField(t, c.Mutation(), ent.BiometricConsent{}, biometricconsent.FieldMerchantID)
				c.SetCustomerID("cus_read").SetSubaccountID("sub_read").SetRecordedAt(time.Date(2026, 11, 1+min(i, 1), 0, 0, 0, 0, time.UTC))
				if err := c.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}

			row, consent, err := s.readCustomer(ctx, "cus_read")
			if err != nil {
				t.Fatal(err)
			}
			full, err := st.Reader.Customer.Get(ctx, "cus_read")
			if err != nil {
				t.Fatal(err)
			}
			for _, col := range customerColumns {
				if got, want := field(row, col), field(full, col); !reflect.DeepEqual(got, want) {
					t.Errorf("customers.%s: read %v, ent %v", col, got, want)
				}
			}
			latest, err := st.Reader.BiometricConsent.Query().Where(biometricconsent.CustomerID("cus_read")).
				Order(ent.Desc(biometricconsent.FieldRecordedAt), ent.Desc(biometricconsent.FieldID)).First(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if latest.ID != "bc_tie" || consent == nil || consent.ID != latest.ID {
				t.Fatalf("latest consent: read %+v, ent %s (want bc_tie: the later id breaks the tie)", consent, latest.ID)
			}
			for _, col := range consentColumns {
				if got, want := field(consent, col), field(latest, col); !reflect.DeepEqual(got, want) {
					t.Errorf("biometric_consents.%s: read %v, ent %v", col, got, want)
				}
			}

			// The columns it leaves out: GetCustomer shows the same with or without them.
			shown, err := s.fromRow(full)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := s.fromRow(row); err != nil || !reflect.DeepEqual(got, shown) {
				t.Fatalf("fromRow of the read %+v (%v), of ent's row %+v: a column fromRow reads is left out of customerQuery", got, err, shown)
			}
			if shown.Email != "v_email" || shown.Identity.Address == nil || shown.Identity.Address.City != "Leeds" {
				t.Fatalf("decrypted customer %+v", shown)
			}

			got, err := s.GetCustomer(ctx, "cus_read")
			if err != nil || got.Identity.Consent == nil || got.Identity.Consent.Country != latest.Country {
				t.Fatalf("GetCustomer: %+v, %v", got, err)
			}
			other := auth.WithActor(testenv.Context(t), auth.Actor{Type: "api_key", ID: "key_b", Role: auth.RoleService, Subaccounts: []string{"sub_other"}})
			_, errOther := s.GetCustomer(other, "cus_read")
			_, errMissing := s.GetCustomer(ctx, "cus_missing")
			if apperr.KindOf(errOther) != apperr.KindNotFound || strings.ReplaceAll(errOther.Error(), "cus_read", "X") != strings.ReplaceAll(errMissing.Error(), "cus_missing", "X") {
				t.Fatalf("another tenant's customer: %v; a missing one: %v (want the same not found)", errOther, errMissing)
			}
		})
	}
}

// field is the value of the struct field of e that holds column (by its json tag).
func field(e any, column string) any {
	v := reflect.ValueOf(e).Elem()
	for i := range v.NumField() {
		if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ","); name == column {
			return v.Field(i).Interface()
		}
	}
	panic("no field for column " + column)
}
