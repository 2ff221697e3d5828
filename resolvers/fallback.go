package resolvers

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/rs/zerolog"
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

// StaleCache keeps the last good value of fields whose fallback serves
// stale values: by field, call and parent, with the time it was fetched.
// With a SharedStale attached (Share), values are also written to it, and
// a failed call whose values this process does not hold reads them from
// it: replicas serve what any of them last saw.
type StaleCache struct {
	lru    *lru.Cache[string, staleEntry]
	shared SharedStale
	// wait bounds a read of the shared store on the request path.
	wait time.Duration
	log  zerolog.Logger
	// logged is when a failed read was last logged (Unix nanoseconds): an
	// outage of the store while an upstream is down would otherwise log
	// once per failed call.
	logged atomic.Int64
}

// logEvery spaces the log lines of failed reads of the shared store.
const logEvery = 10 * time.Second

// SharedStale is a store of stale values that every replica reads and
// writes (Redis, say).
type SharedStale interface {
	// Load returns the values kept for keys, aligned with keys (nil where
	// there is none), and when each was fetched. It is called on the
	// request path, only when a call failed and this process holds no
	// value, bounded by ctx.
	Load(ctx context.Context, keys []string) (values [][]byte, fetched []time.Time, err error)
	// Save keeps value for key for ttl. It is called on the request path,
	// so it must never block: it queues the write, or drops it.
	Save(key string, value []byte, fetched time.Time, ttl time.Duration)
}

// DefaultSharedWait bounds a read of the shared store when Share is given
// none: a fallback exists to answer quickly when an upstream does not, so
// a slow store must not hold the answer up for long.
const DefaultSharedWait = 50 * time.Millisecond

