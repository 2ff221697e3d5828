package resolvers

import (
	"context"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
)

// Fallback kinds, as the response's extensions name them.
const (
	fallbackUpstream = "upstream"
	fallbackStale    = "stale"
	fallbackValue    = "value"
)

// FallbackNote is one field a fallback served, for the response's
// extensions.fallbacks: the client can show degraded data honestly.
type FallbackNote struct {
	Path ast.Path `json:"path"`
	// Reason is the failure's code (UPSTREAM_TIMEOUT, ...).
	Reason string `json:"reason"`
	// Upstream is the upstream that failed.
	Upstream string `json:"upstream"`
	// Fallback is what served: upstream, stale or value.
	Fallback string `json:"fallback"`
	// Via is the replica that answered, for an upstream fallback.
	Via string `json:"via,omitempty"`
	// Age is how old a stale value is, for a stale fallback.
	Age string `json:"age,omitempty"`
}

// note is a fallback that served a slot, before render knows its path.
type note struct {
	reason, upstream, fallback, via string
	age                             time.Duration
}

// StaleCache keeps the last good value of fields whose fallback serves
// stale values: by field, call and parent, with the time it was fetched.
type StaleCache struct {
	lru *lru.Cache[string, staleEntry]
}

type staleEntry struct {
	value []byte
	at    time.Time
}

// DefaultStaleEntries is the StaleCache size New uses when Options names
// none.
const DefaultStaleEntries = 10000

// NewStaleCache returns a cache of at most size values.
func NewStaleCache(size int) (*StaleCache, error) {
	c, err := lru.New[string, staleEntry](size)
	if err != nil {
		return nil, err
	}
	return &StaleCache{lru: c}, nil
}

func (c *StaleCache) put(key string, value []byte, at time.Time) {
	c.lru.Add(key, staleEntry{value: value, at: at})
}

// fresh reports whether the value kept for key is younger than d.
func (c *StaleCache) fresh(key string, d time.Duration, now time.Time) bool {
	e, ok := c.lru.Peek(key)
	return ok && now.Sub(e.at) < d
}

// get returns a value at most maxAge old, and its age.
func (c *StaleCache) get(key string, maxAge time.Duration, now time.Time) ([]byte, time.Duration, bool) {
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, 0, false
	}
	age := now.Sub(e.at)
	if age > maxAge {
		return nil, 0, false
	}
	return e.value, age, true
}

// staleKey names a field's value for one call (and, in a batch, one
// parent's key).
func staleKey(b *schema.Binding, field *planner.Field, callKey, parentKey string) string {
	return b.FieldRef.String() + "\x00" + field.Key + "\x00" + callKey + "\x00" + parentKey
}

// triggered returns the binding's fallback when err should fall back.
func triggered(b *schema.Binding, err *upstreams.Error) *schema.Fallback {
	if b == nil || b.Fallback == nil || err == nil || !b.Fallback.Triggers(string(err.Code)) {
		return nil
	}
	return b.Fallback
}

// replica replays a failed call against the fallback's upstream.
func (r *request) replica(ctx context.Context, f *planner.Fetch, j *job) {
	fb := triggered(f.Binding, j.err)
	if fb == nil || fb.Upstream == "" || j.call == nil {
		return
	}
	up := r.e.opts.Upstreams[fb.Upstream]
	if up == nil {
		return
	}
	c := *j.call
	c.Key, c.Prepared = "", nil
	// Prepare reads the parents in the value tree, which other fetches
	// write under the lock.
	r.mu.Lock()
	perr := up.Prepare(&c)
	r.mu.Unlock()
	if perr != nil {
		return
	}
	// Calls are made once per key in a request; a replica's request may
	// be the same bytes as the primary's (a gRPC message), so its key
	// names it.
	c.Key = fb.Upstream + "\x00" + c.Key
	res, cerr := r.call(ctx, up, f.Binding, &c)
	if cerr != nil {
		return // the first failure is the one reported
	}
	j.served = &note{reason: string(j.err.Code), upstream: j.err.Upstream, fallback: fallbackUpstream, via: fb.Upstream}
	j.res, j.err = res, nil
}

