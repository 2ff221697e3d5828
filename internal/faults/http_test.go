package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/internal/faults"
)

// Every test stops what it starts: no handler outlives its request.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Real answers of the test servers, one per protocol.
const (
	jsonAnswer    = `{"name":"lamp","price":12,"inStock":true,"tags":["a","bc"]}`
	graphQLAnswer = `{"data":{"item":{"name":"lamp","price":12}},"extensions":{"cost":3}}`
	soapAnswer    = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">` +
		`<soap:Body><Item xmlns="urn:shop" kind="a>b" n='7'><Name>lamp</Name><Price>12</Price><InStock> true </InStock><!-- 7 --></Item></soap:Body></soap:Envelope>`
)

var protocols = []struct {
	name   string
	p      faults.Protocol
	answer string
	method string
	ctype  string
}{
	{"json", faults.JSON, jsonAnswer, http.MethodGet, "application/json"},
	{"graphql", faults.GraphQL, graphQLAnswer, http.MethodPost, "application/json"},
	{"soap", faults.SOAP, soapAnswer, http.MethodPost, "text/xml; charset=utf-8"},
}

// httpServer is a real server of one protocol behind an Injector.
type httpServer struct {
	inj     *faults.Injector
	srv     *httptest.Server
	handled atomic.Int64 // calls the real handler answered
	method  string
}

func startHTTP(t *testing.T, p faults.Protocol, answer, method, ctype string) *httpServer {
	t.Helper()
	s := &httpServer{inj: faults.New(faults.OK()), method: method}
	real := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		s.handled.Add(1)
		w.Header().Set("Content-Type", ctype)
		_, _ = io.WriteString(w, answer)
	})
	s.srv = httptest.NewUnstartedServer(s.inj.HTTP(real, p))
	s.srv.Listener = s.inj.Listener(s.srv.Listener)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// call sends one request and reads the whole answer.
