package redisstale

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/internal/redistest"
)

// TestMain silences go-redis's process-wide logger: it writes a line for
// every failed dial, and these tests fail dials on purpose, by the hundred.
// The store's own log is what the tests read.
func TestMain(m *testing.M) {
	redis.SetLogger(discardLogger{})
	os.Exit(m.Run())
}

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// sharedStale is the executor's SharedStale, repeated here because this
// package may not import the executor's: Store must keep fitting it.
type sharedStale interface {
	Load(ctx context.Context, keys []string) (values [][]byte, fetched []time.Time, err error)
	Save(key string, value []byte, fetched time.Time, ttl time.Duration)
}

var _ sharedStale = (*Store)(nil)

// waitTimeout bounds every poll of a test: long enough for a loaded CI
// machine under -race, short enough that a broken store fails quickly.
const waitTimeout = 10 * time.Second

// newStore returns a Store for srv, closed when the test ends. Unless the
// test sets one, the Timeout is long: on a loaded CI machine a round trip
// can miss the default 100ms, and only the tests of timeouts may see that.
func newStore(t *testing.T, srv *redistest.Server, opts Options) *Store {
	t.Helper()
	opts.URL = srv.URL()
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	s, err := New(opts, zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// rawClient is a plain go-redis client on srv, to look at and write what
// the store keeps behind its back.
func rawClient(t *testing.T, srv *redistest.Server) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitSettled waits until every value s was given has been saved, dropped
// or failed, so that a test reads Redis after the writer is done.
func waitSettled(t *testing.T, s *Store, given uint64) Stats {
	t.Helper()
	var st Stats
	waitFor(t, fmt.Sprintf("%d values to be written", given), func() bool {
		st = s.Stats()
		return st.Queued == 0 && st.Saved+st.Dropped+st.WriteErrors+st.TooLarge+st.Rejected == given
	})
	return st
}

// expectedKey is the Redis key of key under prefix, computed here apart
// from the store's own code.
func expectedKey(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + hex.EncodeToString(sum[:])
}

func TestSaveLoadRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	raw := rawClient(t, srv)

	long := strings.Repeat(`{"query":"{ product(id: 1) { name } }","variables":{}}`, 200)
	fetched := time.Now()
	tests := []struct {
		name  string
		key   string
		value []byte
	}{
		{"plain", "Query.product\x00product\x00GET /products/1\x00", []byte(`{"name":"Lamp","price":12.5}`)},
		{"NULs", "\x00\x00a\x00b\x00\x00", []byte(`"x"`)},
		{"long key", "Query.search\x00search\x00POST /search\x00" + long, []byte(`[1,2,3]`)},
		{"binary key", string([]byte{0xff, 0xfe, 0x00, 0x80, '\n', '\r'}), []byte(`null`)},
		{"empty key", "", []byte(`{}`)},
		{"empty value", "empty value", []byte{}},
		{"large value", "large value", bytes.Repeat([]byte(`"0123456789"`), 50_000)},
	}
	for i, tt := range tests {
		s.Save(tt.key, tt.value, fetched.Add(-time.Duration(i)*time.Second), time.Hour)
	}
	waitSettled(t, s, uint64(len(tests)))

	// Ask for every key with a missing one before, between and after, so
	// that alignment is checked where misses shift nothing.
	var keys []string
	keys = append(keys, "missing 0")
	for _, tt := range tests {
		keys = append(keys, tt.key, "missing "+tt.name)
	}
	values, times, err := s.Load(context.Background(), keys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(values) != len(keys) || len(times) != len(keys) {
		t.Fatalf("Load returned %d values and %d times for %d keys", len(values), len(times), len(keys))
	}
	if values[0] != nil || !times[0].IsZero() {
		t.Errorf("missing key: value %q, time %v; want nil and zero", values[0], times[0])
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, at := values[1+2*i], times[1+2*i]
			if got == nil || !bytes.Equal(got, tt.value) {
				t.Errorf("value = %.60q (len %d), want %.60q (len %d)", got, len(got), tt.value, len(tt.value))
			}
			if want := fetched.Add(-time.Duration(i) * time.Second); !at.Equal(want) {
				t.Errorf("fetched = %v, want %v", at, want)
			}
			if miss := values[2+2*i]; miss != nil || !times[2+2*i].IsZero() {
				t.Errorf("missing key after it: %q, %v; want nil", miss, times[2+2*i])
			}

			rk := expectedKey(DefaultPrefix, tt.key)
			ttl, err := raw.PTTL(context.Background(), rk).Result()
			if err != nil {
				t.Fatalf("PTTL %s: %v", rk, err)
			}
			if ttl <= 0 || ttl > time.Hour {
				t.Errorf("PTTL of %s = %v, want in (0, 1h]", rk, ttl)
			}
		})
	}

	st := s.Stats()
	if want := uint64(len(tests)); st.Hits != want || st.Saved != want {
		t.Errorf("Hits = %d, Saved = %d; want %d each", st.Hits, st.Saved, want)
	}
	if want := uint64(len(tests) + 1); st.Misses != want {
		t.Errorf("Misses = %d, want %d", st.Misses, want)
	}
	if st.Undecodable != 0 || st.LoadErrors != 0 || st.WriteErrors != 0 || st.Dropped != 0 {
		t.Errorf("unexpected failures in %+v", st)
	}

	// Every key in Redis is the prefix and 64 hex digits: no binary, no
	// request body.
	rkeys, err := raw.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(rkeys) != len(tests) {
		t.Errorf("Redis holds %d keys, want %d", len(rkeys), len(tests))
	}
	for _, k := range rkeys {
		h, ok := strings.CutPrefix(k, DefaultPrefix)
		if _, err := hex.DecodeString(h); !ok || err != nil || len(h) != 64 {
			t.Errorf("Redis key %q is not the prefix and a hex SHA-256", k)
		}
	}
}

