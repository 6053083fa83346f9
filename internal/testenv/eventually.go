package testenv

import (
	"testing"
	"time"
)

// EventuallyWithin is how long Eventually waits: generous, since a slow shared machine must
// not fail a test whose condition does come true.
const EventuallyWithin = 30 * time.Second

// Eventually waits until cond holds, checking it every few milliseconds, and fails the test
// naming what it waited for if it does not within EventuallyWithin. Tests wait on
// conditions with it, never on time.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(EventuallyWithin)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", EventuallyWithin, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
