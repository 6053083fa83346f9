package risk

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/risksignal"
)

// RetentionArgs is the periodic job that wipes signup IP addresses and coordinates
// recorded longer ago than the retention period. What was learnt from them (city,
// country, VPN, the IP-GPS distance, the indicators) stays.
type RetentionArgs struct{}

// Kind names the job.
func (RetentionArgs) Kind() string { return "risk_signal_retention" }

// RetentionWorker works RetentionArgs.
type RetentionWorker struct {
	river.WorkerDefaults[RetentionArgs]
	svc    *Service
	period time.Duration
}

// NewRetentionWorker returns the worker for a retention period.
func NewRetentionWorker(s *Service, period time.Duration) *RetentionWorker {
	return &RetentionWorker{svc: s, period: period}
}

// Work wipes every location past the period, a batch at a time.
func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[RetentionArgs]) error {
	cutoff := w.svc.now().Add(-w.period)
	for {
		n, err := w.svc.ExpireLocations(ctx, cutoff, batch)
		if err != nil || n == 0 {
			return err
		}
	}
}

// ExpireLocations wipes the sealed IP address and coordinates of up to limit signup
// locations recorded before cutoff and returns how many.
func (s *Service) ExpireLocations(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	ids, err := s.store.Ent.RiskSignal.Query().
		Where(risksignal.SignupLocationNEQ(""), risksignal.LocationRecordedAtLT(cutoff)).
		Limit(limit).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	// A location recorded again since the query is newer than cutoff and stays.
	err = s.store.Ent.RiskSignal.Update().Where(risksignal.IDIn(ids...), risksignal.LocationRecordedAtLT(cutoff)).
		SetSignupLocation("").Exec(ctx)
	if err != nil {
		return 0, err
	}
	s.log.InfoContext(ctx, "retention wiped signup locations", "customers", len(ids))
	return len(ids), nil
}