func TestLoadNoKeys(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	values, times, err := s.Load(context.Background(), nil)
	if values != nil || times != nil || err != nil {
		t.Errorf("Load(nil) = %v, %v, %v; want nothing", values, times, err)
	}
}

func TestLaterSaveReplaces(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	t0 := time.Now()
	s.Save("k", []byte(`1`), t0, time.Hour)
	s.Save("k", []byte(`2`), t0.Add(time.Second), time.Hour)
	waitSettled(t, s, 2)
	values, times, err := s.Load(context.Background(), []string{"k"})
	if err != nil {
		t.Fatal(err)
	}
	if string(values[0]) != "2" || !times[0].Equal(t0.Add(time.Second)) {
		t.Errorf("Load = %q at %v; want the later save, 2 at %v", values[0], times[0], t0.Add(time.Second))
	}
}

func TestTTLExpiry(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	const ttl = 300 * time.Millisecond
	s.Save("short", []byte(`"short"`), time.Now(), ttl)
	s.Save("long", []byte(`"long"`), time.Now(), time.Hour)
	waitSettled(t, s, 2)
	written := time.Now()

	values, _, err := s.Load(context.Background(), []string{"short"})
	if err != nil {
		t.Fatal(err)
	}
	// Only a machine slow enough to spend the whole ttl in between may
	// miss here.
	if values[0] == nil && time.Since(written) < ttl/2 {
		t.Errorf("value missing %v after it was written with ttl %v", time.Since(written), ttl)
	}
	waitFor(t, "the short-lived value to expire", func() bool {
		values, _, err := s.Load(context.Background(), []string{"short"})
		return err == nil && values[0] == nil
	})
	if d := time.Since(written); d < ttl/2 {
		t.Errorf("value expired %v after it was written, before its ttl %v", d, ttl)
	}
	values, _, err = s.Load(context.Background(), []string{"long"})
	if err != nil || string(values[0]) != `"long"` {
		t.Errorf("long-lived value: %q, %v; want it kept", values[0], err)
	}
}

func TestSaveRejectsAndTooLarge(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{MaxValueBytes: 100})
	raw := rawClient(t, srv)
	now := time.Now()
	tests := []struct {
		name     string
		value    []byte
		fetched  time.Time
		ttl      time.Duration
		saved    bool
		tooLarge bool
	}{
		{"at the limit", bytes.Repeat([]byte("a"), 100), now, time.Hour, true, false},
		{"over the limit", bytes.Repeat([]byte("a"), 101), now, time.Hour, false, true},
		{"zero ttl", []byte(`1`), now, 0, false, false},
		{"negative ttl", []byte(`1`), now, -time.Second, false, false},
		{"zero fetch time", []byte(`1`), time.Time{}, time.Hour, false, false},
		{"sub-millisecond ttl", []byte(`1`), now, time.Microsecond, true, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.Stats()
			s.Save(tt.name, tt.value, tt.fetched, tt.ttl)
			after := waitSettled(t, s, uint64(i+1))
			switch {
			case tt.saved:
				if after.Saved != before.Saved+1 {
					t.Errorf("Saved went from %d to %d; want it saved", before.Saved, after.Saved)
				}
			case tt.tooLarge:
				if after.TooLarge != before.TooLarge+1 {
					t.Errorf("TooLarge went from %d to %d; want it counted", before.TooLarge, after.TooLarge)
				}
			default:
				if after.Rejected != before.Rejected+1 {
					t.Errorf("Rejected went from %d to %d; want it counted", before.Rejected, after.Rejected)
				}
			}
			if !tt.saved {
				n, err := raw.Exists(context.Background(), expectedKey(DefaultPrefix, tt.name)).Result()
				if err != nil || n != 0 {
					t.Errorf("EXISTS = %d, %v; want the value not written", n, err)
				}
			}
		})
	}
}

