// Package transport is the HTTP machinery the HTTP-based upstream kinds
// share: a pooled client per upstream, the options every such upstream has
// (timeouts, headers, TLS, size limits), and reading bounded JSON answers
// into the value model.
package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
)

// Defaults for options left unset.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultMaxResponseBytes = 16 << 20
	DefaultMaxIdleConns     = 256
	DefaultMaxConnections   = 256
)

// maxRedirects bounds the redirects one call follows.
const maxRedirects = 5

// Options configure an HTTP-based upstream; they are the common part of
// every Upstream resource's spec.
type Options struct {
	// Timeout bounds one call, from sending to the last byte of the answer.
	Timeout time.Duration `yaml:"timeout"`
	// ConnectTimeout bounds dialing and the TLS handshake.
	ConnectTimeout time.Duration `yaml:"connectTimeout"`
	// Headers are added to every call.
	Headers map[string]string `yaml:"headers"`
	// ForwardHeaders are client request headers copied to every call.
	ForwardHeaders []string `yaml:"forwardHeaders"`
	// MaxResponseBytes caps an answer's body.
	MaxResponseBytes int64 `yaml:"maxResponseBytes"`
	// MaxIdleConns caps idle keep-alive connections kept to the upstream.
	MaxIdleConns int `yaml:"maxIdleConns"`
	// MaxConnections caps connections open to the upstream at once (default
	// 256); calls beyond wait for one. It bounds the memory a fan-out under
	// load can take, and the load Weft puts on the upstream.
	MaxConnections int `yaml:"maxConnections"`
	// TLS configures HTTPS to the upstream.
	TLS *TLSOptions `yaml:"tls"`
	// Auth is the upstream's credentials.
	Auth *AuthOptions `yaml:"auth"`
	// MergeInFlight lets identical reads in flight at the same moment, from
	// different client requests, share one upstream exchange (default
	// true). Reads are GETs and GraphQL queries; identical means the same
	// method, URL, body and forwarded headers.
	MergeInFlight *bool `yaml:"mergeInFlight"`
	// ExposeErrors shows clients what the upstream says when a call fails
	// (an error answer's message, a fault's text, a GraphQL upstream's
	// error messages and extensions). By default (false) a client sees a
	// stable message and code, and the log gets the rest with the request
	// id: upstream internals stay inside. See upstreams.Error.
	ExposeErrors bool `yaml:"exposeErrors"`
	// Endpoints are the upstream's hosts, scheme://host:port each. Every
	// call goes to one of them, picked round robin over those healthy and
	// not ejected, its URL's scheme and host replaced: the kind's URL
	// (baseURL, url, endpoint) still gives the path and query, but its
	// host is not called. The Host header and the TLS server name are the
	// endpoint's (set tls.serverName to check another name). Without
	// endpoints, the kind's URL's host is the one host.
	Endpoints []string `yaml:"endpoints"`
	// HealthCheck probes every host (see package hosts).
	HealthCheck *HealthCheckOptions `yaml:"healthCheck"`
	// OutlierDetection ejects a host, for a while, once its calls fail
	// (a connection error, a timeout, a 5xx) so many times in a row.
	OutlierDetection *hosts.OutlierDetection `yaml:"outlierDetection"`
	// Schemes are named credentials that calls may carry in place of
	// Auth (the rest kind's spec.authSchemes, which bindings pick);
	// kinds set it.
	Schemes map[string]*AuthOptions `yaml:"-"`
	// TextBodies makes text/* answers JSON strings (REST); kinds set it.
	TextBodies bool `yaml:"-"`
	// NoProbes leaves the health checks off (kinds set it from
	// upstreams.Source.Checking): a config being checked is not served.
	NoProbes bool `yaml:"-"`

	// ReadFile reads the TLS files; nil means os.ReadFile. Kinds set it
	// (see FileReader) so relative paths are relative to the resource's file.
	ReadFile func(name string) ([]byte, error) `yaml:"-"`
}

// FileReader reads files a spec names: an absolute path from disk (a mounted
// secret, say), a relative one through the config's own reader.
func FileReader(relative func(string) ([]byte, string, error)) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if filepath.IsAbs(name) || relative == nil {
			return os.ReadFile(name)
		}
		data, _, err := relative(name)
		return data, err
	}
}

