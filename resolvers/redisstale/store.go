package redisstale

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/rs/zerolog"
)

// Defaults for the Options left zero.
const (
	// DefaultPrefix namespaces the store's keys, so that one Redis can hold
	// other data, and a flush of the stale values is one SCAN away.
	DefaultPrefix = "weft:stale:"
	// DefaultQueueSize is how many values may wait for the writer.
	DefaultQueueSize = 1024
	// DefaultMaxQueueBytes bounds the memory the waiting values hold: the
	// queue keeps values alive that the local cache may already have
	// evicted.
	DefaultMaxQueueBytes = 64 << 20
	// DefaultMaxValueBytes is the largest value saved. A larger one would
	// take a large share of a round trip's time and of Redis's memory for
	// one field.
	DefaultMaxValueBytes = 1 << 20
	// DefaultTimeout bounds each round trip to Redis. Load runs only after
	// an upstream call has failed, so its time adds to a request that is
	// already degraded; a Redis near the gateway answers in well under a
	// millisecond, and 100ms leaves room for a GC pause or a busy server
	// while keeping what an unreachable Redis can add to a request to a
	// tenth of a second. A stale value is a best effort: a slow one is a
	// miss.
	DefaultTimeout = 100 * time.Millisecond
	// DefaultFlushTimeout bounds how long Close writes what is queued.
	DefaultFlushTimeout = time.Second
)

// Limits of one pipelined write. A batch stops growing at either, so that
// it fits in one Timeout on an ordinary network (4 MiB is some 35ms at
// 1 Gbit/s) and a burst is written in a few round trips, not one per value.
const (
	maxBatchEntries = 128
	maxBatchBytes   = 4 << 20
	// keepBufferBytes is the largest encoding buffer the writer keeps
	// between batches; a larger one, grown by a burst of large values, is
	// left to the collector.
	keepBufferBytes = 1 << 20
)

// logInterval is the least time between two log lines about failed writes:
// with Redis down, every batch fails, and one line per batch would drown
// the log.
const logInterval = 10 * time.Second

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// URL is the Redis server: redis://[user:password@]host[:port][/db],
	// rediss:// for TLS, or unix://[user:password@]/path/to/socket[?db=N],
	// in the form go-redis's ParseURL reads. Required.
	URL string
	// Prefix starts every key (DefaultPrefix).
	Prefix string
	// QueueSize is how many values may wait for the writer; Save drops a
	// value when the queue is full (DefaultQueueSize).
	QueueSize int
	// MaxQueueBytes bounds the bytes of the keys and values waiting for
	// the writer; Save drops a value that would go past it
	// (DefaultMaxQueueBytes).
	MaxQueueBytes int64
	// MaxValueBytes is the largest value saved; larger ones are counted and
	// not saved (DefaultMaxValueBytes).
	MaxValueBytes int
	// Timeout bounds each round trip to Redis: a Load, one pipelined batch
	// of writes, a dial (DefaultTimeout). It replaces the URL's
	// dial_timeout, read_timeout, write_timeout and pool_timeout.
	Timeout time.Duration
	// FlushTimeout bounds how long Close writes the values still queued
	// (DefaultFlushTimeout).
	FlushTimeout time.Duration
}

