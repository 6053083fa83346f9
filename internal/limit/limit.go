// Package limit keeps per-key rate limits (token buckets from golang.org/x/time/rate) for
// abuse protection: verification sessions per customer and per API key, failed
// authentications per client. Limits are per replica.
package limit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/idgate/idgate/internal/clock"
)

// Keyed is a token bucket per key.
type Keyed struct {
	every time.Duration // one token per every
	burst int
	clock clock.Clock

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// PerHour allows n events an hour per key, up to burst at once, hours as clk tells them.
func PerHour(n, burst int, clk clock.Clock) *Keyed {
	return newKeyed(time.Hour/time.Duration(max(n, 1)), burst, clk)
}

// PerMinute allows n events a minute per key, up to burst at once, minutes as clk tells them.
func PerMinute(n, burst int, clk clock.Clock) *Keyed {
	return newKeyed(time.Minute/time.Duration(max(n, 1)), burst, clk)
}

func newKeyed(every time.Duration, burst int, clk clock.Clock) *Keyed {
	return &Keyed{every: every, burst: max(burst, 1), clock: clk, buckets: map[string]*bucket{}}
}

// Allow takes a token for key. When none is left it returns false and how long until one
// is.
func (k *Keyed) Allow(key string) (bool, time.Duration) {
	now := k.clock.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sweep(now)
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{l: rate.NewLimiter(rate.Every(k.every), k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets buckets that have refilled completely, now and then.
func (k *Keyed) sweep(now time.Time) {
	if now.Sub(k.swept) < time.Minute {
		return
	}
	k.swept = now
	full := k.every * time.Duration(k.burst)
	for key, b := range k.buckets {
		if now.Sub(b.seen) > full {
			delete(k.buckets, key)
		}
	}
}

// Tally counts events per key so that a flood is logged as one line per key and period,
// with how many there were, instead of a line per event.
type Tally struct {
	period time.Duration
	clock  clock.Clock

	mu     sync.Mutex
	counts map[string]*count
	swept  time.Time
}

type count struct {
	n        int       // events since the last report
	reported time.Time // when the last report was
}

// NewTally reports each key at most once per period, periods as clk tells them.
func NewTally(period time.Duration, clk clock.Clock) *Tally {
	return &Tally{period: period, clock: clk, counts: map[string]*count{}}
}

// Add counts an event for key. When report is true the caller logs n, the events since
// key's last report, this one included: the first event of a key is reported at once, the
// next ones with the first event a period after that report. (A key that goes quiet
// within a period of its report has its last count dropped once it has been quiet for two.)
func (t *Tally) Add(key string) (n int, report bool) {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) >= t.period {
		t.swept = now
		for k, c := range t.counts {
			if now.Sub(c.reported) >= 2*t.period {
				delete(t.counts, k)
			}
		}
	}
	c, ok := t.counts[key]
	if !ok {
		t.counts[key] = &count{reported: now}
		return 1, true
	}
	c.n++
	if now.Sub(c.reported) < t.period {
		return c.n, false
	}
	n, c.n, c.reported = c.n, 0, now
	return n, true
}