func TestUndecodableEntriesAreMisses(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	raw := rawClient(t, srv)

	valid := appendEncoded(nil, []byte(`{"ok":true}`), time.Now())
	flipped := bytes.Clone(valid)
	flipped[len(flipped)/2] ^= 0x01
	// A correct checksum over a fetch time of zero: decodes structurally,
	// but no value was fetched in 1970.
	zeroTime := appendEncoded(nil, []byte(`1`), time.Unix(0, 0))
	otherVersion := bytes.Clone(valid)
	otherVersion[0] = 2

	tests := []struct {
		name  string
		entry []byte
	}{
		{"empty", []byte{}},
		{"text", []byte("hello")},
		{"JSON without header", []byte(`{"name":"Lamp"}`)},
		{"other version", otherVersion},
		{"truncated", valid[:len(valid)-1]},
		{"header only", valid[:headerLen]},
		{"flipped bit", flipped},
		{"zero fetch time", zeroTime},
	}
	keys := make([]string, 0, len(tests)+1)
	for _, tt := range tests {
		if err := raw.Set(context.Background(), s.redisKey(tt.name), tt.entry, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tt.name)
	}
	if err := raw.Set(context.Background(), s.redisKey("valid"), valid, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, "valid")

	values, _, err := s.Load(context.Background(), keys)
	if err != nil {
		t.Fatalf("Load: %v; an undecodable entry must be a miss, not an error", err)
	}
	for i, tt := range tests {
		if values[i] != nil {
			t.Errorf("%s: Load = %q, want a miss", tt.name, values[i])
		}
	}
	if got := values[len(tests)]; string(got) != `{"ok":true}` {
		t.Errorf("valid entry beside the bad ones: %q", got)
	}
	st := s.Stats()
	if want := uint64(len(tests)); st.Undecodable != want || st.Misses != want || st.Hits != 1 {
		t.Errorf("Undecodable = %d, Misses = %d, Hits = %d; want %d, %d, 1", st.Undecodable, st.Misses, st.Hits, want, want)
	}
}

func TestReplicasShareValues(t *testing.T) {
	srv := redistest.Start(t)
	a := newStore(t, srv, Options{})
	b := newStore(t, srv, Options{})
	other := newStore(t, srv, Options{Prefix: "other:"})
	at := time.Now()

	a.Save("from a", []byte(`"a"`), at, time.Hour)
	b.Save("from b", []byte(`"b"`), at, time.Hour)
	waitSettled(t, a, 1)
	waitSettled(t, b, 1)

	for _, tt := range []struct {
		name string
		s    *Store
	}{{"a", a}, {"b", b}} {
		values, times, err := tt.s.Load(context.Background(), []string{"from a", "from b"})
		if err != nil {
			t.Fatalf("%s: Load: %v", tt.name, err)
		}
		if string(values[0]) != `"a"` || string(values[1]) != `"b"` || !times[0].Equal(at) || !times[1].Equal(at) {
			t.Errorf("replica %s sees %q at %v; want both replicas' values at %v", tt.name, values, times, at)
		}
	}
	values, _, err := other.Load(context.Background(), []string{"from a", "from b"})
	if err != nil {
		t.Fatal(err)
	}
	if values[0] != nil || values[1] != nil {
		t.Errorf("a store with another prefix sees %q; want prefixes kept apart", values)
	}
}