// TLSOptions configure TLS to an upstream.
type TLSOptions struct {
	// CAFile is a PEM bundle of CAs to trust instead of the system's.
	CAFile string `yaml:"caFile"`
	// CertFile and KeyFile are a client certificate for mutual TLS.
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `yaml:"serverName"`
	// InsecureSkipVerify disables certificate checks; for tests only.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
}

// OptionError is an option New cannot use; Path is the option's field path
// below the spec ("tls", "auth.apiKey.in"), for errors at the right line.
type OptionError struct {
	Path string
	Err  error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// OptionPath returns the spec path of an error from New.
func OptionPath(err error) string {
	var oe *OptionError
	if errors.As(err, &oe) {
		return "spec." + oe.Path
	}
	return "spec"
}

// Client sends calls for one upstream over a pooled HTTP client.
type Client struct {
	auth *auth
	// own is Credentials of auth alone, made once: most calls carry it,
	// and a slice per call was an allocation on every one.
	own     Credentials
	schemes map[string]*auth
	name    string
	merge   bool
	flights flights
	opts    Options
	http    *http.Client
	headers http.Header
	parsers fastjson.ParserPool
	arenas  fastjson.ArenaPool
	bufs    sync.Pool

	// hosts, when set, picks the host of each call (with endpoints) or
	// watches the one host; endpoints are its hosts, by index.
	hosts     *hosts.Set
	endpoints []endpoint
	probeHTTP *http.Client
}

// New builds the client of upstream name.
func New(name string, opts Options) (*Client, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = min(opts.Timeout, 5*time.Second)
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if opts.MaxIdleConns <= 0 {
		opts.MaxIdleConns = DefaultMaxIdleConns
	}
	if opts.MaxConnections <= 0 {
		opts.MaxConnections = DefaultMaxConnections
	}
	eps, err := checkHosts(&opts)
	if err != nil {
		return nil, err
	}
	tlsConf, err := opts.TLS.Config(opts.ReadFile)
	if err != nil {
		return nil, &OptionError{Path: "tls", Err: fmt.Errorf("upstream %s: tls: %w", name, err)}
	}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          opts.MaxIdleConns,
		MaxIdleConnsPerHost:   opts.MaxIdleConns,
		MaxConnsPerHost:       opts.MaxConnections,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	h := make(http.Header, len(opts.Headers))
	for k, v := range opts.Headers {
		h.Set(k, v)
	}
	c := &Client{
		name:    name,
		merge:   opts.MergeInFlight == nil || *opts.MergeInFlight,
		opts:    opts,
		headers: h,
		http: &http.Client{
			Transport: tr,
			// Redirects are followed at most maxRedirects times. The
			// answer that asks for one more is the result, so the caller
			// reports it as the non-2xx status it is (UPSTREAM_ERROR with
			// its status), not as a broken connection.
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) > maxRedirects {
					return http.ErrUseLastResponse
				}
				return nil
			},
		},
	}
	c.bufs.New = func() any { return new(bytes.Buffer) }
	if opts.Auth != nil {
		if path, err := opts.Auth.Check(); err != nil {
			return nil, &OptionError{Path: strings.TrimSuffix("auth."+path, "."), Err: fmt.Errorf("upstream %s: auth: %w", name, err)}
		}
	}
	if c.auth, err = newAuth(opts.Auth, c.http, opts.Timeout); err != nil {
		return nil, &OptionError{Path: "auth", Err: fmt.Errorf("upstream %s: auth: %w", name, err)}
	}
	c.own = Credentials{list: []*auth{c.auth}}
	for _, sn := range sortedNames(opts.Schemes) {
		a := opts.Schemes[sn]
		where := "authSchemes." + sn
		if a == nil {
			return nil, &OptionError{Path: where, Err: fmt.Errorf("upstream %s: authSchemes: %s: give its credentials (apiKey, basic, bearer or oauth2)", name, sn)}
		}
		if path, err := a.Check(); err != nil {
			return nil, &OptionError{Path: strings.TrimSuffix(where+"."+path, "."), Err: fmt.Errorf("upstream %s: authSchemes: %s: %w", name, sn, err)}
		}
		sa, err := newAuth(a, c.http, opts.Timeout)
		if err != nil {
			return nil, &OptionError{Path: where, Err: fmt.Errorf("upstream %s: authSchemes: %s: %w", name, sn, err)}
		}
		if c.schemes == nil {
			c.schemes = map[string]*auth{}
		}
		c.schemes[sn] = sa
	}
	if err := c.startHosts(eps); err != nil {
		return nil, err
	}
	return c, nil
}

