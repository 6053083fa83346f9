package tenancy_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"entgo.io/ent/entc/load"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/tenancy"
	"github.com/idgate/idgate/internal/testenv"
)

func key(subs ...string) auth.Actor {
	return auth.Actor{Type: "api_key", ID: "key_a", Role: auth.RoleOperator, Subaccounts: subs}
}

// seed writes, as the system, subaccounts sub_a and sub_b with a customer and an open
// review task each.
func seed(t *testing.T, st *store.Store) {
	ctx := auth.WithActor(testenv.Context(t), auth.System)
	for _, s := range []string{"a", "b"} {
		st.Ent.Subaccount.Create().SetID("sub_" + s).SetName(s).ExecX(ctx)
		st.Ent.Customer.Create().SetID("cust_" + s).SetSubaccountID("sub_" + s).SetExternalID("x").SetEmail(s).ExecX(ctx)
		st.Ent.ReviewTask.Create().SetID("rev_" + s).SetSubaccountID("sub_" + s).SetSubjectType("customer").
			SetSubjectID("cust_" + s).SetReason("r").SetPriority(reviewtask.PriorityNormal).ExecX(ctx)
	}
}

func TestScope(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			st := testenv.Store(t, db)
			seed(t, st)
			system := auth.WithActor(testenv.Context(t), auth.System)
			ctx := auth.WithActor(testenv.Context(t), key("sub_a"))

			// Lists, through every client: the writer, the reader and a transaction.
			ids := func(c *ent.Client, ctx context.Context) []string {
				ids, err := c.Customer.Query().Order(ent.Asc(customer.FieldID)).IDs(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return ids
			}
			if got := ids(st.Reader, ctx); !slices.Equal(got, []string{"cust_a"}) {
				t.Fatalf("scoped list (reader): %v", got)
			}
			if err := st.InTx(ctx, func(tx store.Tx) error {
				if got := ids(tx.Client, ctx); !slices.Equal(got, []string{"cust_a"}) {
					t.Errorf("scoped list (transaction): %v", got)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := ids(st.Ent, auth.WithActor(ctx, key([]string{}...))); len(got) != 0 {
				t.Fatalf("a key scoped to no subaccount lists %v", got)
			}
			for name, actor := range map[string]auth.Actor{"admin key": key(), "system": auth.System, "stripe event": {Type: "stripe_event", ID: "evt_1"}} {
				if actor.Type == "api_key" {
					actor.Subaccounts = nil
				}
				if got := ids(st.Ent, auth.WithActor(ctx, actor)); !slices.Equal(got, []string{"cust_a", "cust_b"}) {
					t.Fatalf("%s lists %v, want both tenants", name, got)
				}
			}
			if n := st.Reader.Subaccount.Query().CountX(ctx); n != 1 {
				t.Fatalf("scoped key counts %d subaccounts, want 1", n)
			}
			if c := st.Reader.Customer.Query().Where(customer.ID("cust_a")).WithSubaccount().OnlyX(ctx); c.Edges.Subaccount == nil {
				t.Fatal("own customer's subaccount not loaded")
			}

			// Another tenant's row answers exactly like one that does not exist.
			_, other := st.Reader.Customer.Get(ctx, "cust_b")
			_, missing := st.Reader.Customer.Get(ctx, "cust_missing")
			if !ent.IsNotFound(other) || other.Error() != missing.Error() {
				t.Fatalf("another tenant's customer: %v; a missing one: %v", other, missing)
			}
			if _, err := st.Reader.Subaccount.Get(ctx, "sub_b"); !ent.IsNotFound(err) {
				t.Fatalf("another tenant's subaccount: %v", err)
			}
			if _, err := st.Reader.Customer.Query().Where(customer.ID("cust_a")).QuerySubaccount().Only(ctx); err != nil {
				t.Fatalf("own customer's subaccount by edge: %v", err)
			}

			// Updates and deletes touch only the caller's rows.
			other = st.Ent.Customer.UpdateOneID("cust_b").SetEmail("hijacked").Exec(ctx)
			missing = st.Ent.Customer.UpdateOneID("cust_missing").SetEmail("hijacked").Exec(ctx)
			if !ent.IsNotFound(other) || other.Error() != missing.Error() {
				t.Fatalf("update of another tenant's customer: %v; of a missing one: %v", other, missing)
			}
			if n := st.Ent.Customer.Update().SetEmail("bulk").SaveX(ctx); n != 1 {
				t.Fatalf("bulk update changed %d rows, want 1", n)
			}
			if err := st.Ent.ReviewTask.DeleteOneID("rev_b").Exec(ctx); !ent.IsNotFound(err) {
				t.Fatalf("delete of another tenant's task: %v", err)
			}
			if n := st.Ent.ReviewTask.Delete().ExecX(ctx); n != 1 {
				t.Fatalf("bulk delete removed %d rows, want 1", n)
			}
			if b := st.Reader.Customer.GetX(system, "cust_b"); b.Email != "b" {
				t.Fatalf("another tenant's customer was changed: %q", b.Email)
			}
			if n := st.Reader.ReviewTask.Query().CountX(system); n != 1 {
				t.Fatalf("%d review tasks left, want B's", n)
			}

			// A create in another tenant is refused as that subaccount not found, the answer
			// for a subaccount that does not exist; in its own it works.
			create := func(sub string) error {
				return st.Ent.Customer.Create().SetID("cust_new_" + sub).SetSubaccountID(sub).SetExternalID("y").Exec(ctx)
			}
			if err := create("sub_b"); apperr.KindOf(err) != apperr.KindNotFound || err.Error() != "subaccount sub_b not found" {
				t.Fatalf("create in another tenant: %v", err)
			}
			if err := create("sub_a"); err != nil {
				t.Fatalf("create in its own tenant: %v", err)
			}

			// No actor at all: refused, for queries and mutations alike.
			bare := testenv.Context(t)
			if _, err := st.Reader.Customer.Query().All(bare); !errors.Is(err, tenancy.ErrNoActor) {
				t.Fatalf("query without an actor: %v", err)
			}
			if err := st.Ent.Customer.UpdateOneID("cust_a").SetEmail("x").Exec(bare); !errors.Is(err, tenancy.ErrNoActor) {
				t.Fatalf("update without an actor: %v", err)
			}
			if err := st.Ent.Subaccount.Create().SetID("sub_c").SetName("c").Exec(bare); !errors.Is(err, tenancy.ErrNoActor) {
				t.Fatalf("create without an actor: %v", err)
			}
			if auth.Visible(bare, "sub_a") || !auth.Visible(ctx, "sub_a") || auth.Visible(ctx, "sub_b") {
				t.Fatal("auth.Visible disagrees with the scope")
			}
			// Entities no tenant owns need no actor.
			if _, err := st.Reader.StripeEvent.Query().All(bare); err != nil {
				t.Fatalf("platform-wide entity without an actor: %v", err)
			}
		})
	}
}

// TestEveryTenantEntityIsMarked reads ent/schema: every entity with a subaccount_id field
// (and the subaccount itself) must carry TenantMixin, so a new one cannot be forgotten.
func TestEveryTenantEntityIsMarked(t *testing.T) {
	spec, err := (&load.Config{Path: "../../ent/schema"}).Load()
	if err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, s := range spec.Schemas {
		want := ""
		if s.Name == "Subaccount" {
			want = "id"
		}
		for _, f := range s.Fields {
			if f.Name == "subaccount_id" {
				want = "subaccount_id"
			}
		}
		ann, _ := s.Annotations["TenantOwned"].(map[string]any)
		switch got, _ := ann["Field"].(string); {
		case want == "" && ann != nil:
			t.Errorf("%s is marked tenant-owned but has no subaccount_id", s.Name)
		case want != "" && got != want:
			t.Errorf("%s has %s but not TenantMixin{Field: %q} (marked: %v)", s.Name, want, want, ann)
		case want != "":
			marked++
		}
	}
	if marked < 10 {
		t.Fatalf("only %d tenant-owned entities found: is the schema loaded?", marked)
	}
}
