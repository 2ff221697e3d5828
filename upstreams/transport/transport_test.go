package transport_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// newClient builds a client of upstream "test" and closes it with the test.
func newClient(t *testing.T, opts transport.Options) *transport.Client {
	t.Helper()
	c, err := transport.New("test", opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// upstreamError asserts that err is an *upstreams.Error with code want.
func upstreamError(t *testing.T, err error, want upstreams.Code) *upstreams.Error {
	t.Helper()
	var ue *upstreams.Error
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T) is not an *upstreams.Error", err, err)
	}
	if ue.Code != want {
		t.Fatalf("code = %s, want %s (error: %v)", ue.Code, want, err)
	}
	if ue.Upstream != "test" {
		t.Errorf("upstream = %q, want %q", ue.Upstream, "test")
	}
	return ue
}

// writePEM writes one PEM block to a new file in dir.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// quiet drops the server's log of failed handshakes, which some cases
// cause on purpose.
func quiet(srv *httptest.Server) { srv.Config.ErrorLog = log.New(io.Discard, "", 0) }

func jsonHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func TestSendTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(jsonHandler(`{"secure":true}`))
	quiet(srv)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := writePEM(t, dir, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	tests := []struct {
		name    string
		tls     *transport.TLSOptions
		wantErr func(error) bool // nil: the call succeeds
	}{
		{name: "caFile trusts the server", tls: &transport.TLSOptions{CAFile: ca}},
		{name: "serverName in the certificate", tls: &transport.TLSOptions{CAFile: ca, ServerName: "example.com"}},
		{name: "insecureSkipVerify", tls: &transport.TLSOptions{InsecureSkipVerify: true}},
		{name: "system roots do not know the test CA", wantErr: func(err error) bool {
			var ve *tls.CertificateVerificationError
			var ua x509.UnknownAuthorityError
			return errors.As(err, &ve) && errors.As(err, &ua)
		}},
		{name: "serverName not in the certificate", tls: &transport.TLSOptions{CAFile: ca, ServerName: "catalog.internal"},
			wantErr: func(err error) bool {
				var he x509.HostnameError
				return errors.As(err, &he)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, transport.Options{TLS: tt.tls})
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				defer resp.Release()
				if resp.Status != http.StatusOK || resp.Value == nil || !resp.Value.GetBool("secure") {
					t.Fatalf("answer = %d %v", resp.Status, resp.Value)
				}
				return
			}
			upstreamError(t, err, upstreams.CodeUnavailable)
			if !tt.wantErr(err) {
				t.Fatalf("error %v does not carry the expected certificate error", err)
			}
		})
	}
}