func (s *httpServer) call(ctx context.Context, header ...string) (*http.Response, []byte, error) {
	var body io.Reader
	if s.method == http.MethodPost {
		body = strings.NewReader(`{"query":"{ item { name price } }"}`)
	}
	req, err := http.NewRequestWithContext(ctx, s.method, s.srv.URL, body)
	if err != nil {
		return nil, nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestHTTPFaults(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto.name, func(t *testing.T) {
			t.Parallel()
			s := startHTTP(t, proto.p, proto.answer, proto.method, proto.ctype)
			ctx := context.Background()

			t.Run("ok", func(t *testing.T) {
				resp, body, err := s.call(ctx)
				if err != nil || resp.StatusCode != 200 || string(body) != proto.answer {
					t.Fatalf("status %v, body %s, err %v", resp, body, err)
				}
			})

			t.Run("slow", func(t *testing.T) {
				s.inj.Set(faults.Slow(50 * time.Millisecond))
				defer s.inj.Set(faults.OK())
				start := time.Now()
				_, body, err := s.call(ctx)
				if err != nil || string(body) != proto.answer {
					t.Fatalf("body %s, err %v", body, err)
				}
				if took := time.Since(start); took < 50*time.Millisecond {
					t.Errorf("answered after %s, want at least 50ms", took)
				}
				// A caller that gives up first: the handler is not run.
				s.inj.Set(faults.Slow(time.Hour))
				handled := s.handled.Load()
				short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				if _, _, err := s.call(short); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err %v, want the caller's deadline", err)
				}
				s.inj.Set(faults.OK())
				s.call(ctx) // the held request has ended once the next is served
				if n := s.handled.Load() - handled; n != 1 {
					t.Errorf("the real handler ran %d times, want 1 (the slow request was dropped)", n)
				}
			})

			t.Run("hang", func(t *testing.T) {
				s.inj.Set(faults.Hang())
				defer s.inj.Set(faults.OK())
				short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
				if _, _, err := s.call(short); !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err %v, want the caller's deadline", err)
				}
			})

			t.Run("down", func(t *testing.T) {
				// A keep-alive connection from the last call is open: Down
				// breaks it as well as new ones.
				if _, _, err := s.call(ctx); err != nil {
					t.Fatal(err)
				}
				s.inj.Set(faults.Down())
				calls := s.inj.Calls()
				for range 3 {
					if _, _, err := s.call(ctx); !isReset(err) {
						t.Fatalf("err %v, want a connection reset", err)
					}
				}
				if n := s.inj.Calls() - calls; n != 0 {
					t.Errorf("%d calls reached the handler while down", n)
				}
				s.inj.Set(faults.OK())
				if _, body, err := s.call(ctx); err != nil || string(body) != proto.answer {
					t.Fatalf("back up: body %s, err %v", body, err)
				}
			})

			t.Run("reset", func(t *testing.T) {
				s.inj.Set(faults.Reset())
				defer s.inj.Set(faults.OK())
				resp, body, err := s.call(ctx)
				if err == nil {
					t.Fatalf("a reset answer read whole: %s", body)
				}
				// The status line and headers came, then part of the body
				// (or the reset overtook it).
				if !isReset(err) {
					t.Fatalf("err %v, want the answer's head then a reset", err)
				}
				if resp != nil {
					if resp.StatusCode != 200 || resp.ContentLength != int64(len(proto.answer)) || !strings.HasPrefix(proto.answer, string(body)) {
						t.Errorf("status %d, length %d, body %q", resp.StatusCode, resp.ContentLength, body)
					}
				}
			})

			t.Run("status", func(t *testing.T) {
				s.inj.Set(faults.Status(503, 1500*time.Millisecond))
				defer s.inj.Set(faults.OK())
				resp, body, err := s.call(ctx)
				if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "2" {
					t.Fatalf("status %v, err %v", resp, err)
				}
				switch proto.p {
				case faults.JSON:
					equalJSON(t, body, `{"error":"injected fault: HTTP 503 Service Unavailable"}`)
				case faults.GraphQL:
					equalJSON(t, body, `{"errors":[{"message":"injected fault: HTTP 503 Service Unavailable"}]}`)
				case faults.SOAP:
					// Not a fault: what a proxy in front answers.
					if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
						t.Errorf("content type %q", resp.Header.Get("Content-Type"))
					}
				}
			})

			t.Run("malformed", func(t *testing.T) {
				s.inj.Set(faults.Malformed())
				defer s.inj.Set(faults.OK())
				resp, body, err := s.call(ctx)
				if err != nil || resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
					t.Fatalf("status %v, err %v", resp, err)
				}
				if !strings.HasPrefix(proto.answer, string(body)) || len(body) >= len(proto.answer) {
					t.Errorf("body %q is not the answer cut short", body)
				}
				if wellFormed(proto.p, body) {
					t.Errorf("body %q parses", body)
				}
			})

			t.Run("huge", func(t *testing.T) {
				const n = 1<<20 + 7
				s.inj.Set(faults.Huge(n))
				defer s.inj.Set(faults.OK())
				resp, body, err := s.call(ctx)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("status %v, err %v", resp, err)
				}
				if len(body) != n || resp.ContentLength != -1 || !wellFormed(proto.p, body) {
					t.Errorf("%d bytes, Content-Length %d, well-formed %v", len(body), resp.ContentLength, wellFormed(proto.p, body))
				}
				// A client that stops reading: the handler gives up.
				req, _ := http.NewRequestWithContext(ctx, s.method, s.srv.URL, strings.NewReader("{}"))
				resp, err = s.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(resp.Body, make([]byte, 100)); err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			})
		})
	}
}

// TestWrongTypes: each protocol's answer with its values' types swapped,
// still well-formed.
func TestWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		p    faults.Protocol
		real string
		want string
	}{
		{"json", faults.JSON, jsonAnswer, `{"name":4,"price":"12","inStock":"true","tags":[1,2]}`},
		{"graphql keeps errors and extensions", faults.GraphQL,
			`{"data":{"item":{"name":"lamp","price":12,"tags":null}},"errors":[{"message":"partial","path":["item","x"]}],"extensions":{"cost":3}}`,
			`{"data":{"item":{"name":4,"price":"12","tags":null}},"errors":[{"message":"partial","path":["item","x"]}],"extensions":{"cost":3}}`},
		{"soap", faults.SOAP, soapAnswer, strings.NewReplacer(">lamp<", ">12345<", ">12<", ">wrong<", "> true <", "> wrong <", "'7'", "'wrong'").Replace(soapAnswer)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startHTTP(t, tt.p, tt.real, http.MethodPost, "application/json")
			s.inj.Set(faults.WrongTypes())
			resp, body, err := s.call(context.Background())
			if err != nil || resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
				t.Fatalf("status %v, err %v", resp, err)
			}
			if tt.p == faults.SOAP {
				if string(body) != tt.want || !wellFormed(tt.p, body) {
					t.Errorf("got  %s\nwant %s", body, tt.want)
				}
				return
			}
			equalJSON(t, body, tt.want)
		})
	}
}