// serveFallback gives a failed job's slots their stale or static values,
// and the failure to those it has none for; it reports whether the
// fallback applied (else the caller records the failure). It runs with
// r.mu held.
func (r *request) serveFallback(f *planner.Fetch, j *job) bool {
	fb := triggered(f.Binding, j.err)
	if fb == nil || (fb.Stale == 0 && fb.Value == nil) {
		return false
	}
	now := time.Now()
	for _, p := range j.parents {
		for _, field := range f.Fields {
			n := &note{reason: string(j.err.Code), upstream: j.err.Upstream}
			var b []byte
			if fb.Stale > 0 && r.e.stale != nil {
				var ok bool
				if b, n.age, ok = r.e.stale.get(staleKey(f.Binding, field, j.callKey(), r.batchKeyOf(f, j, p)), fb.Stale, now); ok {
					n.fallback = fallbackStale
				}
			}
			if n.fallback == "" && fb.Value != nil {
				b, n.fallback = fb.Value, fallbackValue
			}
			var v *fastjson.Value
			if n.fallback != "" {
				v = r.parseKept(rawValueBytes(b))
			}
			if v == nil {
				r.fail(slot{p, field.Key}, j.err)
				continue
			}
			p.Set(field.Key, v)
			r.noteFallback(slot{p, field.Key}, n)
		}
	}
	return true
}

// remember keeps a good answer's field values for stale fallbacks. It runs
// with r.mu held, after store.
//
// A value is kept again only once the one kept is refreshEvery old: a
// fallback serving values minutes old gains nothing from a copy per
// request, and a large answer (80 KB) copied on every request costs the
// hot path a third of its speed (measured with the load benchmark's large
// case).
func (r *request) remember(f *planner.Fetch, j *job) {
	fb := f.Binding.Fallback
	if fb == nil || fb.Stale == 0 || r.e.stale == nil || j.res == nil {
		return
	}
	now := time.Now()
	refresh := min(fb.Stale/10, 10*time.Second)
	for _, p := range j.parents {
		for _, field := range f.Fields {
			key := staleKey(f.Binding, field, j.callKey(), r.batchKeyOf(f, j, p))
			if r.e.stale.fresh(key, refresh, now) {
				continue
			}
			var b []byte
			if raw, ok := r.raws[slot{p, field.Key}]; ok {
				// The value and what follows it in the answer: where it
				// ends is found only if it is ever served.
				b = append([]byte(nil), raw...)
			} else if v := p.Get(field.Key); v != nil {
				b = v.MarshalTo(nil)
			} else {
				continue
			}
			r.e.stale.put(key, b, now)
		}
	}
}

// batchKeyOf is a parent's batch key in a batch call, "" otherwise: a
// batch's stale values are kept per parent, as batches differ from one
// request to the next.
func (r *request) batchKeyOf(f *planner.Fetch, j *job, p *fastjson.Value) string {
	if j.call == nil || !j.call.Batch || f.Binding.Batch == nil {
		return ""
	}
	if kv := p.Get(f.Binding.Batch.ParentKey...); kv != nil {
		return keyText(kv)
	}
	return ""
}

// callKey is the key of the job's call; for a batch, the binding alone,
// since the parent's key tells values apart.
func (j *job) callKey() string {
	if j.call == nil || j.call.Batch {
		return ""
	}
	return j.call.Key
}

// parseKept parses JSON into a value that lives until the request ends.
func (r *request) parseKept(b []byte) *fastjson.Value {
	p := parsers.Get()
	v, err := p.ParseBytes(b)
	if err != nil {
		parsers.Put(p)
		return nil
	}
	r.parsers = append(r.parsers, p)
	return v
}

func (r *request) fail(s slot, err *upstreams.Error) {
	if r.failures == nil {
		r.failures = map[slot]*upstreams.Error{}
	}
	r.failures[s] = err
}

func (r *request) noteFallback(s slot, n *note) {
	if r.fallbacks == nil {
		r.fallbacks = map[slot]*note{}
	}
	r.fallbacks[s] = n
	if r.stats != nil {
		r.stats.Fallbacks.Add(1)
	}
}

// reportFallback adds the note of a slot render reaches to the response's
// extensions.
func (r *request) reportFallback(n *note) {
	fn := FallbackNote{Path: r.currentPath(), Reason: n.reason, Upstream: n.upstream, Fallback: n.fallback, Via: n.via}
	if n.fallback == fallbackStale {
		fn.Age = n.age.Round(time.Millisecond).String()
	}
	r.fallbackNotes = append(r.fallbackNotes, fn)
}
