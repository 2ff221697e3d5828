package store

import (
	"context"
	"math/rand/v2"
	"time"
)

// Watch returns a channel that receives the store's revision: first the
// revision when the watch started (as soon as it is read), then each higher
// revision it sees, from any process sharing the database. A receiver that
// falls behind gets the latest revision, not every one in between: a
// replica only needs to know that it should load Active again. The channel
// is closed when ctx ends or the store is closed.
//
// The SQLite store reads the revision every PollInterval, and at once after
// a change made through the same Store. The PostgreSQL
// store listens for the notification each change sends, on a connection of
// its own that it reconnects with backoff, and reads the revision on every
// (re)connection and every PollInterval as well, since notifications sent
// while it was disconnected are lost.
func (s *Store) Watch(ctx context.Context) <-chan int64 {
	ch := make(chan int64, 1)
	if s.closing.Err() != nil {
		close(ch)
		return ch
	}
	ctx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(s.closing, cancel)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(ch)
		defer stopOnClose()
		defer cancel()
		last := int64(-1)
		s.b.watch(ctx, s, func(rev int64) {
			if rev <= last {
				return
			}
			last = rev
			offer(ch, rev)
		})
	}()
	return ch
}

// offer puts rev in ch (whose capacity is one, and whose only sender is the
// caller) in place of a value not yet received.
func offer(ch chan int64, rev int64) {
	for {
		select {
		case ch <- rev:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// pollRevisions calls emit with the revision read now, every interval,
// and after each change this Store commits, until ctx ends. A failed read
// is logged once per run of failures.
func (s *Store) pollRevisions(ctx context.Context, interval time.Duration, emit func(int64)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		// Taken before the read: a change committed after it wakes the
		// loop again.
		changed := s.changes()
		rev, err := s.Revision(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !failing:
			failing = true
			s.log.Warn().Err(err).Msg("registry store: reading the revision failed; retrying")
		case err == nil:
			if failing {
				failing = false
				s.log.Info().Int64("revision", rev).Msg("registry store: reading the revision again")
			}
			emit(rev)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-changed:
		}
	}
}

// backoff is a reconnection delay: doubling from min to max, with jitter so
// that replicas that lost the database together do not come back in step.
type backoff struct {
	min, max, next time.Duration
}

func (b *backoff) reset() { b.next = b.min }

// wait sleeps for the next delay, or until ctx ends, and says whether ctx
// is still live.
func (b *backoff) wait(ctx context.Context) bool {
	if b.next < b.min {
		b.next = b.min
	}
	d := b.next/2 + rand.N(b.next/2+1)
	b.next = min(2*b.next, b.max)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
