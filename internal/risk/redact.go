package risk

import (
	"context"

	"github.com/idgate/idgate/ent/risksignal"
	"github.com/idgate/idgate/internal/store"
)

// Forget deletes the customer's risk signals (phone lookup and signup location) inside tx,
// the transaction of the customer's redaction. Risk signals are not recorded again for a
// customer whose data was deleted.
func (s *Service) Forget(ctx context.Context, tx store.Tx, customerID string) error {
	_, err := tx.RiskSignal.Delete().Where(risksignal.ID(customerID)).Exec(ctx)
	return err
}
