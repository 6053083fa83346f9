package webhook

import (
	"context"
	"slices"
	"sync/atomic"
	"time"
)

// Version is what one event says about its object: when Stripe created the event, the
// object's status in it, and a key that settles ties (the event id, or the charge id).
// The zero Version is "nothing applied yet".
type Version struct {
	At     time.Time
	Status string
	Rank   int    // the status's place in the object's life (Order.Rank), for same-second events
	Tie    string // last resort between same-second, same-rank events
}

// Order is the one rule that decides whether an event supersedes what is applied to its
// object. Stripe delivers at least once, in any order, for up to three days, and its
// created has a one-second resolution, so the rule is, for every kind of object:
//
//  1. nothing supersedes a terminal state, and a terminal state supersedes any other,
//     however late it arrives: Stripe sends nothing newer after it (of two terminal
//     states, which Stripe never sends for one object, the first applied stays);
//  2. a later second wins (an earlier one, when Earliest);
//  3. within one second, the higher Rank wins (a state further along the object's life);
//  4. within one second and rank, the greater Tie wins (the smaller, when Earliest), so
//     every replica and every delivery order ends in the same state; an equal Tie is the
//     same event again and changes nothing.
type Order struct {
	// Terminal lists the states nothing moves an object out of.
	Terminal []string
	// Rank places a status (and its detail, such as an error code) along the object's life.
	// nil ranks every status alike.
	Rank func(status, detail string) int
	// Earliest keeps the earliest event instead of the latest: the customer's first
	// successful charge is the one that scores them.
	Earliest bool
}

// Version returns the version an event carries for this kind of object.
func (o Order) Version(ev Event, status, detail string) Version {
	v := Version{At: ev.Created, Status: status, Tie: ev.ID}
	if o.Rank != nil {
		v.Rank = o.Rank(status, detail)
	}
	return v
}

// Applied is the version stored on an object's row: when its applied event was created
// (nil: none yet), the status and detail it set, and its tie.
func (o Order) Applied(at *time.Time, status, detail, tie string) Version {
	if at == nil && tie == "" {
		return Version{}
	}
	v := Version{Status: status, Tie: tie}
	if at != nil {
		v.At = *at
	}
	if o.Rank != nil {
		v.Rank = o.Rank(status, detail)
	}
	return v
}

// SessionOrder orders a Stripe Identity verification session's events, whoever the session
// belongs to (a customer, a merchant's representative, a payment's step-up), so that a
// same-second pair resolves the same way for all of them: verified and canceled are final;
// within one second, waiting for input < processing < back with an error.
var SessionOrder = Order{
	Terminal: []string{"verified", "canceled"},
	Rank: func(status, errorCode string) int {
		switch {
		case status == "processing":
			return 1
		case status == "requires_input" && errorCode != "":
			return 2
		}
		return 0
	},
}

// Supersedes reports whether in replaces applied.
func (o Order) Supersedes(applied, in Version) bool {
	if applied.At.IsZero() && applied.Tie == "" {
		return true
	}
	if slices.Contains(o.Terminal, applied.Status) {
		return false
	}
	if slices.Contains(o.Terminal, in.Status) {
		return true
	}
	a, b := applied.At.Truncate(time.Second), in.At.Truncate(time.Second)
	if !a.Equal(b) {
		return b.After(a) != o.Earliest
	}
	if in.Rank != applied.Rank {
		return in.Rank > applied.Rank
	}
	if in.Tie == applied.Tie {
		return false
	}
	return (in.Tie > applied.Tie) != o.Earliest
}

// Apply is the locked read-then-apply every handler goes through. read loads the object
// inside the caller's transaction with its row locked (store.Locked) and returns the
// version applied to it; apply runs only when in supersedes that. It reports whether the
// event was applied; a stale event is recorded as such on the event.
func (o Order) Apply(ctx context.Context, in Version, read func() (Version, error), apply func() error) (bool, error) {
	applied, err := read()
	if err != nil {
		return false, err
	}
	if !o.Supersedes(applied, in) {
		decided(ctx, outcomeStale)
		return false, nil
	}
	if err := apply(); err != nil {
		return false, err
	}
	decided(ctx, outcomeApplied)
	return true, nil
}

// Settled reports whether in is stale against committed, a version read without the lock
// (outside any transaction, or on a read connection) but committed, and if so records the
// event as stale, as Apply would have. Staleness never wears off: what is applied to an
// object only moves on to versions that supersede it, and Supersedes orders versions so
// that one superseding a version in does not supersede is not superseded by in either
// (TestSettledStaysStale). A handler may so skip a stale event without a transaction; an
// event not settled goes through Apply, which decides under the lock.
func (o Order) Settled(ctx context.Context, committed, in Version) bool {
	if o.Supersedes(committed, in) {
		return false
	}
	decided(ctx, outcomeStale)
	return true
}

// Skip records that an event has nothing to apply (its object belongs to no one idgate
// knows, or it carries nothing idgate keeps). A handler that returns nil has either
// applied the event through Order.Apply or skipped it; the processor refuses anything else.
func Skip(ctx context.Context) { decided(ctx, outcomeSkipped) }

type outcome int32

const (
	outcomeNone outcome = iota
	outcomeSkipped
	outcomeStale
	outcomeApplied
)

// String is the outcome as stored on the event: applied, stale, skipped, or "".
func (o outcome) String() string {
	switch o {
	case outcomeSkipped:
		return "skipped"
	case outcomeStale:
		return "stale"
	case outcomeApplied:
		return "applied"
	}
	return ""
}

type decisionKey struct{}

// decided records the strongest outcome seen while handling one event.
func decided(ctx context.Context, o outcome) {
	if d, ok := ctx.Value(decisionKey{}).(*atomic.Int32); ok {
		for {
			cur := d.Load()
			if outcome(cur) >= o || d.CompareAndSwap(cur, int32(o)) {
				return
			}
		}
	}
}

func withDecision(ctx context.Context) (context.Context, func() outcome) {
	d := new(atomic.Int32)
	return context.WithValue(ctx, decisionKey{}, d), func() outcome { return outcome(d.Load()) }
}
