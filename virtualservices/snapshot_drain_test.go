package virtualservices

import (
	"testing"
	"time"
)

// TestSnapshotDrain: a retired snapshot's drain returns when its last
// request ends, when its bound passes with requests still running, or at
// once when the server closes.
func TestSnapshotDrain(t *testing.T) {
	newSnap := func(bound time.Duration) *Snapshot {
		return &Snapshot{idle: make(chan struct{}, 1), drainFor: bound}
	}
	const long = time.Hour
	drained := func(s *Snapshot, stop chan struct{}) <-chan bool {
		out := make(chan bool, 1)
		go func() { out <- s.drain(stop) }()
		return out
	}
	within := func(t *testing.T, ch <-chan bool, want bool) {
		t.Helper()
		select {
		case got := <-ch:
			if got != want {
				t.Errorf("drain = %v, want %v", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("drain did not return")
		}
	}

	t.Run("no request", func(t *testing.T) {
		within(t, drained(newSnap(long), nil), true)
	})
	t.Run("the last request ends", func(t *testing.T) {
		s := newSnap(long)
		s.acquire()
		s.acquire()
		done := drained(s, nil)
		s.release()
		select {
		case <-done:
			t.Fatal("drain returned with a request in flight")
		case <-time.After(50 * time.Millisecond):
		}
		s.release()
		within(t, done, true)
	})
	t.Run("the bound passes", func(t *testing.T) {
		s := newSnap(20 * time.Millisecond)
		s.acquire()
		within(t, drained(s, nil), false)
	})
	t.Run("the server closes", func(t *testing.T) {
		s := newSnap(long)
		s.acquire()
		stop := make(chan struct{})
		done := drained(s, stop)
		close(stop)
		within(t, done, false)
	})
}