// withDefaults returns o with the zero fields set to their defaults, or an
// error for a field that cannot work.
func (o Options) withDefaults() (Options, error) {
	if o.URL == "" {
		return o, errors.New("redisstale: Options.URL is empty")
	}
	if o.QueueSize < 0 || o.MaxQueueBytes < 0 || o.MaxValueBytes < 0 || o.Timeout < 0 || o.FlushTimeout < 0 {
		return o, errors.New("redisstale: QueueSize, MaxQueueBytes, MaxValueBytes, Timeout and FlushTimeout may not be negative")
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxQueueBytes == 0 {
		o.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if o.MaxValueBytes == 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.FlushTimeout == 0 {
		o.FlushTimeout = DefaultFlushTimeout
	}
	return o, nil
}

// Stats are the Store's counters since New, for metrics. Every field but
// Queued only grows.
type Stats struct {
	// Saved counts values Redis acknowledged.
	Saved uint64
	// Dropped counts values Save did not queue because the queue was full
	// (by count or by bytes) or the store closed, and values Close could
	// not write within FlushTimeout.
	Dropped uint64
	// TooLarge counts values larger than MaxValueBytes, not saved.
	TooLarge uint64
	// Rejected counts Save calls with a ttl that is not positive or a zero
	// fetch time: nothing to keep.
	Rejected uint64
	// WriteErrors counts values whose write failed (Redis down, slow or
	// refusing).
	WriteErrors uint64
	// Hits counts keys Load found a value for.
	Hits uint64
	// Misses counts keys Load found no value for, including Undecodable.
	Misses uint64
	// Undecodable counts entries Load found but could not decode (another
	// format, a foreign or damaged value); each is a miss.
	Undecodable uint64
	// LoadErrors counts Load calls that failed as a whole (Redis down or
	// slower than Timeout, or the caller's context ended).
	LoadErrors uint64
	// Queued is how many values wait for the writer now.
	Queued int
}

// counters are Stats as the Store updates them: from Save under the
// caller's locks, from Load, and from the writer.
type counters struct {
	saved, dropped, tooLarge, rejected, writeErrors atomic.Uint64
	hits, misses, undecodable, loadErrors           atomic.Uint64
}

// entry is one value waiting for the writer. It holds the caller's value
// without copying it: Save is on the request path, and the value is the
// same immutable slice the local cache keeps.
type entry struct {
	key     string
	value   []byte
	fetched time.Time
	ttl     time.Duration
}

// size is what the entry counts against MaxQueueBytes.
func (e *entry) size() int64 { return int64(len(e.key) + len(e.value)) }

// Store keeps stale values in Redis for every replica. Its methods are safe
// for concurrent use. Load and Save satisfy the executor's SharedStale.
type Store struct {
	client *redis.Client
	// addr names the server in errors and logs: host:port or the socket
	// path, never the URL, which may hold a password.
	addr string

	prefix        string
	timeout       time.Duration
	flushTimeout  time.Duration
	maxValue      int
	maxQueueBytes int64

	queue       chan entry
	queuedBytes atomic.Int64
	closed      atomic.Bool
	stop        chan struct{} // closed by Close: the writer flushes and ends
	done        chan struct{} // closed by the writer when it has ended
	closeOnce   sync.Once
	closeErr    error

	c counters
	// errs is the writer's rate-limited log of failed writes; only the
	// writer goroutine touches it.
	errs errorLog
}

// New returns a Store for the Redis server at opts.URL and starts its
// writer; Close stops it. New does not connect: a Redis that is down at
// start is the same as one that goes down later, a store that misses until
// it is back (Ping checks it, for a readiness probe or a start-up log).
func New(opts Options, log zerolog.Logger) (*Store, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		// url.Error quotes the whole URL, password included; its Err
		// alone says what is wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redisstale: Options.URL does not parse: %w", err)
	}
	ro, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("redisstale: Options.URL %s: %w", u.Redacted(), err)
	}
	addr := ro.Addr
	if ro.Network == "unix" {
		addr = "unix:" + addr
	}
	// Every wait inside the client is bounded by Timeout, and failures are
	// not waited out: a down Redis is a miss now, not a slow request.
	ro.DialTimeout = o.Timeout
	ro.ReadTimeout = o.Timeout
	ro.WriteTimeout = o.Timeout
	ro.PoolTimeout = o.Timeout
	ro.ContextTimeoutEnabled = true
	// One dial attempt per command: the pool's own probe redials a down
	// server in the background, and commands fail fast meanwhile.
	ro.DialerRetries = 1
	// One retry covers a pooled connection that broke while idle (Redis
	// restarted); the context still bounds the whole command.
	ro.MaxRetries = 1
	// Maintenance notifications reconfigure connections for managed
	// clusters' upgrades; a cache of stale values rides them out as misses
	// and saves a command per connection.
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}

	s := &Store{
		client:        redis.NewClient(ro),
		addr:          addr,
		prefix:        o.Prefix,
		timeout:       o.Timeout,
		flushTimeout:  o.FlushTimeout,
		maxValue:      o.MaxValueBytes,
		maxQueueBytes: o.MaxQueueBytes,
		queue:         make(chan entry, o.QueueSize),
		stop:          make(chan struct{}),
		done:          make(chan struct{}),
		errs: errorLog{
			log:      log,
			addr:     addr,
			now:      time.Now,
			interval: logInterval,
		},
	}
	go s.run()
	return s, nil
}

// Addr returns the Redis server's address (host:port, or unix: and the
// socket path), as errors and logs name it.
func (s *Store) Addr() string { return s.addr }

// Ping checks that Redis answers, within Timeout.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstale: ping redis at %s: %w", s.addr, err)
	}
	return nil
}

