package pii_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/migrate"
	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/testenv"
)

const (
	keyA = "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	keyB = "b:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="
)

func cipher(t *testing.T, spec string) *pii.Cipher {
	t.Helper()
	c, err := pii.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// personalStore is a store with the hooks server.New installs: audit, then sealing.
func personalStore(t *testing.T, db testenv.DB, c *pii.Cipher, clk clock.Clock) *store.Store {
	st := testenv.Store(t, db)
	st.Ent.Use(audit.Hook, pii.Hook(c, clk))
	return st
}

// row creates one row of an entity with personal fields, setting each of them through the
// mutation (ent.Mutation.SetField), as any path that writes the entity does. An entity that
// gains personal fields needs an entry here: the test fails until it has one.
var row = map[string]func(ctx context.Context, c *ent.Client, id string, set func(ent.Mutation)) error{
	ent.TypeCustomer: func(ctx context.Context, c *ent.Client, id string, set func(ent.Mutation)) error {
		b := c.Customer.Create().SetID(id).SetSubaccountID("sub_1").SetExternalID(id)
		set(b.Mutation())
		return b.Exec(ctx)
	},
	ent.TypeMerchant: func(ctx context.Context, c *ent.Client, id string, set func(ent.Mutation)) error {
		b := c.Merchant.Create().SetID(id).SetSubaccountID("sub_1").SetExternalID(id).SetCountry("US").
			SetBusinessType("individual").SetRoute("database_kyc")
		set(b.Mutation())
		return b.Exec(ctx)
	},
	ent.TypeBiometricConsent: func(ctx context.Context, c *ent.Client, id string, set func(ent.Mutation)) error {
		b := c.BiometricConsent.Create().SetID(id).SetMerchantID("mer_1").SetSubaccountID("sub_1").SetGranted(true).
			SetRecordedAt(time.Now()).SetCountry("DE").SetLegalBasis("consent")
		set(b.Mutation())
		return b.Exec(ctx)
	},
	ent.TypeRiskSignal: func(ctx context.Context, c *ent.Client, id string, set func(ent.Mutation)) error {
		b := c.RiskSignal.Create().SetID(id).SetSubaccountID("sub_1")
		set(b.Mutation())
		return b.Exec(ctx)
	},
}

// plain is the known plaintext written to a row's field.
func plain(id string, f ent.PersonalField) string { return "plain-" + f.Column + "-of-" + id }

// TestEveryPersonalField enumerates every personal field of every entity from the schema
// (ent.PersonalFields) and checks on both dialects: a plaintext written through ent is not
// in the raw row (sealed fields), no audit row holds it or the sealed value, after rotation
// every sealed field opens with the new key alone (and re-encryption moved neither
// updated_at nor the retention clock), retention wipes what it expires and keeps contact
// details, and redaction wipes every field.
func TestEveryPersonalField(t *testing.T) {
	byType := map[string][]ent.PersonalField{}
	for _, f := range ent.PersonalFields {
		byType[f.Type] = append(byType[f.Type], f)
	}
	if len(byType) < 4 {
		t.Fatalf("ent.PersonalFields lists %d entities: are the schema's marks generated?", len(byType))
	}
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.System(t)
			clk := &clock.Fake{}
			st := personalStore(t, db, cipher(t, keyA), clk)
			if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("Fleet").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			// Two rows of each entity: one that retention expires, one that is redacted.
			ids := map[string][2]string{}
			for typ, fields := range byType {
				create := row[typ]
				if create == nil {
					t.Fatalf("%s has personal fields but no fixture in this test: add one", typ)
				}
				for i := range 2 {
					id := fmt.Sprintf("%s_%d", strings.ToLower(typ), i)
					err := create(ctx, st.Ent, id, func(m ent.Mutation) {
						for _, f := range fields {
							if err := m.SetField(f.Column, plain(id, f)); err != nil {
								t.Fatal(err)
							}
						}
					})
					if err != nil {
						t.Fatalf("create %s: %v", id, err)
					}
					r := ids[typ]
					r[i] = id
					ids[typ] = r
				}
			}
			// A change of every field of the mutable entities goes through the hook too.
			for _, id := range ids[ent.TypeCustomer] {
				upd := st.Ent.Customer.UpdateOneID(id)
				for _, f := range byType[ent.TypeCustomer] {
					_ = upd.Mutation().SetField(f.Column, plain(id, f)+"-2")
				}
				if err := upd.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}

			audits := rawAll(t, st, "audit_events")
			for _, f := range ent.PersonalFields {
				for _, id := range ids[f.Type] {
					raw := rawRow(t, st, f.Table, id)
					v := column(raw, f.Column)
					switch {
					case f.Sealed && (strings.Contains(raw, plain(id, f)) || !strings.HasPrefix(v, "v1.a.")):
						t.Errorf("%s.%s of %s at rest: %q", f.Table, f.Column, id, v)
					case !f.Sealed && !strings.HasPrefix(v, plain(id, f)):
						t.Errorf("%s.%s of %s (kept in clear) reads %q", f.Table, f.Column, id, v)
					}
					if strings.Contains(audits, plain(id, f)) || (f.Sealed && strings.Contains(audits, v)) {
						t.Errorf("the audit log holds %s.%s of %s", f.Table, f.Column, id)
					}
				}
			}
			if !strings.Contains(audits, `"person_id_number":{"changed":true}`) {
				t.Errorf("the audit log does not record that a merchant's SSN changed:\n%s", audits)
			}

			// Rotation: b first, a still configured; then b alone reads everything.
			before := map[string]string{}
			for typ, r := range ids {
				for _, id := range r {
					before[id] = clocks(t, st, byType[typ][0].Table, id)
				}
			}
			clk.Advance(time.Hour)
			jobs := pii.NewJobs(st, cipher(t, keyB+","+keyA), clk, 0, discard)
			for {
				n, err := jobs.Reencrypt(ctx, 3) // small batches: the walk resumes across them
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			onlyB := cipher(t, keyB)
			for _, f := range ent.PersonalFields {
				for _, id := range ids[f.Type] {
					raw := rawRow(t, st, f.Table, id)
					if !f.Sealed {
						continue
					}
					got, err := onlyB.Open(column(raw, f.Column), id, f.Column)
					if err != nil || !strings.HasPrefix(got, plain(id, f)) {
						t.Errorf("%s.%s of %s with key b alone: %q %v", f.Table, f.Column, id, got, err)
					}
				}
			}
			for typ, r := range ids {
				for _, id := range r {
					if got := clocks(t, st, byType[typ][0].Table, id); got != before[id] {
						t.Errorf("re-encryption moved %s's clocks: %s → %s", id, before[id], got)
					}
				}
			}

			// Redaction: every personal field of the second rows, through the mutation.
			for typ, r := range ids {
				if err := redact(ctx, st.Ent, typ, r[1]); err != nil {
					t.Fatal(err)
				}
			}
			// Retention: nothing was written an hour ago; everything was written before now.
			if n, err := jobs.Expire(ctx, clk.Now().Add(-2*time.Hour), 100); n != 0 || err != nil {
				t.Fatalf("retention with nothing old enough: %d %v", n, err)
			}
			if _, err := jobs.Expire(ctx, clk.Now(), 100); err != nil {
				t.Fatal(err)
			}
			for _, f := range ent.PersonalFields {
				expired, redacted := ids[f.Type][0], ids[f.Type][1]
				if v := column(rawRow(t, st, f.Table, redacted), f.Column); v != "" {
					t.Errorf("redaction left %s.%s of %s: %q", f.Table, f.Column, redacted, v)
				}
				v := column(rawRow(t, st, f.Table, expired), f.Column)
				if f.UntilRedacted != (v != "") {
					t.Errorf("after retention %s.%s of %s (kept until redacted: %v) reads %q", f.Table, f.Column, expired, f.UntilRedacted, v)
				}
			}
		})
	}
}

