package risk

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/risksignal"
	"github.com/idgate/idgate/internal/jobs"
)

// RetentionArgs is the periodic job that wipes signup IP addresses and coordinates
// recorded longer ago than the retention period. What was learnt from them (city,
// country, VPN, the IP-GPS distance, the indicators) stays.
type RetentionArgs struct{}

// Kind names the job.
func (RetentionArgs) Kind() string { return "risk_signal_retention" }

// NewRetentionWorker returns the worker of RetentionArgs for a retention period.
func NewRetentionWorker(s *Service, period time.Duration) river.Worker[RetentionArgs] {
	return jobs.Batches[RetentionArgs](batch, func(ctx context.Context, limit int) (int, error) {
		return s.ExpireLocations(ctx, s.now().Add(-period), limit)
	})
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