func TestSaveNeverBlocksWhenQueueFull(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 1000)
	tests := []struct {
		name string
		opts Options
	}{
		{"by count", Options{QueueSize: 4}},
		{"by bytes", Options{QueueSize: 10_000, MaxQueueBytes: 20_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t)
			// A long Timeout holds the writer on a hung Redis, so the queue
			// can only fill; Save must not notice.
			tt.opts.Timeout = 2 * time.Second
			s := newStore(t, srv, tt.opts)
			srv.Pause()

			const n = 2000
			start := time.Now()
			var slowest time.Duration
			saved := make(chan struct{})
			// The Saves run apart so that one that blocks fails the test
			// here rather than hanging it.
			go func() {
				defer close(saved)
				for i := range n {
					t0 := time.Now()
					s.Save(fmt.Sprint("key", i), value, t0, time.Hour)
					slowest = max(slowest, time.Since(t0))
				}
			}()
			select {
			case <-saved:
			case <-time.After(tt.opts.Timeout / 2):
				t.Fatalf("%d Saves against a hung Redis did not return within %v; Save must not wait", n, tt.opts.Timeout/2)
			}
			t.Logf("%d Saves against a hung Redis took %v, the slowest %v", n, time.Since(start), slowest)
			st := s.Stats()
			// What the queue and one batch in flight can hold is kept;
			// everything else is dropped.
			if min := uint64(n - 40 - maxBatchEntries); st.Dropped < min {
				t.Errorf("Dropped = %d, want at least %d with a full queue", st.Dropped, min)
			}

			srv.Resume()
			st = waitSettled(t, s, n)
			if st.Saved == 0 {
				t.Errorf("nothing saved after Redis resumed: %+v", st)
			}
		})
	}
}