// clientCert makes a self-signed client certificate and returns its DER
// bytes and key.
func clientCert(t *testing.T, cn string) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	der, key := clientCert(t, "weft-gateway")
	certFile := writePEM(t, dir, "client.pem", "CERTIFICATE", der)
	keyFile := writeKey(t, dir, "client-key.pem", key)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"peer":%q}`, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	quiet(srv)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	ca := writePEM(t, dir, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)

	t.Run("with the client certificate", func(t *testing.T) {
		c := newClient(t, transport.Options{TLS: &transport.TLSOptions{CAFile: ca, CertFile: certFile, KeyFile: keyFile}})
		resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		defer resp.Release()
		if got := string(resp.Value.GetStringBytes("peer")); got != "weft-gateway" {
			t.Fatalf("server saw peer %q, want weft-gateway", got)
		}
	})
	t.Run("without a client certificate", func(t *testing.T) {
		c := newClient(t, transport.Options{TLS: &transport.TLSOptions{CAFile: ca}})
		_, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
		upstreamError(t, err, upstreams.CodeUnavailable)
	})
}

func TestNewTLSErrors(t *testing.T) {
	dir := t.TempDir()
	der, key := clientCert(t, "a")
	certFile := writePEM(t, dir, "client.pem", "CERTIFICATE", der)
	keyFile := writeKey(t, dir, "client-key.pem", key)
	_, otherKey := clientCert(t, "b")
	otherKeyFile := writeKey(t, dir, "other-key.pem", otherKey)
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	tests := []struct {
		name string
		tls  transport.TLSOptions
		want string
		is   error
	}{
		{"certFile without keyFile", transport.TLSOptions{CertFile: certFile}, "certFile and keyFile go together", nil},
		{"keyFile without certFile", transport.TLSOptions{KeyFile: keyFile}, "certFile and keyFile go together", nil},
		{"unreadable certFile", transport.TLSOptions{CertFile: missing, KeyFile: keyFile}, "certFile:", os.ErrNotExist},
		{"unreadable keyFile", transport.TLSOptions{CertFile: certFile, KeyFile: missing}, "keyFile:", os.ErrNotExist},
		{"key of another certificate", transport.TLSOptions{CertFile: certFile, KeyFile: otherKeyFile}, "private key does not match public key", nil},
		{"certificate given as key", transport.TLSOptions{CertFile: certFile, KeyFile: certFile}, "client certificate:", nil},
		{"unreadable caFile", transport.TLSOptions{CAFile: missing}, "caFile:", os.ErrNotExist},
		{"caFile without PEM", transport.TLSOptions{CAFile: notPEM}, "no PEM certificate found", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.tls
			c, err := transport.New("test", transport.Options{TLS: &opts})
			if err == nil {
				c.Close()
				t.Fatalf("New succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "upstream test: tls: ") {
				t.Fatalf("error %q, want it to start with %q and contain %q", err, "upstream test: tls: ", tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   transport.Options
		want transport.Options
	}{
		{"zero", transport.Options{}, transport.Options{
			Timeout: transport.DefaultTimeout, ConnectTimeout: 5 * time.Second,
			MaxResponseBytes: transport.DefaultMaxResponseBytes, MaxIdleConns: transport.DefaultMaxIdleConns}},
		{"short timeout bounds the connect timeout", transport.Options{Timeout: time.Second}, transport.Options{
			Timeout: time.Second, ConnectTimeout: time.Second,
			MaxResponseBytes: transport.DefaultMaxResponseBytes, MaxIdleConns: transport.DefaultMaxIdleConns}},
		{"set values kept", transport.Options{Timeout: time.Minute, ConnectTimeout: 2 * time.Second, MaxResponseBytes: 10, MaxIdleConns: 3},
			transport.Options{Timeout: time.Minute, ConnectTimeout: 2 * time.Second, MaxResponseBytes: 10, MaxIdleConns: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newClient(t, tt.in).Options()
			if got.Timeout != tt.want.Timeout || got.ConnectTimeout != tt.want.ConnectTimeout ||
				got.MaxResponseBytes != tt.want.MaxResponseBytes || got.MaxIdleConns != tt.want.MaxIdleConns {
				t.Fatalf("Options() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSendResponseSize(t *testing.T) {
	const limit = 64
	// body is a JSON string of n bytes in all.
	body := func(n int) string { return `"` + strings.Repeat("x", n-2) + `"` }
	tests := []struct {
		name          string
		size          int
		contentLength bool
		wantErr       bool
	}{
		{"at the limit, with Content-Length", limit, true, false},
		{"at the limit, chunked", limit, false, false},
		{"over the limit, with Content-Length", limit + 1, true, true},
		{"over the limit, chunked", limit + 1, false, true},
		{"far over the limit, chunked", 100 * limit, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrote atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b := body(tt.size)
				if tt.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(b)))
				} else {
					// Flushing before the body makes the answer chunked.
					w.WriteHeader(http.StatusOK)
					w.(http.Flusher).Flush()
				}
				n, _ := io.WriteString(w, b)
				wrote.Store(int64(n))
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, transport.Options{MaxResponseBytes: limit})
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				defer resp.Release()
				if got := len(resp.Value.GetStringBytes()); got != tt.size-2 {
					t.Fatalf("string of %d bytes, want %d", got, tt.size-2)
				}
				return
			}
			ue := upstreamError(t, err, upstreams.CodeBadResponse)
			if ue.Status != http.StatusOK || !strings.Contains(ue.Msg, "larger than the 64 byte limit") {
				t.Fatalf("error = %+v", ue)
			}
		})
	}
}

// slowServer answers after a delay (or when the client goes away); with
// partial set it sends the headers and the start of the body first.
func slowServer(t *testing.T, partial bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if partial {
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"a":`)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		_, _ = io.WriteString(w, `1}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSendTimeout(t *testing.T) {
	tests := []struct {
		name    string
		partial bool
		method  string
		body    []byte
		opts    transport.Options
		ctx     func() (context.Context, context.CancelFunc)
	}{
		{name: "no headers within the upstream timeout", opts: transport.Options{Timeout: 50 * time.Millisecond}},
		{name: "body not finished within the upstream timeout", partial: true, opts: transport.Options{Timeout: 50 * time.Millisecond}},
		{name: "POST within the upstream timeout", method: http.MethodPost, body: []byte(`{}`), opts: transport.Options{Timeout: 50 * time.Millisecond}},
		{name: "the caller's deadline is shorter", opts: transport.Options{Timeout: 10 * time.Second},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := slowServer(t, tt.partial)
			c := newClient(t, tt.opts)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			start := time.Now()
			_, err := c.Send(ctx, method, srv.URL, nil, tt.body, "")
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Send took %v", d)
			}
			upstreamError(t, err, upstreams.CodeTimeout)
		})
	}
}

func TestSendCancelled(t *testing.T) {
	srv := slowServer(t, false)
	c := newClient(t, transport.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err := c.Send(ctx, http.MethodGet, srv.URL, nil, nil, "")
	ue := upstreamError(t, err, upstreams.CodeUnavailable)
	if !errors.Is(err, context.Canceled) || ue.Msg != "request cancelled" {
		t.Fatalf("error = %v", err)
	}
}

func TestSendConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, transport.Options{Timeout: time.Second})
	_, err = c.Send(context.Background(), http.MethodGet, "http://"+addr+"/", nil, nil, "")
	ue := upstreamError(t, err, upstreams.CodeUnavailable)
	if !errors.Is(err, syscall.ECONNREFUSED) || ue.Msg != "connection refused" {
		t.Fatalf("error = %v", err)
	}
}

// hijack answers with raw bytes on the connection, then closes it; with
// reset set, the close sends a TCP RST instead of a FIN.
func hijack(raw string, reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
		if reset {
			_ = conn.(*net.TCPConn).SetLinger(0)
		}
		_ = conn.Close()
	}
}

func TestSendBrokenConnection(t *testing.T) {
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		// status is the answer's status when its headers arrived whole.
		status int
	}{
		{"closed mid-body", hijack(head+`{"items":[1,2`, false), 200},
		{"reset mid-body", hijack(head+`{"items":[1,2`, true), 200},
		{"closed mid-chunk", hijack("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"a\":", false), 200},
		{"closed before answering", hijack("", false), 0},
		{"reset before answering", hijack("", true), 0},
		{"closed mid-headers", hijack("HTTP/1.1 200 OK\r\nContent-Ty", false), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c := newClient(t, transport.Options{Timeout: 2 * time.Second})
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
			if err == nil {
				resp.Release()
				t.Fatalf("Send succeeded with value %v, want an error", resp.Value)
			}
			ue := upstreamError(t, err, upstreams.CodeUnavailable)
			t.Logf("error: %v", err)
			if ue.Err == nil || ue.Status != tt.status {
				t.Fatalf("error %+v: want a cause and status %d", ue, tt.status)
			}
		})
	}
}

func TestSendBodies(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantValue   string // the parsed value, "" for none
		wantCode    upstreams.Code
	}{
		{name: "JSON 200", status: 200, body: `{"a":[1,"x",null]}`, wantValue: `{"a":[1,"x",null]}`},
		{name: "JSON 201 with spaces", status: 201, body: " \n[true] \n", wantValue: `[true]`},
		{name: "JSON scalar", status: 200, body: `42`, wantValue: `42`},
		{name: "empty 200", status: 200},
		{name: "whitespace 200", status: 200, body: " \r\n\t"},
		{name: "204", status: 204},
		{name: "Unicode space 200", status: 200, body: "\u00a0\u2028", wantCode: upstreams.CodeBadResponse},
		{name: "HTML 200", status: 200, contentType: "text/html", body: "<html>hi</html>", wantCode: upstreams.CodeBadResponse},
		{name: "truncated JSON 200", status: 200, body: `{"a":`, wantCode: upstreams.CodeBadResponse},
		{name: "two values 200", status: 200, body: `{} {}`, wantCode: upstreams.CodeBadResponse},
		{name: "HTML 500", status: 500, contentType: "text/html", body: "<h1>Internal Server Error</h1>"},
		{name: "text 404", status: 404, contentType: "text/plain", body: "404 page not found"},
		{name: "JSON 404 keeps its body", status: 404, body: `{"error":"no such product"}`, wantValue: `{"error":"no such product"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, transport.Options{})
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
			if tt.wantCode != "" {
				ue := upstreamError(t, err, tt.wantCode)
				if ue.Status != tt.status || !strings.Contains(ue.Msg, "not valid JSON") {
					t.Fatalf("error = %+v", ue)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			defer resp.Release()
			if resp.Status != tt.status {
				t.Errorf("status = %d, want %d", resp.Status, tt.status)
			}
			got := ""
			if resp.Value != nil {
				got = resp.Value.String()
			}
			if got != tt.wantValue {
				t.Fatalf("value = %q, want %q", got, tt.wantValue)
			}
		})
	}
}

func TestSendRedirects(t *testing.T) {
	// /hop/n redirects to /hop/n-1; /hop/0 answers.
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if n > 0 {
			http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		fmt.Fprintf(w, `{"method":%q}`, r.Method)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		hops         int
		wantStatus   int
		wantRequests int32
	}{
		{0, 200, 1},
		{1, 200, 2},
		{5, 200, 6},
		// The sixth redirect is not followed: its answer is the result.
		{6, http.StatusFound, 6},
		{50, http.StatusFound, 6},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.hops), func(t *testing.T) {
			requests.Store(0)
			c := newClient(t, transport.Options{})
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL+"/hop/"+strconv.Itoa(tt.hops), nil, nil, "")
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			defer resp.Release()
			if resp.Status != tt.wantStatus || requests.Load() != tt.wantRequests {
				t.Fatalf("status %d after %d requests, want %d after %d", resp.Status, requests.Load(), tt.wantStatus, tt.wantRequests)
			}
			if tt.wantStatus == 200 && string(resp.Value.GetStringBytes("method")) != "GET" {
				t.Fatalf("value = %v", resp.Value)
			}
			if tt.wantStatus != 200 && resp.Value != nil {
				t.Fatalf("a redirect's HTML body parsed as %v", resp.Value)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	type seen struct{ header http.Header }
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Header.Clone()}
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, transport.Options{
		Headers:        map[string]string{"X-Gateway": "weft", "x-lower": "canonical"},
		ForwardHeaders: []string{"authorization", "X-Tenant", "X-Absent"},
	})
	client := http.Header{
		"Authorization":   {"Bearer t0k3n"},
		"X-Tenant":        {"acme", "beta"},
		"Cookie":          {"session=secret"},
		"X-Forwarded-For": {"10.0.0.1"},
		"User-Agent":      {"browser"},
	}
	tests := []struct {
		name   string
		call   upstreams.Call
		want   http.Header
		absent []string
	}{
		{
			name: "static, forwarded and request id",
			call: upstreams.Call{ClientHeader: client, RequestID: "req-1"},
			want: http.Header{
				"X-Gateway": {"weft"}, "X-Lower": {"canonical"}, "Authorization": {"Bearer t0k3n"},
				"X-Tenant": {"acme", "beta"}, "X-Request-Id": {"req-1"},
			},
			absent: []string{"Cookie", "X-Forwarded-For", "X-Absent"},
		},
		{
			name:   "no client header, no request id",
			call:   upstreams.Call{},
			want:   http.Header{"X-Gateway": {"weft"}, "X-Lower": {"canonical"}},
			absent: []string{"Authorization", "X-Tenant", "X-Request-Id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := c.Header(&tt.call)
			resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, h, nil, "")
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			resp.Release()
			s := <-got
			for k, want := range tt.want {
				if g := s.header.Values(k); strings.Join(g, "|") != strings.Join(want, "|") {
					t.Errorf("server saw %s = %q, want %q", k, g, want)
				}
			}
			for _, k := range tt.absent {
				if v, ok := s.header[k]; ok {
					t.Errorf("server saw %s = %q, want it absent", k, v)
				}
			}
		})
	}
	// A call's header is its own: changing it changes neither the
	// upstream's static headers nor the client's.
	h := c.Header(&upstreams.Call{ClientHeader: client})
	h.Add("X-Gateway", "more")
	h.Add("X-Tenant", "gamma")
	h.Set("Authorization", "other")
	h2 := c.Header(&upstreams.Call{ClientHeader: client})
	if v := h2.Values("X-Gateway"); len(v) != 1 || v[0] != "weft" {
		t.Errorf("static header changed to %q", v)
	}
	if v := client.Values("X-Tenant"); len(v) != 2 || client.Get("Authorization") != "Bearer t0k3n" {
		t.Errorf("client header changed to %v", client)
	}
}

func TestConnectionsReused(t *testing.T) {
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/error":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "<html>oops</html>")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			_, _ = io.WriteString(w, `{"ok":true}`)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newClient(t, transport.Options{})
	paths := []string{"/", "/error", "/empty", "/", "/error", "/"}
	for i := range 3 {
		for _, p := range paths {
			method, body := http.MethodGet, []byte(nil)
			if i == 1 {
				method, body = http.MethodPost, []byte(`{"q":1}`)
			}
			resp, err := c.Send(context.Background(), method, srv.URL+p, nil, body, "")
			if err != nil {
				t.Fatalf("Send %s: %v", p, err)
			}
			resp.Release()
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Fatalf("%d sequential calls opened %d connections, want 1", 3*len(paths), conns)
	}
}

func TestSendBadRequest(t *testing.T) {
	c := newClient(t, transport.Options{})
	_, err := c.Send(context.Background(), "BAD METHOD", "http://127.0.0.1/", nil, nil, "")
	upstreamError(t, err, upstreams.CodeBadRequest)
	_, err = c.Send(context.Background(), http.MethodGet, "http://127.0.0.1/\x7f", nil, nil, "")
	upstreamError(t, err, upstreams.CodeBadRequest)
}

// TestSendConcurrent runs calls from many goroutines over one client, for
// the race detector: parsers and buffers are pooled.
func TestSendConcurrent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"n":%s,"pad":%q}`, r.URL.Query().Get("n"), strings.Repeat("p", 1000))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, transport.Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 32 {
		wg.Go(func() {
			for i := range 20 {
				n := g*100 + i
				resp, err := c.Send(context.Background(), http.MethodGet, srv.URL+"/?n="+strconv.Itoa(n), nil, nil, "")
				if err != nil {
					errs <- err
					return
				}
				if got := resp.Value.GetInt("n"); got != n {
					errs <- fmt.Errorf("call %d read %d", n, got)
				}
				resp.Release()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDetach checks that a detached response's value stays valid after
// Release and is freed by the returned function.
func TestDetach(t *testing.T) {
	srv := httptest.NewServer(jsonHandler(`{"k":"v"}`))
	t.Cleanup(srv.Close)
	c := newClient(t, transport.Options{})
	resp, err := c.Send(context.Background(), http.MethodGet, srv.URL, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	free := resp.Detach()
	if free == nil {
		t.Fatal("Detach returned nil for a parsed value")
	}
	resp.Release() // a no-op now
	if string(resp.Value.GetStringBytes("k")) != "v" {
		t.Fatalf("value after Release = %v", resp.Value)
	}
	free()
}

// rawResponse reads one raw HTTP answer; used to check what a hijacking
// handler writes, so the broken-connection cases test what they claim.
func rawResponse(t *testing.T, url string) error {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return err
}

func TestHijackTruncates(t *testing.T) {
	srv := httptest.NewServer(hijack("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", false))
	t.Cleanup(srv.Close)
	if err := rawResponse(t, srv.URL); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading the truncated answer: %v, want unexpected EOF", err)
	}
}