// Load returns the values kept for keys, aligned with keys (nil where
// there is none or the entry does not decode), and when each was fetched.
// It is one MGET, bounded by ctx and by Timeout; on an error it returns no
// values.
func (s *Store) Load(ctx context.Context, keys []string) ([][]byte, []time.Time, error) {
	if len(keys) == 0 {
		return nil, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rkeys := make([]string, len(keys))
	for i, k := range keys {
		rkeys[i] = s.redisKey(k)
	}
	res, err := s.client.MGet(ctx, rkeys...).Result()
	if err == nil && len(res) != len(keys) {
		err = fmt.Errorf("MGET of %d keys answered %d values", len(keys), len(res))
	}
	if err != nil {
		s.c.loadErrors.Add(1)
		return nil, nil, fmt.Errorf("redisstale: load %d keys from redis at %s: %w", len(keys), s.addr, err)
	}
	values := make([][]byte, len(keys))
	fetched := make([]time.Time, len(keys))
	var hits, misses, undecodable uint64
	for i, r := range res {
		str, ok := r.(string)
		if !ok {
			misses++
			continue
		}
		v, at, err := decode([]byte(str))
		if err != nil {
			undecodable++
			misses++
			continue
		}
		values[i], fetched[i] = v, at
		hits++
	}
	s.c.hits.Add(hits)
	s.c.misses.Add(misses)
	s.c.undecodable.Add(undecodable)
	return values, fetched, nil
}

// Save queues value, fetched at fetched, to be kept for key for ttl. It
// never blocks: a value that does not fit in the queue is dropped and
// counted. The value is written as it is when the writer takes it, so the
// caller must not change it after Save (the local cache keeps the same
// slice, and does not either).
func (s *Store) Save(key string, value []byte, fetched time.Time, ttl time.Duration) {
	if ttl <= 0 || fetched.IsZero() {
		s.c.rejected.Add(1)
		return
	}
	if len(value) > s.maxValue {
		s.c.tooLarge.Add(1)
		return
	}
	if s.closed.Load() {
		s.c.dropped.Add(1)
		return
	}
	e := entry{key: key, value: value, fetched: fetched, ttl: ttl}
	n := e.size()
	if s.queuedBytes.Add(n) > s.maxQueueBytes {
		s.queuedBytes.Add(-n)
		s.c.dropped.Add(1)
		return
	}
	select {
	case s.queue <- e:
	default:
		s.queuedBytes.Add(-n)
		s.c.dropped.Add(1)
	}
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	return Stats{
		Saved:       s.c.saved.Load(),
		Dropped:     s.c.dropped.Load(),
		TooLarge:    s.c.tooLarge.Load(),
		Rejected:    s.c.rejected.Load(),
		WriteErrors: s.c.writeErrors.Load(),
		Hits:        s.c.hits.Load(),
		Misses:      s.c.misses.Load(),
		Undecodable: s.c.undecodable.Load(),
		LoadErrors:  s.c.loadErrors.Load(),
		Queued:      len(s.queue),
	}
}

// Close stops the writer, after it has written what is queued or spent
// FlushTimeout trying, and closes the connections. A write already in
// flight may hold it for up to Timeout more. Saves after Close are
// dropped and Loads fail. Close may be called more than once; later calls
// return the first one's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		if err := s.client.Close(); err != nil {
			s.closeErr = fmt.Errorf("redisstale: close client of redis at %s: %w", s.addr, err)
		}
	})
	return s.closeErr
}

// redisKey is the Redis key of a caller's key: the prefix and the hex
// SHA-256 of the key. Callers' keys hold request bodies and NULs and run
// to kilobytes; the hash gives every key the same small size (Redis
// compares and stores it on every command), keeps binary out of the
// keyspace that operators read with redis-cli, and does not collide in
// practice. The original key is not needed back: Load is asked by key.
func (s *Store) redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	var b strings.Builder
	b.Grow(len(s.prefix) + len(h))
	b.WriteString(s.prefix)
	b.Write(h[:])
	return b.String()
}

