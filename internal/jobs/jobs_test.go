package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/internal/testenv"
)

type crashArgs struct{}

func (crashArgs) Kind() string { return "crash_test" }

// A job left running by a replica that died (here: marked running, on its fifth attempt,
// by a client that no longer exists) runs again on the next rescue, without waiting the
// fifth attempt's backoff (River's default would be 5⁴ s).
func TestJobOfDeadReplicaRunsAgainAfterRescue(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			st := testenv.Store(t, db)
			ran := make(chan int, 1)
			workers := river.NewWorkers()
			river.AddWorker(workers, river.WorkFunc(func(_ context.Context, job *river.Job[crashArgs]) error {
				ran <- job.Attempt
				return nil
			}))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			q, err := New(st, workers, Options{Work: true, Workers: 1, PollInterval: 50 * time.Millisecond}, log)
			if err != nil {
				t.Fatal(err)
			}
			res, err := q.Insert(ctx, crashArgs{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The dead replica's attempt began just over RescueAfter ago, after four failures.
			started := time.Now().Add(-RescueAfter(DefaultTimeout) - time.Second)
			var errs [][]byte
			for i := range 4 {
				b, _ := json.Marshal(rivertype.AttemptError{At: started, Attempt: i + 1, Error: "earlier failure"})
				errs = append(errs, b)
			}
			if _, err := driver(st).GetExecutor().JobUpdateFull(ctx, &riverdriver.JobUpdateFullParams{
				ID:            res.Job.ID,
				StateDoUpdate: true, State: rivertype.JobStateRunning,
				AttemptDoUpdate: true, Attempt: 5,
				AttemptedAtDoUpdate: true, AttemptedAt: &started,
				AttemptedByDoUpdate: true, AttemptedBy: []string{"dead-replica"},
				ErrorsDoUpdate: true, Errors: errs,
			}); err != nil {
				t.Fatal(err)
			}

			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = q.Stop(context.Background()) })
			// One rescue (every 30 s, and once when the leader starts) plus the scheduler (5 s).
			select {
			case attempt := <-ran:
				if attempt != 6 {
					t.Fatalf("rescued job ran as attempt %d, want 6", attempt)
				}
			case <-time.After(45 * time.Second):
				t.Fatal("the dead replica's job did not run again within 45 s")
			}
		})
	}
}

// A job that is not being rescued keeps its backoff.
func TestRescueNowKeepsBackoffOfFailedAttempts(t *testing.T) {
	p := rescueNow{next: exponential{base: time.Hour}, after: RescueAfter(DefaultTimeout)}
	recent := time.Now().Add(-time.Second)
	if next := p.NextRetry(&rivertype.JobRow{AttemptedAt: &recent}); time.Until(next) < 50*time.Minute {
		t.Fatalf("failed attempt retries in %s, want its hour of backoff", time.Until(next))
	}
	old := time.Now().Add(-RescueAfter(DefaultTimeout))
	if next := p.NextRetry(&rivertype.JobRow{AttemptedAt: &old}); time.Until(next) > time.Second {
		t.Fatalf("rescued job retries in %s, want at once", time.Until(next))
	}
}

type holdArgs struct{}

func (holdArgs) Kind() string { return "hold_test" }

// A replica with the default settings runs a backlog of IDGATE_JOB_WORKERS (200) jobs at
// once, not 10 at a time (which once capped processing at 100 events/s): each job here
// waits until all have started.
func TestReplicaRunsDefaultWorkersJobsAtOnce(t *testing.T) {
	cfg, err := config.FromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	backlog := cfg.JobWorkers
	if backlog != 200 {
		t.Fatalf("the default IDGATE_JOB_WORKERS is %d, want 200", backlog)
	}
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx := testenv.Context(t)
			st := testenv.Store(t, db)
			var running atomic.Int64
			release := make(chan struct{})
			workers := river.NewWorkers()
			river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[holdArgs]) error {
				running.Add(1)
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			}))
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			q, err := New(st, workers, Options{Work: true, Workers: cfg.JobWorkers, PollInterval: cfg.JobPollInterval}, log)
			if err != nil {
				t.Fatal(err)
			}
			params := make([]river.InsertManyParams, backlog)
			for i := range params {
				params[i] = river.InsertManyParams{Args: holdArgs{}}
			}
			if _, err := q.InsertMany(ctx, params); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { close(release); _ = q.Stop(context.Background()) })
			testenv.Eventually(t, fmt.Sprintf("%d jobs running at once", backlog), func() bool { return running.Load() == int64(backlog) })
		})
	}
}
