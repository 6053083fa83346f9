// Package clock is the time idgate's rules read: the system's in production, one that tests
// move forward instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time. Rules that depend on how much time has passed (retention,
// challenge expiry, rate-limit windows, cache lifetimes, reconciliation cutoffs) read it
// rather than time.Now, so a test can advance it.
type Clock interface{ Now() time.Time }

// Real is the system clock.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }

// Fake is the system clock shifted by what Advance added. It keeps running, so the times it
// gives and the times the database stamps by itself stay in order.
type Fake struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the system time plus every Advance so far.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Add(f.offset)
}

// Advance moves the clock forward by d, as if d had passed.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offset += d
}
