package auth_test

import (
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/idgate/idgate/ent/apikey"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
)

// Replicas started together on an empty database all ensure the same bootstrap key: every
// one of them starts, and there is one key.
func TestEnsureBootstrapFromReplicasAtOnce(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			st := testenv.Store(t, db)
			ctx := testenv.Context(t)
			const key = "idg_test_bootstrap_key_of_several_replicas"
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					keys := auth.NewKeys(st, false, clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
					errs[i] = keys.EnsureBootstrap(ctx, key)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
				}
			}
			n, err := st.Ent.APIKey.Query().Where(apikey.Name("bootstrap"), apikey.RevokedAtIsNil()).Count(ctx)
			if err != nil || n != 1 {
				t.Fatalf("%d live bootstrap keys (%v), want 1", n, err)
			}
		})
	}
}
