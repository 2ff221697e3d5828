// Package soaptest is a real SOAP server for tests of the SOAP upstream:
// an httptest server that answers the operations of a Service (one per
// WSDL fixture of upstreams/soap/wsdl/testdata/wsdl: Shipping, Legacy,
// Inventory, Edge) with answers computed from what it read. It is written
// with encoding/xml alone, apart from the codec it tests, and holds the
// gateway to the protocol: each request must be a POST of a well-formed
// envelope of the SOAP version its Content-Type names (text/xml with a
// SOAPAction header for SOAP 1.1, application/soap+xml with an action
// parameter for SOAP 1.2), at the operation's port address, with the
// operation's action; anything else is a violation, reported to the test.
// Every request is recorded, parsed, for assertions, and each operation
// can be set to fail: a fault, an HTTP error, a broken or hostile body, an
// answer that never comes.
//
//	s := soaptest.Start(t, soaptest.Shipping(), soaptest.Options{})
//	wsdl, _ := s.WriteFixture(fixtures, dir) // the WSDL, its addresses at s
//	// ... call the gateway ...
//	req := s.Last("ShippingPort/GetQuote")
//	req.Body.Get("Parcel[0]/Weight")
package soaptest

import (
	"bytes"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Versions of SOAP.
const (
	V11 = "1.1"
	V12 = "1.2"
)

// maxRequest bounds a request's body.
const maxRequest = 1 << 20

// Operation is one operation a Service answers.
type Operation struct {
	// Name is how tests name it: "Port/Operation", or
	// "Service/Port/Operation" where two services' ports share a name, as
	// the importer names operations.
	Name string
	// Path is the path of its port's address (soap:address location).
	Path string
	// Version is its binding's SOAP version.
	Version string
	// Action is the soapAction the binding gives ("" for none).
	Action string
	// Element is the body's element: the document's part element, or the
	// rpc wrapper. The zero Name stands for an empty body.
	Element xml.Name
	// Handle computes the answer from the request.
	Handle func(r *Request) Answer
}

// Service is the operations of one WSDL fixture.
type Service struct {
	// Fixture is the WSDL's path below the fixtures directory
	// ("shipping/shipping.wsdl"); its folder holds the files it imports.
	Fixture    string
	Operations []*Operation
}

// Answer is what an operation answers.
type Answer struct {
	// Status is the HTTP status; 0 is 200, or for a fault 500 (a SOAP 1.2
	// Sender fault 400). 202 sends no body at all, as a one-way operation
	// is answered.
	Status int
	// Header holds soap:Header entries.
	Header []*Node
	// Body is the Body's element; nil leaves the Body empty.
	Body *Node
	// Fault, when set, is sent instead of Body.
	Fault *Fault
}

// Fault is a SOAP Fault, written in the request's SOAP version.
type Fault struct {
	// Code is the code's local name in the envelope's namespace (Client,
	// Server for SOAP 1.1; Sender, Receiver for SOAP 1.2), with SOAP 1.1's
	// dotted refinements (Client.Authentication).
	Code string
	// Subcode is SOAP 1.2's first Subcode/Value.
	Subcode xml.Name
	// String is faultstring, or the English Reason/Text.
	String string
	// Actor is faultactor, or SOAP 1.2's Role; Node is SOAP 1.2's Node.
	Actor, Node string
	// Detail holds the detail element's children.
	Detail []*Node
}

// Mode makes an operation misbehave, for tests of failures. The request is
// read, checked and recorded first, as ever.
type Mode struct {
	// Fault is answered instead of the operation's answer.
	Fault *Fault
	// Status replaces the answer's HTTP status.
	Status int
	// Raw is sent as the whole body instead of an envelope, with
	// ContentType (text/xml by default).
	Raw         []byte
	ContentType string
	// Cut sends only the first half of the envelope: truncated XML.
	Cut bool
	// EnvelopeNS writes the envelope in this namespace instead of the
	// request's SOAP version's.
	EnvelopeNS string
	// Pad adds a comment of this many bytes to the envelope, which stays
	// valid: an oversized answer.
	Pad int
	// Hold answers nothing until the client goes away or the server
	// closes: a server slower than any timeout.
	Hold bool
}

// Request is a request as the server read it.
type Request struct {
	// Operation is the Name of the operation it was dispatched to.
	Operation string
	Path      string
	Header    http.Header
	// Version is the SOAP version its Content-Type named, and Action the
	// action it gave (the SOAPAction header unquoted, or the action
	// parameter).
	Version, Action string
	// Envelope is the body as sent.
	Envelope []byte
	// Headers are the soap:Header entries.
	Headers []*Node
	// Body is the Body's element; nil for an empty body.
	Body *Node
}

// SOAPHeader returns the soap:Header entry of this local name, or nil.
func (r *Request) SOAPHeader(local string) *Node {
	for _, h := range r.Headers {
		if h.Name.Local == local {
			return h
		}
	}
	return nil
}

// Options configure a Server.
type Options struct {
	// TLS serves HTTPS with a self-signed certificate (see CertPEM).
	TLS bool
	// OnViolation receives each request the server refuses because it is
	// not what the WSDL asks for. Nil fails the test with t.Errorf.
	OnViolation func(error)
	// Handler, when set, wraps the server's handler: with a fault
	// injector's, say (faults.Injector.HTTP).
	Handler func(http.Handler) http.Handler
	// Listener, when set, wraps the server's listener
	// (faults.Injector.Listener).
	Listener func(net.Listener) net.Listener
}

// Server is a running SOAP service.
type Server struct {
	t     testing.TB
	opts  Options
	svc   *Service
	http  *httptest.Server
	done  chan struct{}
	close sync.Once

	mu    sync.Mutex
	modes map[string]Mode
	reqs  map[string][]*Request
}

// Start serves svc on a loopback port until the test ends.
func Start(t testing.TB, svc *Service, opts Options) *Server {
	t.Helper()
	names := map[string]bool{}
	for _, op := range svc.Operations {
		if names[op.Name] {
			t.Fatalf("soaptest: operation %s twice", op.Name)
		}
		names[op.Name] = true
	}
	s := &Server{t: t, opts: opts, svc: svc, done: make(chan struct{}), modes: map[string]Mode{}, reqs: map[string][]*Request{}}
	var h http.Handler = http.HandlerFunc(s.serve)
	if opts.Handler != nil {
		h = opts.Handler(h)
	}
	s.http = httptest.NewUnstartedServer(h)
	if opts.Listener != nil {
		s.http.Listener = opts.Listener(s.http.Listener)
	}
	// A client that refuses the certificate is what some tests check,
	// not news for the test's log.
	s.http.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.http.StartTLS()
	} else {
		s.http.Start()
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the server's base URL, without a path.
func (s *Server) URL() string { return s.http.URL }

// CertPEM is the certificate of a TLS server in PEM, for a client to
// trust; nil without TLS.
func (s *Server) CertPEM() []byte {
	if s.http.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.http.Certificate().Raw})
}

