package pii

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
)

// Jobs are the re-encryption and retention jobs. Both walk every personal field of every
// entity (ent.PersonalFields) a batch at a time and write with compare-and-swap updates in
// SQL, outside ent: a row is written only if the value read is still there, so a redaction,
// verification or submission that lands in between is never overwritten; and neither
// updated_at nor TouchedAt moves, so re-encryption grants no one more retention time.
type Jobs struct {
	store     *store.Store
	cipher    *Cipher
	clk       clock.Clock
	retention time.Duration
	log       *slog.Logger
	afterRead func() // tests: runs between a batch's read and its writes
}

// NewJobs returns the jobs; retention is IDGATE_RETENTION.
func NewJobs(st *store.Store, c *Cipher, clk clock.Clock, retention time.Duration, log *slog.Logger) *Jobs {
	return &Jobs{store: st, cipher: c, clk: clk, retention: retention, log: log, afterRead: func() {}}
}

// Batch is how many values one run of a job moves or wipes before it enqueues itself again.
const Batch = 500

// ReencryptArgs is the job that moves sealed values to the current data key; it enqueues
// itself again until none is under an older key.
type ReencryptArgs struct{}

// Kind names the job.
func (ReencryptArgs) Kind() string { return "reencrypt_personal_data" }

// InsertOpts keep one such job at a time.
func (ReencryptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// RetentionArgs is the periodic job that wipes the personal data of rows where none was
// written for the retention period.
type RetentionArgs struct{}

// Kind names the job.
func (RetentionArgs) Kind() string { return "personal_data_retention" }

// ReencryptWorker works ReencryptArgs.
func (j *Jobs) ReencryptWorker() river.Worker[ReencryptArgs] {
	return jobs.Batches[ReencryptArgs](Batch, j.Reencrypt)
}

// RetentionWorker works RetentionArgs.
func (j *Jobs) RetentionWorker() river.Worker[RetentionArgs] {
	return jobs.Batches[RetentionArgs](Batch, func(ctx context.Context, limit int) (int, error) {
		return j.Expire(ctx, j.clk.Now().UTC().Add(-j.retention), limit)
	})
}

func (j *Jobs) dialect() string {
	if j.store.Dialect == config.DialectPostgres {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// Reencrypt re-seals up to limit values sealed under an older key and returns how many it
// looked at.
func (j *Jobs) Reencrypt(ctx context.Context, limit int) (int, error) {
	type stale struct {
		f       ent.PersonalField
		id, old string
	}
	var todo []stale
	current := "v1." + j.cipher.Current() + "."
	for _, f := range ent.PersonalFields {
		if !f.Sealed || len(todo) >= limit {
			continue
		}
		q, args := entsql.Dialect(j.dialect()).Select("id", f.Column).From(entsql.Table(f.Table)).
			Where(entsql.And(entsql.HasPrefix(f.Column, version+"."), entsql.Not(entsql.HasPrefix(f.Column, current)))).
			Limit(limit - len(todo)).Query()
		err := j.query(ctx, q, args, func(id, v string) { todo = append(todo, stale{f, id, v}) })
		if err != nil {
			return 0, fmt.Errorf("re-encrypt %s.%s: %w", f.Table, f.Column, err)
		}
	}
	j.afterRead()
	moved := 0
	for _, s := range todo {
		plain, err := j.cipher.Open(s.old, s.id, s.f.Column)
		if err != nil {
			return 0, fmt.Errorf("re-encrypt %s.%s of %s: %w", s.f.Table, s.f.Column, s.id, err)
		}
		sealed, err := j.cipher.Seal(plain, s.id, s.f.Column)
		if err != nil {
			return 0, err
		}
		q, args := entsql.Dialect(j.dialect()).Update(s.f.Table).Set(s.f.Column, sealed).
			Where(entsql.And(entsql.EQ("id", s.id), entsql.EQ(s.f.Column, s.old))).Query()
		n, err := j.exec(ctx, q, args)
		if err != nil {
			return 0, fmt.Errorf("re-encrypt %s.%s of %s: %w", s.f.Table, s.f.Column, s.id, err)
		}
		moved += n
	}
	if moved > 0 {
		j.log.InfoContext(ctx, "re-encrypted personal data", "values", moved, "key", j.cipher.Current())
	}
	return len(todo), nil
}

// Expire wipes the personal fields (but those kept until redaction) of up to limit rows
// whose TouchedAt is before cutoff, and returns how many rows it looked at. Only the
// personal data goes: a customer's verification status stays, and the gate still knows they
// verified.
func (j *Jobs) Expire(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	type row struct{ table, id string }
	var todo []row
	cols := map[string][]string{}
	var tables []string
	for _, f := range ent.PersonalFields {
		if f.UntilRedacted {
			continue
		}
		if _, seen := cols[f.Table]; !seen {
			tables = append(tables, f.Table)
		}
		cols[f.Table] = append(cols[f.Table], f.Column)
	}
	for _, t := range tables {
		if len(todo) >= limit {
			break
		}
		held := make([]*entsql.Predicate, len(cols[t]))
		for i, c := range cols[t] {
			held[i] = entsql.NEQ(c, "")
		}
		q, args := entsql.Dialect(j.dialect()).Select("id", "id").From(entsql.Table(t)).
			Where(entsql.And(entsql.LT(TouchedAt, cutoff), entsql.Or(held...))).Limit(limit - len(todo)).Query()
		if err := j.query(ctx, q, args, func(id, _ string) { todo = append(todo, row{t, id}) }); err != nil {
			return 0, fmt.Errorf("retention of %s: %w", t, err)
		}
	}
	j.afterRead()
	wiped := map[string]int{}
	for _, r := range todo {
		u := entsql.Dialect(j.dialect()).Update(r.table)
		for _, c := range cols[r.table] {
			u.Set(c, "")
		}
		// Personal data written since the read moved TouchedAt past cutoff: it stays.
		q, args := u.Where(entsql.And(entsql.EQ("id", r.id), entsql.LT(TouchedAt, cutoff))).Query()
		n, err := j.exec(ctx, q, args)
		if err != nil {
			return 0, fmt.Errorf("retention of %s %s: %w", r.table, r.id, err)
		}
		wiped[r.table] += n
	}
	for _, t := range tables {
		if wiped[t] > 0 {
			j.log.InfoContext(ctx, "retention wiped personal data", "table", t, "rows", wiped[t])
		}
	}
	return len(todo), nil
}

// query runs a two-column query, closing its rows before returning (SQLite writes through
// one connection, which the writes after it need).
func (j *Jobs) query(ctx context.Context, q string, args []any, each func(a, b string)) error {
	rows, err := j.store.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		each(a, b)
	}
	return rows.Err()
}

func (j *Jobs) exec(ctx context.Context, q string, args []any) (int, error) {
	res, err := j.store.DB().ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