func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	logs := &syncBuffer{}
	const timeout = 200 * time.Millisecond
	s, err := New(Options{URL: srv.URL(), Timeout: timeout}, zerolog.New(logs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	given := uint64(0)
	save := func(key string) {
		s.Save(key, []byte(`"`+key+`"`), time.Now(), time.Hour)
		given++
	}

	save("before")
	waitSettled(t, s, given)

	// loadBounded loads and checks that Load, failing or not, returned
	// within about Timeout.
	loadBounded := func(key string) ([]byte, error) {
		t.Helper()
		start := time.Now()
		values, _, err := s.Load(context.Background(), []string{key})
		// The margin is for a loaded CI machine; go-redis's own default
		// timeouts, which Timeout replaces, are 5s.
		if d := time.Since(start); d > timeout+time.Second {
			t.Errorf("Load took %v with Timeout %v", d, timeout)
		}
		if err != nil {
			return nil, err
		}
		return values[0], nil
	}
	// saveBounded saves many values and checks that Save did not wait.
	saveBounded := func(prefix string) {
		t.Helper()
		start := time.Now()
		for i := range 500 {
			save(fmt.Sprint(prefix, i))
		}
		if d := time.Since(start); d > timeout/2 {
			t.Errorf("500 Saves took %v with Redis down", d)
		}
	}

	for _, down := range []struct {
		name       string
		stop, back func()
	}{
		// A stopped server refuses connections at once; a paused one
		// accepts them and never answers, so only the timeouts end the
		// wait.
		{"stopped", srv.Stop, srv.Restart},
		{"paused", srv.Pause, srv.Resume},
	} {
		t.Run(down.name, func(t *testing.T) {
			before := s.Stats()
			down.stop()
			for range 3 {
				_, err := loadBounded("before")
				if err == nil {
					t.Fatal("Load succeeded with Redis down")
				}
				if !strings.Contains(err.Error(), s.Addr()) {
					t.Errorf("Load error %q does not name the server %s", err, s.Addr())
				}
			}
			saveBounded(down.name + " down ")
			waitFor(t, "the writes to Redis down to fail", func() bool {
				st := s.Stats()
				return st.WriteErrors > before.WriteErrors && st.Queued == 0
			})
			if st := s.Stats(); st.LoadErrors < before.LoadErrors+3 {
				t.Errorf("LoadErrors = %d, want at least %d", st.LoadErrors, before.LoadErrors+3)
			}

			down.back()
			key := down.name + " back"
			// The store must work again by itself: poll with fresh values
			// until one is written and read back.
			waitFor(t, "the store to work again after Redis came back", func() bool {
				save(key)
				time.Sleep(20 * time.Millisecond)
				v, err := loadBounded(key)
				return err == nil && string(v) == `"`+key+`"`
			})
			waitSettled(t, s, given)
		})
	}

	// Hundreds of failed writes are a few log lines, not one per value.
	lines := strings.Count(logs.String(), "\n")
	if st := s.Stats(); st.WriteErrors < 100 {
		t.Errorf("WriteErrors = %d; the test meant to fail hundreds of writes", st.WriteErrors)
	}
	if lines > 6 {
		t.Errorf("%d log lines for %d failed writes; want them rate-limited:\n%s", lines, s.Stats().WriteErrors, logs)
	}
	if !strings.Contains(logs.String(), `"failed_writes"`) || !strings.Contains(logs.String(), s.Addr()) {
		t.Errorf("log does not count failed writes or name the server:\n%s", logs)
	}
}

func TestCloseFlushesQueued(t *testing.T) {
	srv := redistest.Start(t)
	s, err := New(Options{URL: srv.URL()}, zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	for i := range n {
		s.Save(fmt.Sprint("k", i), []byte(fmt.Sprint(i)), time.Now(), time.Hour)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st := s.Stats(); st.Saved != n || st.Dropped != 0 || st.Queued != 0 {
		t.Errorf("after Close: %+v; want all %d saved", st, n)
	}
	raw := rawClient(t, srv)
	if got, err := raw.DBSize(context.Background()).Result(); err != nil || got != n {
		t.Errorf("Redis holds %d keys (%v), want %d", got, err, n)
	}

	// A closed store drops and fails, and closes again quietly.
	s.Save("after", []byte(`1`), time.Now(), time.Hour)
	if st := s.Stats(); st.Dropped != 1 {
		t.Errorf("Save after Close: Dropped = %d, want 1", st.Dropped)
	}
	if _, _, err := s.Load(context.Background(), []string{"k1"}); err == nil {
		t.Error("Load after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseIsBoundedWhenRedisHangs(t *testing.T) {
	srv := redistest.Start(t)
	const timeout, flush = 2 * time.Second, 300 * time.Millisecond
	s, err := New(Options{URL: srv.URL(), Timeout: timeout, FlushTimeout: flush},
		zerolog.New(zerolog.NewTestWriter(t)))
	if err != nil {
		t.Fatal(err)
	}
	srv.Pause()
	const n = 1000
	for i := range n {
		s.Save(fmt.Sprint("k", i), []byte(`1`), time.Now(), time.Hour)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The batch in flight when Close came holds the writer for at most
	// Timeout; the flush of the other batches takes at most FlushTimeout.
	if d := time.Since(start); d > timeout+flush+time.Second {
		t.Errorf("Close took %v against a hung Redis; want at most Timeout %v + FlushTimeout %v", d, timeout, flush)
	}
	st := s.Stats()
	if st.Saved != 0 || st.Queued != 0 || st.Dropped+st.WriteErrors != n {
		t.Errorf("after Close against a hung Redis: %+v; want all %d dropped or failed", st, n)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	srv := redistest.Start(t)
	before := runtime.NumGoroutine()
	for _, down := range []bool{false, true} {
		s, err := New(Options{URL: srv.URL(), Timeout: 100 * time.Millisecond}, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			s.Save(fmt.Sprint("k", i), []byte(`1`), time.Now(), time.Hour)
			s.Load(context.Background(), []string{fmt.Sprint("k", i)})
		}
		if down {
			// Dial failures start the client's background redial.
			srv.Stop()
			for range 100 {
				s.Load(context.Background(), []string{"k"})
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLoadHonoursContext(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{Timeout: 5 * time.Second})
	srv.Pause()
	defer srv.Resume()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := s.Load(ctx, []string{"k"})
	if err == nil {
		t.Fatal("Load on a hung Redis succeeded")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Load took %v with a 100ms context", d)
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantErr  string
		wantAddr string
	}{
		{"no URL", Options{}, "URL is empty", ""},
		{"unknown scheme", Options{URL: "http://localhost:6379"}, "scheme", ""},
		{"bad database", Options{URL: "redis://user:s3cret@localhost:6379/notadb"}, "database", ""},
		{"unparsable", Options{URL: "redis://user:s3cret@[::1"}, "does not parse", ""},
		{"negative queue", Options{URL: "redis://localhost", QueueSize: -1}, "negative", ""},
		{"negative timeout", Options{URL: "redis://localhost", Timeout: -time.Second}, "negative", ""},
		{"tcp", Options{URL: "redis://user:s3cret@cache.internal:6380/2"}, "", "cache.internal:6380"},
		{"tcp default port", Options{URL: "redis://cache.internal"}, "", "cache.internal:6379"},
		{"tls", Options{URL: "rediss://cache.internal:6380"}, "", "cache.internal:6380"},
		{"unix", Options{URL: "unix:///run/redis/redis.sock?db=1"}, "", "unix:/run/redis/redis.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.opts, zerolog.Nop())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v; want an error with %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer s.Close()
			if s.Addr() != tt.wantAddr {
				t.Errorf("Addr() = %q, want %q", s.Addr(), tt.wantAddr)
			}
			if s.prefix != DefaultPrefix || cap(s.queue) != DefaultQueueSize || s.maxValue != DefaultMaxValueBytes ||
				s.timeout != DefaultTimeout || s.flushTimeout != DefaultFlushTimeout || s.maxQueueBytes != DefaultMaxQueueBytes {
				t.Errorf("defaults not applied: prefix %q, queue %d, max value %d, timeout %v, flush %v, queue bytes %d",
					s.prefix, cap(s.queue), s.maxValue, s.timeout, s.flushTimeout, s.maxQueueBytes)
			}
		})
	}
}

func TestErrorsDoNotShowPassword(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Options{URL: "unix://user:s3cret@" + dir + "/missing.sock"}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, _, err = s.Load(context.Background(), []string{"k"})
	if err == nil {
		t.Fatal("Load from a missing socket succeeded")
	}
	if !strings.Contains(err.Error(), "unix:"+dir+"/missing.sock") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Load error %q: want it to name the socket and not the password", err)
	}
	if err := s.Ping(context.Background()); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Ping error %v: want an error without the password", err)
	}
}

func TestPing(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, Options{})
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	srv.Stop()
	if err := s.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded with Redis stopped")
	}
}

func TestErrorLogRateLimited(t *testing.T) {
	var buf bytes.Buffer
	now := time.Unix(1_700_000_000, 0)
	l := errorLog{
		log:      zerolog.New(&buf),
		addr:     "cache:6379",
		now:      func() time.Time { return now },
		interval: 10 * time.Second,
	}
	type line struct {
		Level        string `json:"level"`
		FailedWrites uint64 `json:"failed_writes"`
		Redis        string `json:"redis"`
	}
	readLines := func() []line {
		var out []line
		for _, s := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			if s == "" {
				continue
			}
			var l line
			if err := json.Unmarshal([]byte(s), &l); err != nil {
				t.Fatalf("log line %q: %v", s, err)
			}
			out = append(out, l)
		}
		buf.Reset()
		return out
	}
	sum := func(lines []line, level string) (n uint64) {
		for _, l := range lines {
			if l.Level == level {
				n += l.FailedWrites
			}
		}
		return n
	}

	// 25 seconds of failing batches of 3, every 10ms: three lines (at 0s,
	// 10s, 20s) and the rest when closing, every failure counted once.
	for i := range 2500 {
		l.failure(3, fmt.Errorf("dial: refused %d", i))
		now = now.Add(10 * time.Millisecond)
	}
	lines := readLines()
	if len(lines) != 3 {
		t.Errorf("%d lines for 25s of failures, want 3: %+v", len(lines), lines)
	}
	l.closing()
	lines = append(lines, readLines()...)
	if got := sum(lines, "warn"); got != 7500 {
		t.Errorf("lines count %d failed writes, want 7500", got)
	}

	// Recovery is one line.
	l.success()
	lines = readLines()
	if len(lines) != 1 || lines[0].Level != "info" || lines[0].Redis != "cache:6379" {
		t.Errorf("recovery: %+v, want one info line naming the server", lines)
	}
	l.success()
	if lines := readLines(); len(lines) != 0 {
		t.Errorf("success while healthy logged %+v", lines)
	}

	// A flapping Redis, failing and recovering every batch for a second,
	// writes the failure line and the recovery line once.
	now = now.Add(time.Minute)
	for range 100 {
		l.failure(1, fmt.Errorf("timeout"))
		l.success()
		now = now.Add(10 * time.Millisecond)
	}
	l.failure(1, fmt.Errorf("timeout"))
	l.closing()
	lines = readLines()
	if len(lines) > 3 {
		t.Errorf("%d lines for a second of flapping: %+v", len(lines), lines)
	}
	if got := sum(lines, "warn"); got != 101 {
		t.Errorf("flapping: lines count %d failed writes, want 101: %+v", got, lines)
	}
}

// syncBuffer is a log writer the writer goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
