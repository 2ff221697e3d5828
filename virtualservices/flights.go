package virtualservices

import (
	"context"
	"crypto/sha256"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/planner"
)

// merged runs a query that identical ones in flight may share: the first
// runs it, the others wait for its response's bytes. A first whose client
// went away before the end leaves the others to run it themselves.
func (t *httpTransport) merged(ctx context.Context, w http.ResponseWriter, r *http.Request, st *requestState, params *graphql.RawParams, rc *graphql.OperationContext, exec graphql.GraphExecutor) {
	key := flightKey(r, params, st)
	for {
		f, first := t.flights.join(key)
		if !first {
			select {
			case <-f.done:
			case <-ctx.Done():
				return
			}
			if f.body == nil {
				continue // its first gave up: take its place
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(f.body)
			return
		}
		responses, rctx := exec.DispatchOperation(ctx, rc)
		resp := responses(rctx)
		if resp == nil {
			resp = &graphql.Response{Errors: gqlerror.List{{Message: "no response"}}}
		}
		body := t.encode(resp)
		t.exec.Recycle(resp.Data)
		t.flights.finish(key, f, body, ctx.Err() == nil)
		t.send(w, http.StatusOK, body)
		return
	}
}

// flights are the queries in flight that identical ones may join.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one query in flight; body is its response once done is
// closed, nil when its first gave up.
type flight struct {
	done    chan struct{}
	waiters int
	body    []byte
}

// join returns the flight of key, and whether the caller is its first.
func (fs *flights) join(key string) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f := fs.m[key]; f != nil {
		f.waiters++
		return f, false
	}
	f := &flight{done: make(chan struct{})}
	fs.m[key] = f
	return f, true
}

// finish ends a flight: its waiters get a copy of body (the first's
// buffer goes back to the pool), or, when ok is false, none.
func (fs *flights) finish(key string, f *flight, body []byte, ok bool) {
	fs.mu.Lock()
	delete(fs.m, key)
	if ok && f.waiters > 0 {
		f.body = append([]byte(nil), body...)
	}
	fs.mu.Unlock()
	close(f.done)
}

// hopHeaders never reach an upstream and vary between identical
// requests: they are left out of a flight's key. X-Request-Id, which the
// gateway gives every request, only labels calls: merged ones carry the
// first request's, as merged upstream calls do.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Content-Length": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Proxy-Connection": true,
	"X-Request-Id": true,
}

// flightKey identifies a query for merging: its operation (by its
// tokens), its name, its variables as sent, and every request header but
// the hop-by-hop ones, since any of them may reach an upstream or change
// the answer. It is their SHA-256, so that the key a request keeps while
// in flight is 32 bytes whatever its variables. The parts are gathered in
// a pooled buffer and hashed in one call: hashing them piece by piece
// through hash.Hash cost 20 allocations a request.
func flightKey(r *http.Request, params *graphql.RawParams, st *requestState) string {
	bp, _ := keyBufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b, same := planner.AppendOperationKey((*bp)[:0], params.Query)
	if same {
		b = append(b, params.Query...)
	}
	b = append(b, 0)
	b = append(b, params.OperationName...)
	for _, v := range st.vars {
		b = append(b, 0)
		b = append(b, v.name...)
		b = append(b, '=')
		b = append(b, v.value...)
	}
	var local [24]string
	names := local[:0]
	for name := range r.Header {
		if !hopHeaders[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			b = append(b, 0)
			b = append(b, name...)
			b = append(b, ':')
			b = append(b, v...)
		}
	}
	b = append(b, 0)
	b = append(b, r.Method...)
	b = append(b, r.URL.RawQuery...)
	sum := sha256.Sum256(b)
	if cap(b) <= maxPooledKeyBuf {
		*bp = b
		keyBufs.Put(bp)
	}
	return string(sum[:])
}

// keyBufs are flightKey's buffers. One that grew past maxPooledKeyBuf (a
// request with large variables) is left to the collector rather than kept
// for every later request.
var keyBufs sync.Pool

const maxPooledKeyBuf = 64 << 10
