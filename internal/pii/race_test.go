package pii_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/testenv"
)

// TestJobsNeverOverwriteALaterChange lands a redaction, or a new verification, between
// the re-encryption or retention job's read and its write (deterministically: the job
// runs the change at that point) and checks that the change stands.
func TestJobsNeverOverwriteALaterChange(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				job    func(ctx context.Context, j *pii.Jobs, clk *clock.Fake) error
				change string // redact or verify
			}{
				{"redaction during re-encryption", reencrypt, "redact"},
				{"redaction during retention", expire, "redact"},
				{"verification during re-encryption", reencrypt, "verify"},
				{"verification during retention", expire, "verify"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ctx := testenv.System(t)
					clk := &clock.Fake{}
					st := personalStore(t, db, cipher(t, keyA), clk)
					if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("Fleet").OnConflictColumns("id").Ignore().Exec(ctx); err != nil {
						t.Fatal(err)
					}
					id := "cust_" + strings.ReplaceAll(tc.name, " ", "_")
					err := row[ent.TypeCustomer](ctx, st.Ent, id, func(m ent.Mutation) {
						for _, f := range pii.Fields(ent.TypeCustomer) {
							_ = m.SetField(f.Column, plain(id, f))
						}
					})
					if err != nil {
						t.Fatal(err)
					}
					rotated := cipher(t, keyB+","+keyA)
					customers := identity.NewService(st, rotated, nil, nil, nil, clk, discard)
					jobs := pii.NewJobs(st, rotated, clk, 720*time.Hour, discard)
					ran := false
					jobs.AfterRead(func() {
						if ran {
							return
						}
						ran = true
						switch tc.change {
						case "redact":
							if _, err := customers.RedactCustomerIdentity(ctx, id); err != nil {
								t.Fatal(err)
							}
						case "verify":
							if err := st.Ent.Customer.UpdateOneID(id).SetIdentityFirstName("Jenny").Exec(ctx); err != nil {
								t.Fatal(err)
							}
						}
					})
					if err := tc.job(ctx, jobs, clk); err != nil {
						t.Fatal(err)
					}
					if !ran {
						t.Fatal("the change did not run between the job's read and write")
					}
					c, err := customers.GetCustomer(ctx, id)
					if err != nil {
						t.Fatal(err)
					}
					raw := rawRow(t, st, "customers", id)
					switch tc.change {
					case "redact":
						for _, f := range pii.Fields(ent.TypeCustomer) {
							if v := column(raw, f.Column); v != "" {
								t.Errorf("after the job the redacted customer's %s is %q", f.Column, v)
							}
						}
						if c.Identity.RedactedAt == nil {
							t.Errorf("the customer is not marked redacted: %+v", c.Identity)
						}
					case "verify":
						if c.Identity.FirstName != "Jenny" || strings.Contains(raw, "Jenny") {
							t.Errorf("after the job the new verification's first name reads %q (raw row:\n%s)", c.Identity.FirstName, raw)
						}
					}
				})
			}
		})
	}
}

func reencrypt(ctx context.Context, j *pii.Jobs, _ *clock.Fake) error {
	_, err := j.Reencrypt(ctx, 100)
	return err
}

// expire runs retention a period and an hour after the customer's data was written.
func expire(ctx context.Context, j *pii.Jobs, clk *clock.Fake) error {
	clk.Advance(721 * time.Hour)
	_, err := j.Expire(ctx, clk.Now().Add(-720*time.Hour), 100)
	return err
}