// Close stops the server; answers held end first.
func (s *Server) Close() {
	s.close.Do(func() {
		close(s.done)
		s.http.Close()
	})
}

// Set makes an operation misbehave until Clear.
func (s *Server) Set(op string, m Mode) {
	s.mustKnow(op)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.modes[op] = m
}

// Clear makes an operation answer normally again.
func (s *Server) Clear(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.modes, op)
}

// Calls is how many requests reached an operation.
func (s *Server) Calls(op string) int {
	s.mustKnow(op)
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs[op])
}

// Requests returns the requests an operation received, in order.
func (s *Server) Requests(op string) []*Request {
	s.mustKnow(op)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Request(nil), s.reqs[op]...)
}

// Last returns the last request an operation received; none fails the
// test.
func (s *Server) Last(op string) *Request {
	s.t.Helper()
	reqs := s.Requests(op)
	if len(reqs) == 0 {
		s.t.Fatalf("soaptest: %s received no request", op)
	}
	return reqs[len(reqs)-1]
}

// Reset forgets the requests received.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = map[string][]*Request{}
}

func (s *Server) mustKnow(op string) {
	for _, o := range s.svc.Operations {
		if o.Name == op {
			return
		}
	}
	s.t.Helper()
	s.t.Fatalf("soaptest: the service has no operation %s", op)
}

// violation is a request the server refuses.
type violation struct{ msg string }

func (v *violation) Error() string { return "soaptest: " + v.msg }

