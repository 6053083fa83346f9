package clock_test

import (
	"testing"
	"time"

	"github.com/idgate/idgate/internal/clock"
)

func TestFakeAdvances(t *testing.T) {
	var c clock.Fake
	before := time.Now()
	c.Advance(time.Hour)
	if got := c.Now(); got.Before(before.Add(time.Hour)) || got.After(time.Now().Add(time.Hour)) {
		t.Fatalf("after Advance(1h): %v, want an hour from %v", got, before)
	}
	if a, b := c.Now(), c.Now(); b.Before(a) {
		t.Fatalf("went backwards: %v then %v", a, b)
	}
}
