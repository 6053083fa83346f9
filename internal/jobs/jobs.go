// Package jobs runs idgate's durable background work on River, in idgate's own database.
package jobs

import (
	"cmp"
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

	"github.com/idgate/idgate/internal/auth"
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
	// Timeout bounds one attempt (zero: DefaultTimeout). A job whose replica died while
	// running it is rescued RescueAfter(Timeout) after it started, see New.
	Timeout time.Duration
	// Periodic jobs run on the elected leader replica only, and once at its start.
	Periodic []Periodic
}

// Periodic is a job to insert every Every.
type Periodic struct {
	Every time.Duration
	Args  river.JobArgs
}

// FetchCooldown is the least time between two fetches of jobs by a replica. A fetch takes
// as many jobs as the replica has free workers, and while a backlog lasts the next fetch
// follows when a worker is free again, but not sooner than this: so a replica starts at
// most Options.Workers jobs per FetchCooldown (200 workers: 4,000 jobs/s). Shorter, each
// fetch takes fewer jobs for the same query, which on SQLite's one writer cost more than
// it gained (BENCHMARKS.md).
const FetchCooldown = 50 * time.Millisecond

// DefaultTimeout is how long one attempt of a job (a Stripe call, a notification) may take
// before it counts as failed.
const DefaultTimeout = time.Minute

// RescueAfter is how long a job may stay running before the queue takes it for the job
// of a replica that died: its timeout plus a margin for a live replica to record the
// outcome of an attempt that ran to the end of its timeout.
func RescueAfter(timeout time.Duration) time.Duration { return timeout + 30*time.Second }

// New returns a queue over st's writer pool. workers lists every job kind's worker.
//
// Crash recovery: River's rescuer runs on the elected leader every 30 s (fixed in
// v0.31.0), makes jobs running for longer than RescueAfter retryable, and its scheduler
// makes them available within 5 s more; rescued jobs retry at once rather than after
// their backoff (rescueNow). So a job a dead replica held runs again within
// RescueAfter + 36 s of its start, about a minute after its timeout (a dead leader is
// replaced within 15 s, inside that margin).
func New(st *store.Store, workers *river.Workers, opts Options, log *slog.Logger) (*Client, error) {
	timeout := cmp.Or(opts.Timeout, DefaultTimeout)
	cfg := &river.Config{
		Logger:               log.With("component", "jobs"),
		Workers:              workers,
		JobTimeout:           timeout,
		RescueStuckJobsAfter: RescueAfter(timeout),
		Middleware:           []rivertype.Middleware{&asSystem{}},
	}
	if opts.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}}
		cfg.FetchPollInterval = opts.PollInterval
		cfg.FetchCooldown = min(opts.PollInterval, FetchCooldown)
	}
	for _, p := range opts.Periodic {
		args := p.Args
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(p.Every),
			func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	var retry river.ClientRetryPolicy = &river.DefaultClientRetryPolicy{}
	if opts.RetryBase > 0 {
		retry = exponential{base: opts.RetryBase}
	}
	cfg.RetryPolicy = rescueNow{next: retry, after: cfg.RescueStuckJobsAfter}
	return river.NewClient(driver(st), cfg)
}

// asSystem runs every job as idgate itself (auth.System), which sees every subaccount;
// a job acting for someone else (a Stripe event) says so in its own context.
type asSystem struct{ river.MiddlewareDefaults }

func (asSystem) Work(ctx context.Context, _ *rivertype.JobRow, next func(context.Context) error) error {
	return next(auth.WithActor(ctx, auth.System))
}

func driver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect == config.DialectPostgres {
		return riverdatabasesql.New(st.DB())
	}
	return riversqlite.New(st.DB())
}

// rescueNow retries at once a job that is being rescued (its attempt started longer than
// after ago: its replica died), and any other failed job as next says. The rescuer asks
// the retry policy like a failed attempt would, so without this a job that died on its
// fifth attempt would wait River's 5⁴ s on top of the rescue.
type rescueNow struct {
	next  river.ClientRetryPolicy
	after time.Duration
}

func (r rescueNow) NextRetry(job *rivertype.JobRow) time.Time {
	if job.AttemptedAt != nil && time.Since(*job.AttemptedAt) >= r.after {
		return time.Now()
	}
	return r.next.NextRetry(job)
}

// exponential retries after base, 2*base, 4*base ... (capped at one hour), with 10% jitter.
type exponential struct{ base time.Duration }

func (e exponential) NextRetry(job *rivertype.JobRow) time.Time {
	d := e.base << max(0, min(len(job.Errors)-1, 20))
	d = min(d, time.Hour)
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	return time.Now().Add(d)
}