func violationf(format string, args ...any) error {
	return &violation{msg: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	op, req, err := s.read(r)
	if err != nil {
		err = fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, err)
		if s.opts.OnViolation != nil {
			s.opts.OnViolation(err)
		} else {
			s.t.Errorf("%v", err)
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.reqs[op.Name] = append(s.reqs[op.Name], req)
	mode, odd := s.modes[op.Name]
	s.mu.Unlock()
	if mode.Hold {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return
	}
	if mode.Raw != nil {
		ct := mode.ContentType
		if ct == "" {
			ct = "text/xml; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(statusOr(mode.Status, http.StatusOK))
		_, _ = w.Write(mode.Raw)
		return
	}
	var ans Answer
	if mode.Fault != nil {
		ans = Answer{Fault: mode.Fault}
	} else {
		ans = op.Handle(req)
	}
	status := ans.Status
	if status == 0 {
		status = http.StatusOK
		if ans.Fault != nil {
			status = http.StatusInternalServerError
			if req.Version == V12 && ans.Fault.Code == "Sender" {
				status = http.StatusBadRequest
			}
		}
	}
	if odd && mode.Status != 0 {
		status = mode.Status
	}
	if status == http.StatusAccepted && ans.Fault == nil && ans.Body == nil {
		w.WriteHeader(status)
		return
	}
	envNS := envelopeNS(req.Version)
	if mode.EnvelopeNS != "" {
		envNS = mode.EnvelopeNS
	}
	body := render(envNS, req.Version, ans, mode.Pad)
	if mode.Cut {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", contentType(req.Version))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func statusOr(status, def int) int {
	if status == 0 {
		return def
	}
	return status
}

func envelopeNS(version string) string {
	if version == V12 {
		return NS12
	}
	return NS11
}

func contentType(version string) string {
	if version == V12 {
		return "application/soap+xml; charset=utf-8"
	}
	return "text/xml; charset=utf-8"
}

// read checks a request against the protocol and the service, and parses
// it.
func (s *Server) read(r *http.Request) (*Operation, *Request, error) {
	if r.Method != http.MethodPost {
		return nil, nil, violationf("method %s: SOAP over HTTP POSTs", r.Method)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil {
		return nil, nil, violationf("reading the body: %v", err)
	}
	if len(body) > maxRequest {
		return nil, nil, violationf("a body over %d bytes", maxRequest)
	}
	req := &Request{Path: r.URL.Path, Header: r.Header.Clone(), Envelope: body}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, nil, violationf("Content-Type %q: %v", r.Header.Get("Content-Type"), err)
	}
	if cs := params["charset"]; !strings.EqualFold(cs, "utf-8") {
		return nil, nil, violationf("Content-Type %q: want charset=utf-8", r.Header.Get("Content-Type"))
	}
	actionHeader, hasActionHeader := r.Header["Soapaction"]
	switch mt {
	case "text/xml":
		req.Version = V11
		if !hasActionHeader || len(actionHeader) != 1 {
			return nil, nil, violationf("a SOAP 1.1 request needs one SOAPAction header, got %q", actionHeader)
		}
		v := actionHeader[0]
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, nil, violationf("SOAPAction %s is not a quoted string", v)
		}
		req.Action = v[1 : len(v)-1]
		if _, ok := params["action"]; ok {
			return nil, nil, violationf("a SOAP 1.1 Content-Type with an action parameter: %q", r.Header.Get("Content-Type"))
		}
	case "application/soap+xml":
		req.Version = V12
		req.Action = params["action"]
		if hasActionHeader {
			return nil, nil, violationf("a SOAP 1.2 request with a SOAPAction header %q: the action goes in the Content-Type", actionHeader)
		}
	default:
		return nil, nil, violationf("Content-Type %q is neither SOAP 1.1's text/xml nor SOAP 1.2's application/soap+xml", mt)
	}
	root, err := parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, violationf("the body is not well-formed XML: %v\n%s", err, body)
	}
	envNS := envelopeNS(req.Version)
	if root.Name != (xml.Name{Space: envNS, Local: "Envelope"}) {
		return nil, nil, violationf("the root is {%s}%s, not SOAP %s's Envelope\n%s", root.Name.Space, root.Name.Local, req.Version, body)
	}
	var envBody *Node
	for i, c := range root.Children {
		switch {
		case c.Name == xml.Name{Space: envNS, Local: "Header"} && i == 0:
			req.Headers = c.Children
		case c.Name == xml.Name{Space: envNS, Local: "Body"} && envBody == nil:
			envBody = c
		default:
			return nil, nil, violationf("the envelope holds {%s}%s where only Header then Body may be\n%s", c.Name.Space, c.Name.Local, body)
		}
	}
	if envBody == nil {
		return nil, nil, violationf("the envelope has no Body\n%s", body)
	}
	if strings.TrimSpace(root.Text) != "" || strings.TrimSpace(envBody.Text) != "" {
		return nil, nil, violationf("text in the envelope or its body\n%s", body)
	}
	var element xml.Name
	switch len(envBody.Children) {
	case 0:
	case 1:
		req.Body = envBody.Children[0]
		element = req.Body.Name
	default:
		return nil, nil, violationf("the Body holds %d elements; a literal request holds one\n%s", len(envBody.Children), body)
	}
	var candidates []*Operation
	for _, op := range s.svc.Operations {
		if op.Version == req.Version && op.Element == element {
			candidates = append(candidates, op)
		}
	}
	if len(candidates) == 0 {
		return nil, nil, violationf("no SOAP %s operation takes the body element {%s}%s\n%s", req.Version, element.Space, element.Local, body)
	}
	op := candidates[0]
	for _, c := range candidates {
		if c.Action == req.Action {
			op = c
			break
		}
	}
	if op.Action != req.Action {
		return nil, nil, violationf("%s: action %q, the WSDL says %q", op.Name, req.Action, op.Action)
	}
	if op.Path != r.URL.Path {
		return nil, nil, violationf("%s: sent to %s, its port's address is %s", op.Name, r.URL.Path, op.Path)
	}
	req.Operation = op.Name
	return op, req, nil
}

// render writes an answer's envelope.
func render(envNS, version string, ans Answer, pad int) []byte {
	var roots []*Node
	roots = append(roots, ans.Header...)
	roots = append(roots, ans.Body)
	if f := ans.Fault; f != nil {
		roots = append(roots, f.Detail...)
		if f.Subcode.Space != "" {
			roots = append(roots, &Node{Name: f.Subcode})
		}
	}
	w := newWriter(roots, envNS, NSXSI, NSXSD)
	if w.prefixes[envNS] == "" || w.prefixes[envNS][0] == 'n' {
		// A namespace foreign to SOAP (the wrong-namespace mode) still
		// writes as soap:.
		w.prefixes[envNS] = "soap"
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString("<soap:Envelope")
	w.declarations(&b)
	b.WriteByte('>')
	if pad > 0 {
		b.WriteString("<!--")
		b.WriteString(strings.Repeat("x", pad))
		b.WriteString("-->")
	}
	if len(ans.Header) > 0 {
		b.WriteString("<soap:Header>")
		for _, h := range ans.Header {
			w.element(&b, h, false)
		}
		b.WriteString("</soap:Header>")
	}
	b.WriteString("<soap:Body>")
	switch {
	case ans.Fault != nil:
		writeFault(&b, w, version, ans.Fault)
	case ans.Body != nil:
		w.element(&b, ans.Body, false)
	}
	b.WriteString("</soap:Body></soap:Envelope>\n")
	return b.Bytes()
}

func writeFault(b *bytes.Buffer, w *writer, version string, f *Fault) {
	text := func(tag, s string) {
		b.WriteString("<" + tag + ">")
		_ = xml.EscapeText(b, []byte(s))
		b.WriteString("</" + tag + ">")
	}
	b.WriteString("<soap:Fault>")
	if version == V12 {
		b.WriteString("<soap:Code>")
		text("soap:Value", "soap:"+f.Code)
		if f.Subcode.Local != "" {
			b.WriteString("<soap:Subcode>")
			text("soap:Value", w.name(f.Subcode))
			b.WriteString("</soap:Subcode>")
		}
		b.WriteString(`</soap:Code><soap:Reason><soap:Text xml:lang="en">`)
		_ = xml.EscapeText(b, []byte(f.String))
		b.WriteString("</soap:Text></soap:Reason>")
		if f.Node != "" {
			text("soap:Node", f.Node)
		}
		if f.Actor != "" {
			text("soap:Role", f.Actor)
		}
		if len(f.Detail) > 0 {
			b.WriteString("<soap:Detail>")
			for _, d := range f.Detail {
				w.element(b, d, false)
			}
			b.WriteString("</soap:Detail>")
		}
	} else {
		text("faultcode", "soap:"+f.Code)
		text("faultstring", f.String)
		if f.Actor != "" {
			text("faultactor", f.Actor)
		}
		if len(f.Detail) > 0 {
			b.WriteString("<detail>")
			for _, d := range f.Detail {
				w.element(b, d, false)
			}
			b.WriteString("</detail>")
		}
	}
	b.WriteString("</soap:Fault>")
}

// ClientFault is the fault a service answers a request it cannot serve
// with: Client in SOAP 1.1, Sender in SOAP 1.2.
func ClientFault(r *Request, msg string, detail ...*Node) Answer {
	code := "Client"
	if r.Version == V12 {
		code = "Sender"
	}
	return Answer{Fault: &Fault{Code: code, String: msg, Detail: detail}}
}
