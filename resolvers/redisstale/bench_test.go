package redisstale

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/redistest"
)

// benchValue is about 1 KB of JSON, a typical field's value.
var benchValue = bytes.Repeat([]byte(`{"id":1,"name":"Lamp"},`), 40)

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("Query.product\x00product\x00GET /products/%d\x00", i)
	}
	return keys
}

// heldStore returns a Store whose writer is held in its first write by a
// paused Redis, so that the benchmark alone decides what is queued.
func heldStore(b *testing.B, queueSize int) *Store {
	srv := redistest.Start(b)
	s, err := New(Options{URL: srv.URL(), QueueSize: queueSize, Timeout: time.Hour}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	// Cleanups run last in first: the server resumes, the held write
	// ends, and Close returns.
	b.Cleanup(func() { s.Close() })
	srv.Pause()
	b.Cleanup(srv.Resume)
	s.Save("held", benchValue, time.Now(), time.Minute)
	for len(s.queue) > 0 {
		time.Sleep(time.Millisecond)
	}
	// The writer has taken the value; give it time to finish gathering
	// and block in its write, so it takes nothing more.
	time.Sleep(20 * time.Millisecond)
	return s
}

// BenchmarkSave measures Save, the cost the request path pays for every
// good value of a stale-if-error field.
func BenchmarkSave(b *testing.B) {
	keys := benchKeys(1024)
	at := time.Now()

	// queued: every Save finds room and queues its value.
	b.Run("queued", func(b *testing.B) {
		const size = 4096
		s := heldStore(b, size)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i%size == 0 {
				b.StopTimer()
				for len(s.queue) > 0 {
					e := <-s.queue
					s.queuedBytes.Add(-e.size())
				}
				b.StartTimer()
			}
			s.Save(keys[i%len(keys)], benchValue, at, 5*time.Minute)
		}
		b.StopTimer()
		if d := s.Stats().Dropped; d != 0 {
			b.Fatalf("%d values dropped; the benchmark meant to queue every one", d)
		}
	})

	// full: Redis hangs, the queue is full, every Save drops.
	b.Run("full", func(b *testing.B) {
		s := heldStore(b, 1)
		for s.Stats().Dropped == 0 {
			s.Save("fill", benchValue, time.Now(), time.Minute)
		}
		before := s.Stats().Dropped
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.Save(keys[i%len(keys)], benchValue, at, 5*time.Minute)
		}
		b.StopTimer()
		if d := s.Stats().Dropped - before; d != uint64(b.N) {
			b.Fatalf("%d of %d values dropped; the benchmark meant to drop every one", d, b.N)
		}
	})

	// live: requests on every core save at once while the writer drains
	// the queue into a running Redis; what it cannot keep up with is
	// dropped, as in production.
	b.Run("live-parallel", func(b *testing.B) {
		srv := redistest.Start(b)
		s, err := New(Options{URL: srv.URL(), Timeout: time.Second}, zerolog.Nop())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				s.Save(keys[i%len(keys)], benchValue, at, 5*time.Minute)
				i++
			}
		})
		b.StopTimer()
		st := s.Stats()
		b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
	})
}

// BenchmarkLoad measures Load of one and of ten hits, the cost a failed
// call pays when the local cache has nothing.
func BenchmarkLoad(b *testing.B) {
	srv := redistest.Start(b)
	// A generous Timeout: the benchmark measures round trips, not how a
	// loaded machine misses a deadline.
	s, err := New(Options{URL: srv.URL(), Timeout: 5 * time.Second}, zerolog.Nop())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	keys := benchKeys(10)
	for _, k := range keys {
		s.Save(k, benchValue, time.Now(), time.Hour)
	}
	for s.Stats().Saved < uint64(len(keys)) {
		time.Sleep(time.Millisecond)
	}
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprint(n, "keys"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				values, _, err := s.Load(context.Background(), keys[:n])
				if err != nil {
					b.Fatal(err)
				}
				if values[n-1] == nil {
					b.Fatal("Load missed a saved value")
				}
			}
		})
	}
}