// redact wipes every personal field of one row with pii.Wipe, as customer redaction does.
func redact(ctx context.Context, c *ent.Client, typ, id string) error {
	var m interface {
		Mutation() ent.Mutation
		Exec(context.Context) error
	}
	switch typ {
	case ent.TypeCustomer:
		m = mutationOf[*ent.CustomerMutation]{c.Customer.UpdateOneID(id)}
	case ent.TypeMerchant:
		m = mutationOf[*ent.MerchantMutation]{c.Merchant.UpdateOneID(id)}
	case ent.TypeBiometricConsent:
		m = mutationOf[*ent.BiometricConsentMutation]{c.BiometricConsent.UpdateOneID(id)}
	case ent.TypeRiskSignal:
		m = mutationOf[*ent.RiskSignalMutation]{c.RiskSignal.UpdateOneID(id)}
	default:
		return fmt.Errorf("no redaction fixture for %s", typ)
	}
	if err := pii.Wipe(m.Mutation()); err != nil {
		return err
	}
	return m.Exec(ctx)
}

type mutationOf[M ent.Mutation] struct {
	u interface {
		Mutation() M
		Exec(context.Context) error
	}
}

func (m mutationOf[M]) Mutation() ent.Mutation         { return m.u.Mutation() }
func (m mutationOf[M]) Exec(ctx context.Context) error { return m.u.Exec(ctx) }

