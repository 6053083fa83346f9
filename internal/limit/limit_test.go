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