// Options returns the client's options with defaults applied.
func (c *Client) Options() Options { return c.opts }

// HTTP returns the underlying HTTP client (for control-path calls such as
// introspection).
func (c *Client) HTTP() *http.Client { return c.http }

// Close stops the health checks and closes idle connections. Calls in
// flight finish.
func (c *Client) Close() {
	if c.hosts != nil {
		c.hosts.Close()
	}
	if c.probeHTTP != nil {
		c.probeHTTP.CloseIdleConnections()
	}
	c.http.CloseIdleConnections()
}

// Credentials are what one call carries to prove who sends it: the
// upstream's auth, or the named credentials (Options.Schemes) a binding
// picks, all of them (an API key and an app id, say), or none.
type Credentials struct {
	list []*auth
}

// Credentials returns the credentials named, in order, for a call that
// picks them; with names nil, the upstream's own auth. An empty, non-nil
// names picks none.
func (c *Client) Credentials(names []string) (Credentials, error) {
	if names == nil {
		return c.own, nil
	}
	cr := Credentials{list: make([]*auth, 0, len(names))}
	for _, n := range names {
		a, ok := c.schemes[n]
		if !ok {
			return Credentials{}, upstreams.Errorf(upstreams.CodeBadRequest, c.name, nil, "upstream %s has no credentials named %q in authSchemes", c.name, n)
		}
		cr.list = append(cr.list, a)
	}
	return cr, nil
}

// SchemeNames returns the names of the named credentials, sorted.
func (c *Client) SchemeNames() []string { return sortedNames(c.schemes) }

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Header builds the headers of one call: the upstream's static headers, the
// client headers it forwards, its credentials (which win over a forwarded
// header of the same name), and the request id.
func (c *Client) Header(call *upstreams.Call) http.Header {
	return c.HeaderWith(call, c.own)
}

// HeaderWith is Header for a call that carries credentials cr.
func (c *Client) HeaderWith(call *upstreams.Call, cr Credentials) http.Header {
	h := make(http.Header, len(c.headers)+len(c.opts.ForwardHeaders)+3)
	for k, v := range c.headers {
		h[k] = v
	}
	for _, name := range c.opts.ForwardHeaders {
		if vs := call.ClientHeader.Values(name); len(vs) > 0 {
			h[http.CanonicalHeaderKey(name)] = vs
		}
	}
	for _, a := range cr.list {
		a.setStatic(h)
	}
	if call.RequestID != "" {
		h.Set("X-Request-Id", call.RequestID)
	}
	return h
}

// AppendKeyHeaders appends to a call's key the values of the client headers
// this upstream forwards: two calls that differ in them are different calls
// (another user's Authorization, say). Static headers are the same for every
// call and need not be in the key.
func (c *Client) AppendKeyHeaders(dst []byte, h http.Header) []byte {
	for _, name := range c.opts.ForwardHeaders {
		dst = AppendKeyHeader(dst, h, name)
	}
	return dst
}

// AppendKeyHeader appends one header's values to a call's key, each with
// the header's name, so values cannot pair up with the wrong header (names
// hold no ':' and values no NUL).
func AppendKeyHeader(dst []byte, h http.Header, name string) []byte {
	for _, v := range h.Values(name) {
		dst = append(dst, 0)
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = append(dst, v...)
	}
	return dst
}

// Response is a read answer.
type Response struct {
	Status int
	Header http.Header
	// Detail summarizes a non-2xx answer's body (its message field, or the
	// start of its text), for the error's Detail.
	Detail string
	// RetryAfter is the wait a 429 or 503 answer asked for.
	RetryAfter time.Duration
	// Value is the parsed JSON body, nil for an empty body.
	Value   *fastjson.Value
	release func()
}

// Send sends one request and reads its whole answer, bounded in size and
// time, parsing a JSON body into the value model. A 2xx body that is not
// JSON yields an UPSTREAM_BAD_RESPONSE error; for other statuses it is
// dropped and Value is nil.
//
// A non-empty mergeKey marks a read that may share its exchange with
// identical calls in flight from other requests (see Options.MergeInFlight):
// one request goes upstream, and every caller parses the answer for itself.
func (c *Client) Send(ctx context.Context, method, url string, header http.Header, body []byte, mergeKey string) (*Response, error) {
	a, err := c.Exchange(ctx, method, url, header, body, mergeKey)
	if err != nil {
		return nil, err
	}
	return c.Parse(a)
}

