package risk

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/risksignal"
	"github.com/idgate/idgate/internal/jobs"
)

// ReencryptArgs is the job that moves sealed signup locations to the current data key, a
// batch at a time; it enqueues itself again until none is under an older key.
type ReencryptArgs struct{}

// Kind names the job.
func (ReencryptArgs) Kind() string { return "reencrypt_risk_signals" }

// InsertOpts keep one such job at a time.
func (ReencryptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

const batch = 500

// NewReencryptWorker returns the worker of ReencryptArgs.
func NewReencryptWorker(s *Service) river.Worker[ReencryptArgs] {
	return jobs.Batches[ReencryptArgs](batch, s.Reencrypt)
}

// Reencrypt re-seals up to limit signup locations sealed under an older key and returns
// how many it looked at. A location recorded again meanwhile is left as it is: it is
// already under the current key.
func (s *Service) Reencrypt(ctx context.Context, limit int) (int, error) {
	rows, err := s.store.Ent.RiskSignal.Query().Where(
		risksignal.SignupLocationHasPrefix("v1."),
		risksignal.Not(risksignal.SignupLocationHasPrefix("v1."+s.pii.Current()+".")),
	).Select(risksignal.FieldID, risksignal.FieldSignupLocation).Limit(limit).All(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		plain, err := s.pii.Open(r.SignupLocation, r.ID, sealedLocation)
		if err != nil {
			return 0, fmt.Errorf("re-encrypt risk signals %s: %w", r.ID, err)
		}
		sealed, err := s.pii.Seal(plain, r.ID, sealedLocation)
		if err != nil {
			return 0, fmt.Errorf("re-encrypt risk signals %s: %w", r.ID, err)
		}
		err = s.store.Ent.RiskSignal.Update().
			Where(risksignal.ID(r.ID), risksignal.SignupLocation(r.SignupLocation)).
			SetSignupLocation(sealed).Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("re-encrypt risk signals %s: %w", r.ID, err)
		}
	}
	if len(rows) > 0 {
		s.log.InfoContext(ctx, "re-encrypted signup locations", "customers", len(rows), "key", s.pii.Current())
	}
	return len(rows), nil
}
