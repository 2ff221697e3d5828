package resilience

import (
	"sync"
	"time"
)

// budgetBuckets divide the budget's window: the window slides by a tenth of
// itself, fine enough that a burst of failures a window ago does not deny
// (or allow) retries much longer than it should.
const budgetBuckets = 10

// budget counts calls and extra calls (retries, hedges) over a sliding
// window and allows an extra call while the extras stay within
// ratio*calls + floor. It is the retry budget of Finagle and Linkerd: a
// fixed "3 attempts" triples the load on an upstream that fails every call,
// while a budget adds at most ratio to it.
type budget struct {
	ratio float64
	// floor is the extra calls allowed in a window whatever the traffic.
	floor float64
	width time.Duration // of one bucket
	now   func() time.Time

	mu      sync.Mutex
	buckets [budgetBuckets]bucket
}

type bucket struct {
	// at is the bucket's index in time (now / width); a bucket whose index
	// is older than the window holds counts that no longer apply.
	at           int64
	calls, extra int64
}

func newBudget(b *RetryBudget, now func() time.Time) *budget {
	width := b.Window / budgetBuckets
	return &budget{
		ratio: b.Ratio,
		floor: b.MinPerSecond * b.Window.Seconds(),
		width: max(width, time.Millisecond),
		now:   now,
	}
}

// current returns the bucket of the present moment, emptied if it last
// held counts of an older window.
func (b *budget) current(at int64) *bucket {
	k := &b.buckets[at%budgetBuckets]
	if k.at != at {
		*k = bucket{at: at}
	}
	return k
}

// deposit counts a call. A nil budget counts nothing.
func (b *budget) deposit() {
	if b == nil {
		return
	}
	at := int64(b.now().UnixNano()) / int64(b.width)
	b.mu.Lock()
	b.current(at).calls++
	b.mu.Unlock()
}

// withdraw counts an extra call if the budget allows it, and reports
// whether it did. A nil budget allows every extra call.
func (b *budget) withdraw() bool {
	if b == nil {
		return true
	}
	at := int64(b.now().UnixNano()) / int64(b.width)
	b.mu.Lock()
	defer b.mu.Unlock()
	var calls, extra int64
	for i := range b.buckets {
		if k := &b.buckets[i]; k.at > at-budgetBuckets && k.at <= at {
			calls += k.calls
			extra += k.extra
		}
	}
	// The epsilon keeps 0.1*10 calls at one retry, whatever the rounding.
	if float64(extra+1) > b.ratio*float64(calls)+b.floor+1e-9 {
		return false
	}
	b.current(at).extra++
	return true
}