// StatusError is the failure of a non-2xx answer: UPSTREAM_UNAVAILABLE for
// 502, 503 and 504 (the upstream, or what is in front of it, cannot serve
// now), UPSTREAM_ERROR for the others, with the status, the Retry-After
// asked for and the body's summary as the Detail (shown to clients only
// where the upstream exposes its errors). It releases resp.
func (c *Client) StatusError(resp *Response) *upstreams.Error {
	resp.Release()
	code := upstreams.CodeError
	switch resp.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		code = upstreams.CodeUnavailable
	}
	e := &upstreams.Error{Code: code, Upstream: c.name, Status: resp.Status, RetryAfter: resp.RetryAfter,
		Msg: "HTTP " + strconv.Itoa(resp.Status) + " " + http.StatusText(resp.Status), Detail: resp.Detail}
	return e
}

// Answer is a read answer, not parsed: its body stays in a pooled buffer
// until Release.
type Answer struct {
	Status int
	Header http.Header
	ex     *exchange
}

// Body returns the answer's bytes; they are valid until Release.
func (a *Answer) Body() []byte { return a.ex.buf.Bytes() }

// MediaType returns the answer's Content-Type without parameters.
func (a *Answer) MediaType() string { return mediaType(a.Header.Get("Content-Type")) }

// Release returns the body's memory.
func (a *Answer) Release() {
	if a.ex != nil {
		a.ex.release()
		a.ex = nil
	}
}

// Exchange sends one request and reads its whole answer, bounded in size
// and time, without parsing it (see Send for mergeKey).
func (c *Client) Exchange(ctx context.Context, method, url string, header http.Header, body []byte, mergeKey string) (*Answer, error) {
	return c.ExchangeWith(ctx, c.own, method, url, header, body, mergeKey)
}

// ExchangeWith is Exchange for a call that carries credentials cr, whose
// headers HeaderWith built with the same cr. A merge key must tell apart
// calls with different credentials.
func (c *Client) ExchangeWith(ctx context.Context, cr Credentials, method, url string, header http.Header, body []byte, mergeKey string) (*Answer, error) {
	var ex *exchange
	var err error
	if mergeKey != "" && c.merge {
		ex, err = c.shared(ctx, mergeKey, cr, method, url, header, body)
	} else {
		ex, err = c.exchange(ctx, cr, method, url, header, body)
	}
	if err != nil {
		return nil, err
	}
	return &Answer{Status: ex.status, Header: ex.header, ex: ex}, nil
}

// Parse reads an answer into the value model and releases its buffer.
func (c *Client) Parse(a *Answer) (*Response, error) {
	defer a.Release()
	return c.parse(a.ex)
}

// exchange is one HTTP round trip's answer, its body in a pooled buffer.
type exchange struct {
	status int
	header http.Header
	buf    *bytes.Buffer
	// refs counts the holders of buf; the last release pools it.
	refs atomic.Int32
	c    *Client
}

func (e *exchange) release() {
	if e.refs.Add(-1) == 0 {
		e.c.putBuf(e.buf)
		e.buf = nil
	}
}

