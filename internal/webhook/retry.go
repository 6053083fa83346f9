package webhook

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/stripeevent"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// Retry re-drives a failed event through its handler: the event is pending again and a
// fresh processing job is queued, in one transaction. Only a failed event can be retried.
func (in *Intake) Retry(ctx context.Context, id string) (Record, error) {
	if id == "" {
		return Record{}, apperr.Invalid("id", "is required")
	}
	var rec Record
	err := in.store.InTx(ctx, func(tx store.Tx) error {
		row, err := store.Locked(tx, tx.StripeEvent.Query().Where(stripeevent.ID(id))).Only(ctx)
		if err != nil {
			return store.MapError(err, "stripe event "+id)
		}
		if row.State != stripeevent.StateFailed {
			return apperr.FailedPrecondition("stripe event %s is %s; only a failed event can be retried", id, row.State)
		}
		if row, err = row.Update().SetState(stripeevent.StatePending).Save(ctx); err != nil {
			return fmt.Errorf("reset stripe event %s: %w", id, err)
		}
		if _, err := in.jobs.InsertTx(ctx, tx.SQL, ProcessArgs{EventID: id}, &river.InsertOpts{MaxAttempts: in.attempts}); err != nil {
			return fmt.Errorf("enqueue event %s: %w", id, err)
		}
		rec = record(row)
		return nil
	})
	return rec, err
}