// TestSOAPFaults: a 500 is a SOAP Fault in the request's SOAP version,
// with the message given.
func TestSOAPFaults(t *testing.T) {
	s := startHTTP(t, faults.SOAP, soapAnswer, http.MethodPost, "text/xml")
	s.inj.Set(faults.Status(500, 0).WithMessage("the quote engine is down <really>"))
	for _, v := range []struct{ ctype, ns, want string }{
		{"text/xml; charset=utf-8", "http://schemas.xmlsoap.org/soap/envelope/", "faultstring"},
		{`application/soap+xml; charset=utf-8; action="urn:x"`, "http://www.w3.org/2003/05/soap-envelope", "Text"},
	} {
		resp, body, err := s.call(context.Background(), "Content-Type", v.ctype)
		if err != nil || resp.StatusCode != 500 {
			t.Fatalf("status %v, err %v", resp, err)
		}
		var env struct {
			XMLName xml.Name
			Text    string `xml:",any"`
		}
		if err := xml.Unmarshal(body, &env); err != nil || env.XMLName.Space != v.ns {
			t.Fatalf("envelope %s: %v", body, err)
		}
		if !bytes.Contains(body, []byte(">the quote engine is down &lt;really&gt;</")) || !bytes.Contains(body, []byte(v.want)) {
			t.Errorf("fault %s", body)
		}
	}
}

// TestSetFor: a fault set for n calls serves them, then OK; a Down set so
// breaks the connection of its calls, and the listener accepts as ever.
func TestSetFor(t *testing.T) {
	// POST: a client retries a GET that met a reset connection by itself.
	s := startHTTP(t, faults.GraphQL, graphQLAnswer, http.MethodPost, "application/json")
	ctx := context.Background()
	s.inj.SetFor(faults.Status(503, 0), 2)
	if f := s.inj.Fault(); f != faults.Status(503, 0) {
		t.Fatalf("fault %v", f)
	}
	for i, want := range []int{503, 503, 200, 200} {
		if resp, _, err := s.call(ctx); err != nil || resp.StatusCode != want {
			t.Fatalf("call %d: %v, %v; want %d", i, resp, err, want)
		}
	}
	if f := s.inj.Fault(); f != faults.OK() {
		t.Errorf("fault %v after the calls, want ok", f)
	}
	s.inj.SetFor(faults.Down(), 1)
	if _, _, err := s.call(ctx); !isReset(err) {
		t.Fatalf("err %v, want a connection reset", err)
	}
	if _, body, err := s.call(ctx); err != nil || string(body) != graphQLAnswer {
		t.Fatalf("after the reset: %s, %v", body, err)
	}
	if n := s.inj.Calls(); n != 6 {
		t.Errorf("%d calls counted, want 6", n)
	}
}

// TestListenerDown: while down, a new connection is reset before any
// byte (or before the dial returns); the Injector's counter sees no call.
func TestListenerDown(t *testing.T) {
	inj := faults.New(faults.Down())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: inj.HTTP(http.NotFoundHandler(), faults.JSON), ReadHeaderTimeout: time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(inj.Listener(l)) }()
	defer func() { _ = srv.Close(); <-done }()

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		// The reset can overtake the dial's own end of the handshake.
		if !isReset(err) {
			t.Fatalf("dial: %v, want a reset", err)
		}
		return
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	// The reset is reported once, to whichever of the write and the read
	// meets it first (a write after it consumes it, and the read then
	// sees the end of the stream).
	_, werr := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	n, err := c.Read(make([]byte, 10))
	if n != 0 || !isReset(err) && !isReset(werr) {
		t.Fatalf("read %d bytes, err %v (write: %v): want a reset", n, err, werr)
	}
	if inj.Calls() != 0 {
		t.Errorf("%d calls counted", inj.Calls())
	}
}

func TestFaultString(t *testing.T) {
	tests := []struct {
		f    faults.Fault
		want string
	}{
		{faults.OK(), "ok"},
		{faults.Fault{}, "ok"},
		{faults.Slow(200 * time.Millisecond), "slow(200ms)"},
		{faults.Hang(), "hang"},
		{faults.Down(), "down"},
		{faults.Reset(), "reset"},
		{faults.Status(503, 0), "status(503)"},
		{faults.Status(429, time.Second), "status(429, retry after 1s)"},
		{faults.Malformed(), "malformed"},
		{faults.WrongTypes(), "wrong types"},
		{faults.Huge(1 << 20), "huge(1048576)"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.f, got, tt.want)
		}
	}
	if (&faults.Injector{}).Fault() != faults.OK() {
		t.Error("the zero Injector's fault is not OK")
	}
}

// isReset says whether err is a connection reset by the peer.
// isReset reports whether err is the connection dropped by the server: a
// reset, or, when the reset reached the client while it was still
// writing the request, a broken pipe.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// wellFormed says whether a body parses in its protocol.
func wellFormed(p faults.Protocol, body []byte) bool {
	if p != faults.SOAP {
		return json.Valid(body)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

func equalJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s", want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
