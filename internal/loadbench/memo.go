package loadbench

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Memo bounds, so that a benchmark that sends many distinct requests cannot
// make an upstream grow without limit.
const (
	DefaultMemoEntries       = 4096
	DefaultMemoRequestBytes  = 64 << 10
	DefaultMemoResponseBytes = 4 << 20
)

// MemoOptions bound a Memo. Zero fields take the defaults above.
type MemoOptions struct {
	// Entries is the most responses kept; once full, new requests are
	// answered by the wrapped handler every time.
	Entries int
	// RequestBytes is the largest request body that is part of a key; a
	// larger request is passed through unmemoized.
	RequestBytes int64
	// ResponseBytes is the largest response body kept.
	ResponseBytes int
}

func (o MemoOptions) withDefaults() MemoOptions {
	if o.Entries <= 0 {
		o.Entries = DefaultMemoEntries
	}
	if o.RequestBytes <= 0 {
		o.RequestBytes = DefaultMemoRequestBytes
	}
	if o.ResponseBytes <= 0 {
		o.ResponseBytes = DefaultMemoResponseBytes
	}
	return o
}

// Memo is an http.Handler that answers a request it has seen before (same
// method, URL and body) with the full response the wrapped handler gave the
// first time, status 200 only. It makes the demo upstreams cost almost
// nothing per request, so that a benchmark measures the gateway in front of
// them rather than gqlgen's resolvers.
type Memo struct {
	next http.Handler
	opts MemoOptions

	mu      sync.RWMutex
	entries map[string]*memoEntry

	hits, misses atomic.Int64
}

type memoEntry struct {
	header http.Header
	length string // Content-Length, formatted once
	body   []byte
}

// NewMemo wraps next.
func NewMemo(next http.Handler, opts MemoOptions) *Memo {
	return &Memo{next: next, opts: opts.withDefaults(), entries: map[string]*memoEntry{}}
}

// MemoStats counts a Memo's work.
type MemoStats struct {
	Hits, Misses int64
	Entries      int
}

// Stats returns the Memo's counters.
func (m *Memo) Stats() MemoStats {
	m.mu.RLock()
	n := len(m.entries)
	m.mu.RUnlock()
	return MemoStats{Hits: m.hits.Load(), Misses: m.misses.Load(), Entries: n}
}

// ServeHTTP answers from the memo or from the wrapped handler.
func (m *Memo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, m.opts.RequestBytes+1))
	if err != nil {
		http.Error(w, "reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if int64(len(body)) > m.opts.RequestBytes {
		// Too large to be a key: the handler reads what was read and the rest.
		m.misses.Add(1)
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		m.next.ServeHTTP(w, r)
		return
	}
	key := make([]byte, 0, len(r.Method)+len(r.URL.RequestURI())+len(body)+2)
	key = append(append(append(append(append(key, r.Method...), ' '), r.URL.RequestURI()...), '\n'), body...)

	m.mu.RLock()
	e := m.entries[string(key)]
	m.mu.RUnlock()
	if e != nil {
		m.hits.Add(1)
		h := w.Header()
		for k, v := range e.header {
			h[k] = v
		}
		h["Content-Length"] = []string{e.length}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(e.body)
		return
	}

	m.misses.Add(1)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &recorder{header: http.Header{}}
	m.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	h.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())

	if rec.status != http.StatusOK || rec.body.Len() > m.opts.ResponseBytes {
		return
	}
	e = &memoEntry{header: rec.header.Clone(), body: bytes.Clone(rec.body.Bytes())}
	// Date and Content-Length are the server's to write for each answer.
	e.header.Del("Date")
	e.header.Del("Content-Length")
	e.length = strconv.Itoa(len(e.body))
	m.mu.Lock()
	if len(m.entries) < m.opts.Entries {
		m.entries[string(key)] = e
	}
	m.mu.Unlock()
}

// recorder keeps a handler's whole response so that it can be both sent and
// memoized.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
