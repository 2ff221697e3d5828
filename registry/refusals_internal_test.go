package registry

import (
	"sync"
	"testing"
	"time"
)

// TestRefusalGate drives the token bucket on a clock of its own: a burst,
// then drops counted and flushed once the bucket has room, then a refill.
func TestRefusalGate(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	flushed := make(chan int64, 4)
	// At 1,000 a second the flush is due a millisecond after the bucket
	// ran dry, in real time.
	g := newRefusalGate(RefusalLimit{Rate: 1000, Burst: 2}, clock, func(n int64, _ time.Time) { flushed <- n })
	steps := []struct {
		advance time.Duration
		allows  int
		drops   int
		flush   int64 // the count a flush reports after the step; 0 for none
	}{
		{0, 2, 5, 5},
		// The summary took an entry the bucket had not regained: it is at
		// -1, and 3 ms give it 2 again, the burst, and no more.
		{3 * time.Millisecond, 2, 1, 1},
		{time.Hour, 2, 0, 0},
	}
	for i, st := range steps {
		advance(st.advance)
		for range st.allows {
			if !g.allow() {
				t.Fatalf("step %d: refused within the bucket", i)
			}
		}
		for range st.drops {
			if g.allow() {
				t.Fatalf("step %d: allowed over the bucket", i)
			}
		}
		if st.flush == 0 {
			continue
		}
		select {
		case n := <-flushed:
			if n != st.flush {
				t.Errorf("step %d: flushed %d; want %d", i, n, st.flush)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("step %d: no flush", i)
		}
	}
	g.close()

	// What close finds counted it writes at once, before it returns: at
	// this rate no timer would for a quarter of an hour.
	slow := newRefusalGate(RefusalLimit{Rate: 0.001, Burst: 1}, clock, func(n int64, _ time.Time) { flushed <- n })
	if !slow.allow() || slow.allow() || slow.allow() || slow.allow() {
		t.Fatal("a bucket of one allowed other than the first")
	}
	slow.close()
	select {
	case n := <-flushed:
		if n != 3 {
			t.Errorf("close flushed %d; want 3", n)
		}
	default:
		t.Fatal("close returned before flushing")
	}
	slow.close()
	if slow.allow() {
		t.Error("allowed after close with an empty bucket")
	}
	select {
	case n := <-flushed:
		t.Errorf("a flush after close: %d", n)
	case <-time.After(20 * time.Millisecond):
	}
}
