package limit

import (
	"testing"
	"time"

	"github.com/idgate/idgate/internal/clock"
)

func TestKeyed(t *testing.T) {
	l := PerHour(2, 2, clock.Real{})
	for i := range 2 {
		if ok, _ := l.Allow("cust_a"); !ok {
			t.Fatalf("call %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("cust_a")
	if ok || wait <= 0 || wait > 30*time.Minute {
		t.Fatalf("third call: allowed=%v wait=%s, want refused with about 30 minutes to wait", ok, wait)
	}
	if ok, _ := l.Allow("cust_b"); !ok {
		t.Fatal("another key shares the first one's bucket")
	}
}

func TestTally(t *testing.T) {
	clk := &clock.Fake{}
	tally := NewTally(time.Minute, clk)
	if n, report := tally.Add("192.0.2.1"); !report || n != 1 {
		t.Fatalf("first event: n=%d report=%v, want reported at once with 1", n, report)
	}
	for range 99 {
		if _, report := tally.Add("192.0.2.1"); report {
			t.Fatal("reported again within the minute")
		}
	}
	if _, report := tally.Add("192.0.2.2"); !report {
		t.Fatal("another key waits for the first one's minute")
	}
	clk.Advance(time.Minute)
	if n, report := tally.Add("192.0.2.1"); !report || n != 100 {
		t.Fatalf("a minute later: n=%d report=%v, want reported with the 99 held back and this one", n, report)
	}
}
