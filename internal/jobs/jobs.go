// Package jobs runs idgate's durable background work on River, in idgate's own database.
package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/store"
)

// Inserter enqueues a job inside the caller's transaction, so that the job exists exactly
// when the state change that caused it does.
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Client is the queue: it inserts jobs and, when started with workers, works them.
type Client = river.Client[*sql.Tx]

// Batches is the worker of a job that handles up to size items a run (run returns how many
// it took): after a full batch it enqueues the job again, so a large backlog is worked
// through without one job holding a worker for long.
func Batches[T river.JobArgs](size int, run func(ctx context.Context, limit int) (int, error)) river.Worker[T] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[T]) error {
		n, err := run(ctx, size)
		if err != nil || n < size {
			return err
		}
		_, err = river.ClientFromContext[*sql.Tx](ctx).Insert(ctx, job.Args, nil)
		return err
	})
}

// Options configure the queue.
type Options struct {
	// Work: when false the client only inserts; jobs wait for a replica that works them.
	Work         bool
	Workers      int
	PollInterval time.Duration
	RetryBase    time.Duration // zero: River's default backoff
	// Periodic jobs run on the elected leader replica only, and once at its start.
	Periodic []Periodic
}

// Periodic is a job to insert every Every.
type Periodic struct {
	Every time.Duration
	Args  river.JobArgs
}

// New returns a queue over st's writer pool. workers lists every job kind's worker.
func New(st *store.Store, workers *river.Workers, opts Options, log *slog.Logger) (*Client, error) {
	var driver riverdriver.Driver[*sql.Tx]
	if st.Dialect == config.DialectPostgres {
		driver = riverdatabasesql.New(st.DB())
	} else {
		driver = riversqlite.New(st.DB())
	}
	cfg := &river.Config{
		Logger:  log.With("component", "jobs"),
		Workers: workers,
		// Stripe calls and notifications get this long before the attempt counts as failed.
		JobTimeout: time.Minute,
	}
	if opts.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}}
		cfg.FetchPollInterval = opts.PollInterval
		cfg.FetchCooldown = min(opts.PollInterval, 100*time.Millisecond)
	}
	for _, p := range opts.Periodic {
		args := p.Args
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(p.Every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if opts.RetryBase > 0 {
		cfg.RetryPolicy = exponential{base: opts.RetryBase}
	}
	return river.NewClient(driver, cfg)
}

// exponential retries after base, 2*base, 4*base ... (capped at one hour), with 10% jitter.
type exponential struct{ base time.Duration }

func (e exponential) NextRetry(job *rivertype.JobRow) time.Time {
	d := e.base << max(0, min(len(job.Errors)-1, 20))
	d = min(d, time.Hour)
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	return time.Now().Add(d)
}
