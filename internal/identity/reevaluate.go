package identity

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/tenant"
)

// reevaluateBatch is how many customers one run of the re-evaluation decides.
const reevaluateBatch = 500

// NewReevaluateWorker returns the worker of tenant.PolicyChangedArgs: it re-decides a batch
// of the subaccount's customers and, after a full one, enqueues the next batch.
func NewReevaluateWorker(s *Service) river.Worker[tenant.PolicyChangedArgs] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[tenant.PolicyChangedArgs]) error {
		last, n, err := s.Reevaluate(ctx, job.Args.SubaccountID, job.Args.After, reevaluateBatch)
		if err != nil || n < reevaluateBatch {
			return err
		}
		next := job.Args
		next.After = last
		_, err = river.ClientFromContext[*sql.Tx](ctx).Insert(ctx, next, nil)
		return err
	})
}

// Reevaluate applies MustVerify, under the subaccount's current policy, to up to limit of
// its unverified customers whose ids follow after, in one transaction: it flags (and
// notifies) those the policy now requires and lifts the requirements the policy or a score
// set and no longer holds. Changes are audited as idgate's own. It returns the last
// customer id it decided and how many it decided.
func (s *Service) Reevaluate(ctx context.Context, subaccountID, after string, limit int) (last string, n int, err error) {
	ctx = audit.WithAction(auth.WithActor(ctx, auth.Actor{Type: "system"}), tenant.PolicyChangedArgs{}.Kind())
	err = s.store.InTx(ctx, func(tx store.Tx) error {
		sub, err := tx.Subaccount.Get(ctx, subaccountID)
		if err != nil {
			return store.MapError(err, "subaccount "+subaccountID)
		}
		ctx := auth.WithNote(ctx, fmt.Sprintf("subaccount policy changed to %s, threshold %d", sub.IdentityVerificationMode, sub.IdentityVerificationRiskThreshold))
		rows, err := store.Locked(tx, tx.Customer.Query().Where(
			customer.SubaccountID(subaccountID), customer.IDGT(after),
			customer.Or(customer.IdentityStatusIsNil(), customer.IdentityStatusNEQ(StatusVerified)),
		).Order(customer.ByID()).Limit(limit)).All(ctx)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if _, err := s.decide(ctx, tx, row, sub); err != nil {
				return fmt.Errorf("re-evaluate customer %s: %w", row.ID, err)
			}
		}
		if n = len(rows); n > 0 {
			last = rows[n-1].ID
		}
		return nil
	})
	return last, n, err
}
