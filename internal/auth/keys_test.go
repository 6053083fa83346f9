package auth_test

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/idgate/idgate/ent/apikey"
	"github.com/idgate/idgate/internal/apperr"
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
					keys := auth.NewKeys(st, false, clock.Real{}, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
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

// A flood of guessed keys leaves the memory of refused keys at its bound, and the keys
// that work keep working; a refused key is remembered for seconds, not for ever.
func TestUnknownKeyFlood(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			st := testenv.Store(t, db)
			ctx := testenv.Context(t)
			clk := &clock.Fake{}
			keys := auth.NewKeys(st, false, clk, time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
			const good = "idg_test_the_one_key_that_works_here"
			if err := keys.EnsureBootstrap(ctx, good); err != nil {
				t.Fatal(err)
			}
			for i := range 2500 {
				if _, err := keys.Authenticate(ctx, fmt.Sprintf("idg_test_guess_%d", i)); apperr.KindOf(err) != apperr.KindUnauthenticated {
					t.Fatalf("guess %d: %v, want Unauthenticated", i, err)
				}
			}
			if n := keys.UnknownCached(); n != 1000 {
				t.Fatalf("%d refused keys remembered after 2,500 guesses, want the bound, 1,000", n)
			}
			if _, err := keys.Authenticate(ctx, good); err != nil {
				t.Fatalf("the good key after the flood: %v", err)
			}

			const late = "idg_test_a_key_that_is_made_after_a_guess"
			if _, err := keys.Authenticate(ctx, late); err == nil {
				t.Fatal("a key that does not exist yet works")
			}
			if err := keys.EnsureBootstrap(ctx, late); err != nil {
				t.Fatal(err)
			}
			clk.Advance(6 * time.Second)
			if _, err := keys.Authenticate(ctx, late); err != nil {
				t.Fatalf("a key seconds after it was refused and then created: %v (refusals must expire)", err)
			}
		})
	}
}