// run is the writer: it takes what is queued, in batches, and writes each
// batch as one pipeline until Close.
func (s *Store) run() {
	defer close(s.done)
	defer s.errs.closing()
	var batch []entry
	var buf []byte
	for {
		select {
		case <-s.stop:
			s.flush(batch[:0], buf)
			return
		case e := <-s.queue:
			batch = s.gather(append(batch[:0], e))
			// select picks at random among ready cases: with values still
			// queued, Close would otherwise wait for a Timeout per batch.
			select {
			case <-s.stop:
				s.flush(batch, buf)
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			buf, _ = s.write(ctx, batch, buf)
			cancel()
		}
	}
}

// gather adds to batch what is queued, without waiting, up to a batch's
// limits.
func (s *Store) gather(batch []entry) []entry {
	var size int64
	for i := range batch {
		size += batch[i].size()
	}
	for len(batch) < maxBatchEntries && size < maxBatchBytes {
		select {
		case e := <-s.queue:
			batch = append(batch, e)
			size += e.size()
		default:
			return batch
		}
	}
	return batch
}

// flush writes batch, taken from the queue, and what is still queued at
// Close, until the queue is empty, a write fails or FlushTimeout has
// passed; what is left is counted as dropped.
func (s *Store) flush(batch []entry, buf []byte) {
	deadline := time.Now().Add(s.flushTimeout)
	for {
		if len(batch) == 0 {
			select {
			case e := <-s.queue:
				batch = s.gather(append(batch, e))
			default:
				return
			}
		}
		left := time.Until(deadline)
		if left <= 0 {
			s.dropQueued(batch)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(left, s.timeout))
		var ok bool
		buf, ok = s.write(ctx, batch, buf)
		cancel()
		if !ok {
			// A Redis that failed one batch would fail the rest the same
			// way, each after a Timeout: Close does not wait for that.
			s.dropQueued(nil)
			return
		}
		batch = batch[:0]
	}
}

// dropQueued counts batch, taken from the queue, and everything still
// queued as dropped.
func (s *Store) dropQueued(batch []entry) {
	n := uint64(len(batch))
	for i := range batch {
		s.queuedBytes.Add(-batch[i].size())
	}
	for {
		select {
		case e := <-s.queue:
			s.queuedBytes.Add(-e.size())
			n++
		default:
			s.c.dropped.Add(n)
			return
		}
	}
}

// write sends batch as one pipeline of SET key value PX ttl, counts what
// was saved and what failed, and reports whether all of it was saved. buf
// is scratch space for the encodings, returned for the next batch.
func (s *Store) write(ctx context.Context, batch []entry, buf []byte) ([]byte, bool) {
	buf = buf[:0]
	pipe := s.client.Pipeline()
	var size int64
	for i := range batch {
		e := &batch[i]
		start := len(buf)
		buf = appendEncoded(buf, e.value, e.fetched)
		// The pipeline keeps the slice until Exec; a later append that
		// grows buf copies to a new array and leaves this one as it is.
		pipe.Do(ctx, "set", s.redisKey(e.key), buf[start:len(buf):len(buf)], "px", ttlMillis(e.ttl))
		size += e.size()
	}
	cmds, err := pipe.Exec(ctx)
	s.queuedBytes.Add(-size)
	// The batch no longer holds the callers' values once written.
	clear(batch)

	var saved, failed uint64
	var firstErr error
	for _, c := range cmds {
		if cerr := c.Err(); cerr != nil {
			failed++
			if firstErr == nil {
				firstErr = cerr
			}
		} else {
			saved++
		}
	}
	if err != nil && firstErr == nil {
		// Exec failed before any command had a result of its own.
		failed, firstErr = uint64(len(batch)), err
	}
	s.c.saved.Add(saved)
	s.c.writeErrors.Add(failed)
	if failed > 0 {
		s.errs.failure(failed, firstErr)
	} else {
		s.errs.success()
	}
	if cap(buf) > keepBufferBytes {
		buf = nil
	}
	return buf, failed == 0
}

// ttlMillis is ttl for PX, in whole milliseconds rounded up: a value kept
// for less than its ttl would miss when it should hit, and PX takes no
// zero.
func ttlMillis(ttl time.Duration) int64 {
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

// errorLog writes failed writes to the log at most once per interval, with
// how many failed since the last line, and one line when writes succeed
// again. Only the writer goroutine uses it.
type errorLog struct {
	log      zerolog.Logger
	addr     string
	now      func() time.Time
	interval time.Duration

	last      time.Time // when the last failure line was written
	failing   bool      // the last batch failed
	reported  bool      // a failure line was written in this run of failures
	unlogged  uint64    // writes failed since the last line
	lastError error
}

func (l *errorLog) failure(n uint64, err error) {
	l.failing = true
	l.unlogged += n
	l.lastError = err
	now := l.now()
	if !l.last.IsZero() && now.Sub(l.last) < l.interval {
		return
	}
	l.log.Warn().Err(err).Str("redis", l.addr).Uint64("failed_writes", l.unlogged).
		Msg("stale values not written to redis; further failures are logged at most every " + l.interval.String())
	l.last, l.unlogged, l.reported = now, 0, true
}

func (l *errorLog) success() {
	if !l.failing {
		return
	}
	l.failing = false
	// A failure that was not logged yet stays counted for the next line,
	// so that a flapping Redis writes no more than two lines an interval.
	if l.reported {
		l.log.Info().Str("redis", l.addr).Uint64("failed_writes", l.unlogged).
			Msg("stale values written to redis again")
		l.unlogged, l.reported = 0, false
	}
}

// closing writes the failures not yet logged, so that none goes unsaid.
func (l *errorLog) closing() {
	if l.unlogged == 0 {
		return
	}
	l.log.Warn().Err(l.lastError).Str("redis", l.addr).Uint64("failed_writes", l.unlogged).
		Msg("stale values not written to redis")
	l.unlogged = 0
}