// personalName is a column name that suggests personal data.
var personalName = regexp.MustCompile(`(^|_)(ssn|dob|tax_id|first_name|last_name|legal_name|address|phone|email|ip|id_number|user_agent|location|notes)(_|$)`)

// notPersonal are columns whose names suggest personal data but that hold none, and why.
var notPersonal = map[string]string{
	"risk_signals.phone_type":               "the line type (mobile, voip) a lookup reported, not the number",
	"risk_signals.phone_carrier":            "the carrier's name",
	"risk_signals.phone_is_prepaid":         "a flag",
	"risk_signals.phone_recently_ported":    "a flag",
	"risk_signals.phone_risk_score":         "a score",
	"risk_signals.phone_country":            "a country code",
	"risk_signals.phone_recorded_at":        "a timestamp",
	"risk_signals.signup_ip_city":           "what was learnt from the IP (kept, by design), not the IP",
	"risk_signals.signup_ip_region":         "as signup_ip_city",
	"risk_signals.signup_ip_country":        "as signup_ip_city",
	"risk_signals.signup_location_accuracy": "GPS accuracy in meters",
	"risk_signals.ip_gps_distance_km":       "a distance",
	"risk_signals.location_recorded_at":     "a timestamp",
	"subaccounts.require_id_number":         "a policy flag",
	"audit_events.notes":                    "an operator's reason for an action, which the audit trail exists to keep",
	"review_tasks.notes":                    "an operator's resolution of a review task, kept with the decision",
}

// TestPersonalLookingColumnsAreMarked fails when a column whose name suggests personal data
// is neither marked in ent/schema (schema.Sealed, Clear or Contact) nor listed above with
// its reason: a field added later cannot be forgotten by the sealing hook, the audit log,
// re-encryption, retention and redaction.
func TestPersonalLookingColumnsAreMarked(t *testing.T) {
	marked := map[string]bool{}
	for _, f := range ent.PersonalFields {
		marked[f.Table+"."+f.Column] = true
	}
	for _, table := range migrate.Tables {
		personal := false
		for _, c := range table.Columns {
			name := table.Name + "." + c.Name
			if marked[name] {
				personal = true
				if c.Type.String() != "string" || c.Nullable {
					t.Errorf("%s is marked personal but is not a non-null string: the hook and jobs handle only those", name)
				}
				continue
			}
			if personalName.MatchString(c.Name) && notPersonal[name] == "" {
				t.Errorf("%s looks like personal data: mark it in ent/schema (Sealed, Clear or Contact) or say in notPersonal why it is not", name)
			}
		}
		if personal && !slices.ContainsFunc(table.Columns, func(c *schema.Column) bool { return c.Name == pii.TouchedAt }) {
			t.Errorf("%s has personal fields but no %s (schema.PIITouchedAt), the retention clock", table.Name, pii.TouchedAt)
		}
	}
}

func builder(st *store.Store) *entsql.DialectBuilder {
	if st.Dialect == config.DialectPostgres {
		return entsql.Dialect(dialect.Postgres)
	}
	return entsql.Dialect(dialect.SQLite)
}

// rawRow dumps one row as column=value lines, read with SQL as a database dump would.
func rawRow(t *testing.T, st *store.Store, table, id string) string {
	t.Helper()
	q, args := builder(st).Select("*").From(entsql.Table(table)).Where(entsql.EQ("id", id)).Query()
	return dump(t, st, q, args)
}

func rawAll(t *testing.T, st *store.Store, table string) string {
	t.Helper()
	q, args := builder(st).Select("*").From(entsql.Table(table)).Query()
	return dump(t, st, q, args)
}

// clocks is a row's updated_at (where it has one) and retention clock.
func clocks(t *testing.T, st *store.Store, table, id string) string {
	raw := rawRow(t, st, table, id)
	return column(raw, "updated_at") + " " + column(raw, pii.TouchedAt)
}

func column(dump, name string) string {
	for _, l := range strings.Split(dump, "\n") {
		if v, ok := strings.CutPrefix(l, name+"="); ok {
			return v
		}
	}
	return ""
}

func dump(t *testing.T, st *store.Store, q string, args []any) string {
	t.Helper()
	return testenv.Dump(t, st.DB(), q, args...)
}