// exchange sends a request and reads its body, to the host route picks,
// and reports the outcome to it: a merged exchange (fly) runs here once,
// so it counts once however many callers share it.
func (c *Client) exchange(ctx context.Context, cr Credentials, method, url string, header http.Header, body []byte) (*exchange, error) {
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, c.name, err, "cannot build the request")
	}
	req.Header = header
	host := c.route(req)
	for _, a := range cr.list {
		if err := a.apply(c.name, req); err != nil {
			return nil, err
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.report(host, caller, hosts.Failure)
		return nil, upstreams.TransportError(c.name, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.opts.MaxResponseBytes {
		c.report(host, caller, statusOutcome(resp.StatusCode))
		return nil, c.tooLarge(resp.StatusCode)
	}
	buf := c.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		c.putBuf(buf)
		c.report(host, caller, hosts.Failure)
		e := upstreams.TransportError(c.name, err)
		e.Status = resp.StatusCode
		return nil, e
	}
	c.report(host, caller, statusOutcome(resp.StatusCode))
	if n > c.opts.MaxResponseBytes {
		c.putBuf(buf)
		return nil, c.tooLarge(resp.StatusCode)
	}
	ex := &exchange{status: resp.StatusCode, header: resp.Header, buf: buf, c: c}
	ex.refs.Store(1)
	return ex, nil
}

// parse reads an exchange's body into the value model. With TextBodies, a
// text/* answer that is not JSON becomes a string; any other 2xx answer
// that is not JSON is an error. A non-2xx answer's body is summarized in
// Detail.
func (c *Client) parse(ex *exchange) (*Response, error) {
	out := &Response{Status: ex.status, Header: ex.header}
	if ex.status == http.StatusTooManyRequests || ex.status == http.StatusServiceUnavailable {
		out.RetryAfter = retryAfter(ex.header.Get("Retry-After"), time.Now())
	}
	body := ex.buf.Bytes()
	// Only JSON's white space makes an empty body: bytes.TrimSpace would
	// also take a body of Unicode spaces (U+00A0, \v) for empty, and that
	// body is not JSON.
	if len(bytes.Trim(body, " \t\r\n")) == 0 {
		return out, nil
	}
	media := mediaType(ex.header.Get("Content-Type"))
	p := c.parsers.Get()
	v, err := p.ParseBytes(body)
	if err != nil {
		c.parsers.Put(p)
		if c.opts.TextBodies && strings.HasPrefix(media, "text/") && ex.status/100 == 2 {
			// Text that is not JSON is a string. (Text that is JSON was read
			// as JSON above: many servers label JSON text/plain.)
			a := c.arenas.Get()
			out.Value = a.NewStringBytes(body)
			out.release = func() { a.Reset(); c.arenas.Put(a) }
			return out, nil
		}
		if ex.status/100 != 2 {
			// An error status with a non-JSON body (an HTML error page, say):
			// the status is what the caller reports.
			out.Detail = summarize(body)
			return out, nil
		}
		msg := "answer is not valid JSON (HTTP " + strconv.Itoa(ex.status) + ")"
		if media != "" && !jsonMedia(media) {
			msg = "answer is not valid JSON (" + media + ", HTTP " + strconv.Itoa(ex.status) + ")"
		}
		return out, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: c.name, Status: ex.status, Msg: msg, Err: err}
	}
	if ex.status/100 != 2 {
		out.Detail = detailOf(v, body)
	}
	out.Value = v
	out.release = func() { c.parsers.Put(p) }
	return out, nil
}

func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

func jsonMedia(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// detailOf summarizes an error answer: its message field when it has one
// (message, error, detail, title, error_description), else its text.
func detailOf(v *fastjson.Value, body []byte) string {
	if v.Type() == fastjson.TypeObject {
		for _, k := range []string{"message", "error", "detail", "title", "error_description"} {
			if s := v.GetStringBytes(k); len(s) > 0 {
				return summarize(s)
			}
			if e := v.Get(k); e != nil && e.Type() == fastjson.TypeObject {
				if s := e.GetStringBytes("message"); len(s) > 0 {
					return summarize(s)
				}
			}
		}
	}
	return summarize(body)
}

// summarize keeps the start of a body, valid UTF-8, on one line.
func summarize(b []byte) string {
	const limit = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b[:min(len(b), limit*2)]), "")), " ")
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Release frees the response's parsed value.
func (r *Response) Release() {
	if r != nil && r.release != nil {
		r.release()
		r.release = nil
	}
}

// Detach hands the release of the response's memory to the caller, who
// must call the returned function once done with Value.
func (r *Response) Detach() func() {
	f := r.release
	r.release = nil
	return f
}

func (c *Client) tooLarge(status int) error {
	return &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: c.name, Status: status,
		Msg: fmt.Sprintf("answer is larger than the %d byte limit", c.opts.MaxResponseBytes)}
}

func (c *Client) putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let outsized buffers go
	}
	c.bufs.Put(b)
}

// Config is the TLS configuration the options describe (nil for nil
// options); read reads the files they name (nil: os.ReadFile).
func (t *TLSOptions) Config(read func(string) ([]byte, error)) (*tls.Config, error) {
	if t == nil {
		return nil, nil
	}
	if read == nil {
		read = os.ReadFile
	}
	conf := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in, for tests
	if t.CAFile != "" {
		pem, err := read(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("caFile %s: no PEM certificate found", t.CAFile)
		}
		conf.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("certFile and keyFile go together")
	}
	if t.CertFile != "" {
		certPEM, err := read(t.CertFile)
		if err != nil {
			return nil, fmt.Errorf("certFile: %w", err)
		}
		keyPEM, err := read(t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("keyFile: %w", err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}