// Share makes the cache write its values to s, and read from it the values
// of failed calls it does not hold, waiting at most wait (0 for
// DefaultSharedWait). Errors reading s are logged to log; the field is then
// served as if s held nothing. Call it before the cache is used.
func (c *StaleCache) Share(s SharedStale, wait time.Duration, log zerolog.Logger) {
	if wait <= 0 {
		wait = DefaultSharedWait
	}
	c.shared, c.wait, c.log = s, wait, log
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

// put keeps a value for at most ttl, here and in the shared store.
func (c *StaleCache) put(key string, value []byte, at time.Time, ttl time.Duration) {
	c.lru.Add(key, staleEntry{value: value, at: at})
	if c.shared != nil {
		c.shared.Save(key, rawValueBytes(value), at, ttl)
	}
}

// has reports whether this process holds a value for key at most maxAge
// old.
func (c *StaleCache) has(key string, maxAge time.Duration, now time.Time) bool {
	e, ok := c.lru.Peek(key)
	return ok && now.Sub(e.at) <= maxAge
}

// load copies the shared store's values of keys into the cache, where
// they are younger than the ones held.
func (c *StaleCache) load(ctx context.Context, keys []string) {
	ctx, cancel := context.WithTimeout(ctx, c.wait)
	defer cancel()
	values, fetched, err := c.shared.Load(ctx, keys)
	if err != nil {
		now := time.Now().UnixNano()
		if last := c.logged.Load(); now-last >= int64(logEvery) && c.logged.CompareAndSwap(last, now) {
			c.log.Warn().Err(err).Int("keys", len(keys)).Msg("stale values: reading the shared store failed; serving what this process holds (logged at most every 10s)")
		}
		return
	}
	for i, v := range values {
		if v == nil || i >= len(fetched) {
			continue
		}
		if e, ok := c.lru.Peek(keys[i]); ok && !e.at.Before(fetched[i]) {
			continue
		}
		c.lru.Add(keys[i], staleEntry{value: v, at: fetched[i]})
	}
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

// fallbacks is the fallback policy of one request: what serves a slot
// whose call failed, was answered with errors, or held a value that did
// not fit its type. In order: the same call on a replica (or the field's
// second binding), the last good value of the same call within the
// fallback's age, its static value; else the failure stands. It keeps good
// values for later failures, once render has checked them.
type fallbacks struct {
	ups   map[string]upstreams.Upstream
	stale *StaleCache
	stats *Stats
	// kept are the good answers whose values are kept for stale
	// fallbacks, once render has checked them.
	kept []keptJob
}

// keptJob is a fetch's job whose values stale fallbacks keep.
type keptJob struct {
	f *planner.Fetch
	j *job
}

// caller makes calls for the policy: the loader, which makes each distinct
// call of a request once.
type caller interface {
	prepare(up upstreams.Upstream, c *upstreams.Call) error
	call(ctx context.Context, up upstreams.Upstream, b *schema.Binding, c *upstreams.Call) (*upstreams.Result, *upstreams.Error)
}

// staleKeyOf names field's value in parent p, answered by job j of fetch
// f: by the call (and, in a batch, the parent's key). The field is named by
// its response key, not its key in the plan, which depends on the rest of
// the operation: the same field and call in two operations of different
// shapes share their values.
func staleKeyOf(f *planner.Fetch, j *job, p *fastjson.Value, field *planner.Field) string {
	if f.Entity != nil {
		// An entity fetch's call carries every parent of the batch, which
		// differs from one request to the next: a value is kept per
		// entity, by its representation, and by what the call asks of it
		// (the operation and its variables, in j.argsKey).
		var rep []byte
		if et := f.Entity.TypeFor(p.GetStringBytes("__typename")); et != nil {
			rep, _ = appendRep(nil, p, et)
		}
		return fetchUpstream(f) + "\x00" + field.ParentType + "." + field.Name + "\x00" + field.ResponseKey + "\x00" + j.argsKey + "\x00" + string(rep)
	}
	return f.Binding.FieldRef.String() + "\x00" + field.ResponseKey + "\x00" + j.callKey() + "\x00" + batchKeyOf(f, j, p)
}

// fetchUpstream is the upstream a fetch's errors and notes name: a
// federated fetch's subgraph under its supergraph ("shop/reviews"), as the
// subgraph's own errors do.
func fetchUpstream(f *planner.Fetch) string {
	switch {
	case f.Source != "":
		return f.Source
	case f.Subgraph != "":
		return f.Upstream + "/" + f.Subgraph
	}
	return f.Upstream
}

// fallbackOf is what serves field of fetch f when its call fails: the
// field's own fallback (a federated field's), else its fetch's binding's.
func fallbackOf(f *planner.Fetch, field *planner.Field) *schema.Fallback {
	if field.Fallback != nil {
		return field.Fallback
	}
	if f.Binding == nil {
		return nil
	}
	return f.Binding.Fallback
}

// fieldTriggered returns field's fallback when a failure of code should
// fall back.
func fieldTriggered(f *planner.Fetch, field *planner.Field, code upstreams.Code) *schema.Fallback {
	fb := fallbackOf(f, field)
	if fb == nil || !fb.Triggers(string(code)) {
		return nil
	}
	return fb
}

// keepsStale reports whether stale values are kept for a field of f.
func (fs *fallbacks) keepsStale(f *planner.Fetch) bool {
	if fs.stale == nil {
		return false
	}
	for _, field := range f.Fields {
		if fb := fallbackOf(f, field); fb != nil && fb.Stale > 0 {
			return true
		}
	}
	return false
}

// triggered returns the binding's fallback when a failure of code should
// fall back.
func triggered(b *schema.Binding, code upstreams.Code) *schema.Fallback {
	if b == nil || b.Fallback == nil || !b.Fallback.Triggers(string(code)) {
		return nil
	}
	return b.Fallback
}

// failed returns the binding's fallback when a job's failure should fall
// back.
func failed(b *schema.Binding, err *upstreams.Error) *schema.Fallback {
	if err == nil {
		return nil
	}
	return triggered(b, err.Code)
}

// replica replays a failed call against the fallback's upstream, or, when
// the field has a second binding, calls that instead.
func (fs *fallbacks) replica(ctx context.Context, f *planner.Fetch, j *job, c caller) {
	fb := failed(f.Binding, j.err)
	if fb == nil || fb.Upstream == "" || j.call == nil {
		return
	}
	up := fs.ups[fb.Upstream]
	if up == nil {
		return
	}
	call := *j.call
	call.Key, call.Prepared = "", nil
	b := f.Binding
	if fb.Binding != nil {
		// Another binding: its own request, read as a value (Raw answers
		// are cut at the first binding's result path).
		b = fb.Binding
		call.Binding, call.Raw = b, false
	}
	if c.prepare(up, &call) != nil {
		return
	}
	// Calls are made once per key in a request; a replica's request may
	// be the same bytes as the primary's (a gRPC message), so its key
	// names it.
	call.Key = fb.Upstream + "\x00" + call.Key
	res, cerr := c.call(ctx, up, b, &call)
	if cerr != nil {
		return // the first failure is the one reported
	}
	j.served = &note{reason: string(j.err.Code), upstream: j.err.Upstream, fallback: fallbackUpstream, via: fb.Upstream}
	j.res, j.err = res, nil
	if fb.Binding != nil {
		j.alt = fb.Binding
	}
}

// noteReplica notes the slots of a job a replica answered.
func (fs *fallbacks) noteReplica(t *tree, f *planner.Fetch, j *job) {
	for _, p := range j.parents {
		for _, field := range f.Fields {
			s := slot{p, field.Key}
			if t.served == nil {
				t.served = map[slot]*note{}
			}
			t.served[s] = j.served
			fs.count()
		}
	}
}

// count counts a field a fallback served, for the access log.
func (fs *fallbacks) count() {
	if fs.stats != nil {
		fs.stats.Fallbacks.Add(1)
	}
}

// staleCode returns the failure a job's slots may be served stale values
// for: its call failed, or a GraphQL upstream answered it with errors.
func staleCode(j *job) (upstreams.Code, bool) {
	switch {
	case j.err != nil:
		return j.err.Code, true
	case j.res != nil && len(j.res.Errors) > 0:
		return upstreams.CodeGraphQLError, true
	}
	return "", false
}

// shares reports whether stale values are shared with other replicas.
func (fs *fallbacks) shares() bool { return fs.stale != nil && fs.stale.shared != nil }

// unheld returns the stale keys of the fetch's failed jobs whose values
// this process does not hold. It reads batch keys in the value tree: the
// caller holds the tree's lock.
func (fs *fallbacks) unheld(f *planner.Fetch, jobs []*job) []string {
	if fs.stale == nil {
		return nil
	}
	var keys []string
	now := time.Now()
	for _, j := range jobs {
		code, ok := staleCode(j)
		if !ok {
			continue
		}
		for _, field := range f.Fields {
			fb := fieldTriggered(f, field, code)
			if fb == nil || fb.Stale == 0 {
				continue
			}
			for _, p := range j.parents {
				key := staleKeyOf(f, j, p, field)
				if !fs.stale.has(key, fb.Stale, now) {
					keys = append(keys, key)
				}
			}
		}
	}
	return keys
}

// loadShared reads the values of keys from the shared store into the
// cache, bounded by the store's wait.
func (fs *fallbacks) loadShared(ctx context.Context, keys []string) {
	if len(keys) > 0 {
		fs.stale.load(ctx, keys)
	}
}

// serveFailed gives a failed job's slots their stale or static values,
// and the failure to those it has none for; it reports whether the
// fallback applied (else the caller records the failure). The caller holds
// the tree's lock.
func (fs *fallbacks) serveFailed(t *tree, f *planner.Fetch, j *job) bool {
	serves := false
	for _, field := range f.Fields {
		if fb := fieldTriggered(f, field, j.err.Code); fb != nil && (fb.Stale > 0 || fb.Value != nil) {
			serves = true
			break
		}
	}
	if !serves {
		return false
	}
	now := time.Now()
	for _, p := range j.parents {
		for _, field := range f.Fields {
			fb := fieldTriggered(f, field, j.err.Code)
			if fb == nil || !fs.serveSlot(t, f, j, p, field, fb, j.err.Code, j.err.Upstream, now) {
				t.fail(slot{p, field.Key}, j.err)
			}
		}
	}
	return true
}

// serveGraphQLErrors serves the fallbacks of the slots a GraphQL upstream
// answered with errors and no value, in place of those errors. The caller
// holds the tree's lock, and has stored the answer.
func (fs *fallbacks) serveGraphQLErrors(t *tree, f *planner.Fetch, j *job) {
	if len(t.upErrs) == 0 {
		return
	}
	now := time.Now()
	for _, field := range f.Fields {
		fb := fieldTriggered(f, field, upstreams.CodeGraphQLError)
		if fb == nil || (fb.Stale == 0 && fb.Value == nil) {
			continue
		}
		for _, p := range j.parents {
			s := slot{p, field.Key}
			if len(t.upErrs[s]) == 0 {
				continue
			}
			if v := p.Get(field.Key); v != nil && v.Type() != fastjson.TypeNull {
				continue // a value, with errors below it: the errors stand
			}
			if fs.serveSlot(t, f, j, p, field, fb, upstreams.CodeGraphQLError, fetchUpstream(f), now) {
				delete(t.upErrs, s)
			}
		}
	}
}

// serveSlot sets one slot to its stale or static value and notes which
// served it; it reports false when the fallback has none.
func (fs *fallbacks) serveSlot(t *tree, f *planner.Fetch, j *job, p *fastjson.Value, field *planner.Field, fb *schema.Fallback, code upstreams.Code, upstream string, now time.Time) bool {
	n := &note{reason: string(code), upstream: upstream}
	var b []byte
	if fb.Stale > 0 && fs.stale != nil {
		var ok bool
		if b, n.age, ok = fs.stale.get(staleKeyOf(f, j, p, field), fb.Stale, now); ok {
			n.fallback = fallbackStale
		}
	}
	if n.fallback == "" && fb.Value != nil {
		b, n.fallback = fb.Value, fallbackValue
	}
	if n.fallback == "" {
		return false
	}
	v := t.parse(b)
	if v == nil {
		return false
	}
	t.serve(slot{p, field.Key}, v, n)
	fs.count()
	return true
}

// keepLater marks a good answer's values to be kept for stale fallbacks
// once render has checked them: a value that does not fit its type must
// not replace a good one. The caller holds the tree's lock.
func (fs *fallbacks) keepLater(f *planner.Fetch, j *job) {
	if j.res == nil || !fs.keepsStale(f) {
		return
	}
	fs.kept = append(fs.kept, keptJob{f, j})
}

// remember keeps the values of the good answers for stale fallbacks, but
// those render found did not fit their type (misfits) or a GraphQL
// upstream answered with errors. It runs after render, alone.
//
// A value is kept again only once the one kept is refreshEvery old: a
// fallback serving values minutes old gains nothing from a copy per
// request, and a large answer (80 KB) copied on every request costs the
// hot path a third of its speed (measured with the load benchmark's large
// case).
func (fs *fallbacks) remember(t *tree, misfits map[slot]bool) {
	if len(fs.kept) == 0 {
		return
	}
	now := time.Now()
	for _, k := range fs.kept {
		f, j := k.f, k.j
		for _, field := range f.Fields {
			fb := fallbackOf(f, field)
			if fb == nil || fb.Stale == 0 {
				continue
			}
			refresh := min(fb.Stale/10, 10*time.Second)
			for _, p := range j.parents {
				s := slot{p, field.Key}
				if misfits[s] || len(t.upErrs[s]) > 0 {
					continue
				}
				if n := t.served[s]; n != nil && n.fallback != fallbackUpstream {
					continue // not this call's answer
				}
				key := staleKeyOf(f, j, p, field)
				if fs.stale.fresh(key, refresh, now) {
					continue
				}
				var b []byte
				if raw, ok := t.raws[s]; ok {
					// The value and what follows it in the answer: where it
					// ends is found only if it is ever served.
					b = append([]byte(nil), raw...)
				} else if v := p.Get(field.Key); v != nil {
					b = v.MarshalTo(nil)
				} else {
					continue
				}
				fs.stale.put(key, b, now, fb.Stale)
			}
		}
	}
}

// keptJobOf finds the job that answered a slot, among those kept.
func (fs *fallbacks) keptJobOf(f *planner.Fetch, p *fastjson.Value) *job {
	for _, k := range fs.kept {
		if k.f != f {
			continue
		}
		for _, q := range k.j.parents {
			if q == p {
				return k.j
			}
		}
	}
	return nil
}

// candidate is a value a fallback offers for a slot, and its note.
type candidate struct {
	value []byte
	note  *note
}

// misfit returns what may serve a fetched field's value that render found
// does not fit its type (an UPSTREAM_BAD_RESPONSE), in order: the
// fallback's stale value, then its static value, if the fallback serves
// that failure; none that served the slot already (served). A replica is
// not tried: the call is over by the time render finds the value does not
// fit.
func (fs *fallbacks) misfit(f *planner.Field, s slot, served *note) []candidate {
	fb := fieldTriggered(f.Fetch, f, upstreams.CodeBadResponse)
	if fb == nil {
		return nil
	}
	var out []candidate
	if fb.Stale > 0 && fs.stale != nil && (served == nil || served.fallback == fallbackUpstream) {
		if j := fs.keptJobOf(f.Fetch, s.obj); j != nil {
			key := staleKeyOf(f.Fetch, j, s.obj, f)
			if b, age, ok := fs.stale.get(key, fb.Stale, time.Now()); ok {
				out = append(out, candidate{b, &note{fallback: fallbackStale, age: age}})
			}
		}
	}
	if fb.Value != nil && (served == nil || served.fallback != fallbackValue) {
		out = append(out, candidate{fb.Value, &note{fallback: fallbackValue}})
	}
	return out
}

// batchKeyOf is a parent's batch key in a batch call, "" otherwise: a
// batch's stale values are kept per parent, as batches differ from one
// request to the next.
func batchKeyOf(f *planner.Fetch, j *job, p *fastjson.Value) string {
	if j.call == nil || !j.call.Batch || f.Binding.Batch == nil {
		return ""
	}
	if kv := p.Get(f.Binding.Batch.ParentKey...); kv != nil {
		return keyText(kv)
	}
	return ""
}

// callKey is the key of the job's call; for a batch, the field's
// arguments, since the parent's key tells values apart and the batch's
// members differ from one request to the next.
func (j *job) callKey() string {
	if j.call == nil {
		return ""
	}
	if j.call.Batch {
		return j.argsKey
	}
	return j.call.Key
}

// argsKey is the text of a field's evaluated arguments, for the stale
// keys of batch calls: encoding/json sorts map keys, so equal arguments
// give equal text.
func argsKey(args map[string]any) string {
	if len(args) == 0 {
		return ""
	}
	b, err := json.Marshal(args)
	if err != nil {
		return ""
	}
	return string(b)
}

// entityCallKey is what an entity fetch's call asks of each entity, for
// the stale keys of its values: the operation and the client variables
// it forwards. The representations, which differ from one batch to the
// next, are each value's own (see staleKeyOf).
func entityCallKey(f *planner.Fetch, vars map[string]any) string {
	if f.Operation == nil {
		return ""
	}
	var fwd map[string]any
	for _, name := range f.Operation.ForwardVariables {
		if fwd == nil {
			fwd = map[string]any{}
		}
		fwd[name] = vars[name]
	}
	return f.Operation.Document + "\x00" + argsKey(fwd)
}
