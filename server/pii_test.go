package server_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// rawCustomer returns every column of a customer row as text, as a database dump shows it.
func rawCustomer(t *testing.T, db testenv.DB, id string) string {
	t.Helper()
	return rawRows(t, db, "customers", "id", id)
}

// rawRows dumps the rows of table whose column equals value as column=value lines, reading
// the database file or server directly, as a dump would.
func rawRows(t *testing.T, db testenv.DB, table, column, value string) string {
	t.Helper()
	driver, dsn, q := "pgx", db.URL, "SELECT * FROM "+table+" WHERE "+column+" = $1"
	if db.Dialect == "sqlite" {
		driver, dsn, q = "sqlite", strings.TrimPrefix(db.URL, "sqlite:")+"?_pragma=busy_timeout(10000)", "SELECT * FROM "+table+" WHERE "+column+" = ?"
	}
	return dumpQuery(t, driver, dsn, q, value)
}

// dumpQuery runs q on its own connection (as a dump would) and returns every column of
// every row as column=value lines; no row fails the test.
func dumpQuery(t *testing.T, driver, dsn, q string, args ...any) string {
	t.Helper()
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := testenv.Dump(t, conn, q, args...)
	if out == "" {
		t.Fatalf("no rows for %s", q)
	}
	return out
}

// TestPersonalDataEncryptedAtRest reads the raw table: no personal value appears in it,
// while the API returns them.
func TestPersonalDataEncryptedAtRest(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			ctx := context.Background()
			sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Fleet", IdentityVerificationMode: "all_users"})
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "r1", Email: "jenny.rosen@example.com", Phone: "+14155550199"})
			if err != nil {
				t.Fatal(err)
			}
			vs := e.session(c.Id)
			e.simulate(vs, "verified", "")
			got, err := e.identity.GetCustomer(ctx, &idgatev1.GetCustomerRequest{Id: c.Id})
			if err != nil || got.Email != "jenny.rosen@example.com" || got.IdentityFirstName == "" || got.IdentityAddress == nil {
				t.Fatalf("API view: %v %v", got, err)
			}
			raw := rawCustomer(t, db, c.Id)
			for _, plain := range []string{"jenny.rosen", "4155550199", got.IdentityFirstName, got.IdentityLastName, got.IdentityAddress.Line1} {
				if plain != "" && strings.Contains(raw, plain) {
					t.Errorf("the table holds %q in clear:\n%s", plain, raw)
				}
			}
			if !strings.Contains(raw, "v1.a.") {
				t.Fatalf("no sealed values in the row:\n%s", raw)
			}
		})
	}
}

// TestDataKeyRotation: a new first key seals new data, the old one still opens old data,
// and the re-encryption job moves old data to the new key so the old one can go.
func TestDataKeyRotation(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			stripeURL := testenv.Stripe(t)
			cfg := func(keys string) map[string]string {
				return map[string]string{"IDGATE_DATA_KEYS": keys, "STRIPE_API_BASE": stripeURL}
			}
			first := start(t, testConfig(t, db.URL, cfg(dataKeyA)))
			_, cust, _ := first.newCustomer("disabled", 50, 3)
			first.stop()
			if !strings.Contains(rawCustomer(t, db, cust), "v1.a.") {
				t.Fatal("not sealed under key a")
			}

			second := start(t, testConfig(t, db.URL, cfg(dataKeyB+","+dataKeyA)))
			testenv.Eventually(t, "the customer re-sealed under key b", func() bool {
				return !strings.Contains(rawCustomer(t, db, cust), "v1.a.")
			})
			second.stop()

			third := start(t, testConfig(t, db.URL, cfg(dataKeyB)))
			if c := third.customer(cust); c.Email != "rider@example.com" {
				t.Fatalf("with key b alone the customer reads %+v", c)
			}
		})
	}
}

// TestRetention: verified data of a customer inactive past IDGATE_RETENTION is wiped by the
// periodic job (which also runs at start); the verification itself stays.
func TestRetention(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			vars := map[string]string{"STRIPE_API_BASE": testenv.Stripe(t), "IDGATE_RETENTION": "720h"}
			first := start(t, testConfig(t, db.URL, vars), server.Options{Clock: clk})
			_, cust, _ := first.newCustomer("all_users", 50, 3)
			first.simulate(first.session(cust), "verified", "")
			if c, _ := first.identity.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); c.GetIdentityFirstName() == "" {
				t.Fatalf("no verified data to expire: %v", c)
			}
			first.stop()
			clk.Advance(721 * time.Hour)

			second := start(t, testConfig(t, db.URL, vars), server.Options{Clock: clk})
			var c *idgatev1.Customer
			testenv.Eventually(t, "the inactive customer's verified data wiped", func() bool {
				var err error
				if c, err = second.identity.GetCustomer(context.Background(), &idgatev1.GetCustomerRequest{Id: cust}); err != nil {
					t.Fatal(err)
				}
				return c.IdentityFirstName == "" && c.IdentityDob == "" && c.IdentityAddress == nil
			})
			if c.GetIdentityStatus() != "verified" {
				t.Fatalf("retention changed the verification status: %v", c)
			}
		})
	}
}
