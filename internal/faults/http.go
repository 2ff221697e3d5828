package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// maxBuffered bounds a request body read ahead of a delay, and a real
// answer kept to be rewritten.
const maxBuffered = 16 << 20

// HTTP wraps next, which speaks p, with the Injector's faults. Wrap the
// server's listener with Listener too, for Down to reset connections as
// they are made rather than at their first request.
func (i *Injector) HTTP(next http.Handler, p Protocol) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := i.take()
		switch f.kind {
		case kindSlow:
			if wait(w, r, f.delay) {
				next.ServeHTTP(w, r)
			}
		case kindHang:
			wait(w, r, -1)
		case kindDown:
			abort(w, nil, 0)
		case kindReset:
			rec := record(next, r)
			abort(w, rec, len(rec.body.Bytes())/2)
		case kindStatus:
			writeStatus(w, r, p, f)
		case kindMalformed:
			rec := record(next, r)
			rec.replay(w, cut(rec.body.Bytes(), p))
		case kindWrongTypes:
			rec := record(next, r)
			body := rec.body.Bytes()
			if rec.status/100 == 2 {
				body = wrongTypes(body, p)
			}
			rec.replay(w, body)
		case kindHuge:
			writeHuge(w, r, p, f.size)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// wait holds a request for d (forever when d < 0) or until its caller gives
// up, and says whether it should still be answered. The body is read first:
// net/http notices a client that went away only once the body is read, and
// the real handler reads it from memory afterwards.
func wait(w http.ResponseWriter, r *http.Request, d time.Duration) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBuffered+1))
	if err != nil {
		return false
	}
	if len(body) > maxBuffered {
		http.Error(w, "faults: the request is too large to hold", http.StatusRequestEntityTooLarge)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var after <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		after = t.C
	}
	select {
	case <-after:
		return true
	case <-r.Context().Done():
		return false
	}
}

// recorder keeps a real answer to be rewritten.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func record(next http.Handler, r *http.Request) *recorder {
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if rec.body.Len()+len(b) > maxBuffered {
		return 0, fmt.Errorf("faults: the answer is larger than %d bytes", maxBuffered)
	}
	return rec.body.Write(b)
}

// replay writes the recorded answer with body in place of its own.
func (rec *recorder) replay(w http.ResponseWriter, body []byte) {
	h := w.Header()
	for k, v := range rec.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status)
	_, _ = w.Write(body)
}

// abort takes the connection over and resets it with a TCP RST, after
// writing rec's status line and headers, with its full Content-Length, and
// the first n bytes of its body when rec is not nil. Where the connection
// cannot be taken over (HTTP/2), what can be sent is flushed and the
// handler aborts, which resets the stream.
func abort(w http.ResponseWriter, rec *recorder, n int) {
	rc := http.NewResponseController(w)
	c, brw, err := rc.Hijack()
	if err != nil {
		if rec != nil {
			rec.writeHead(w.Header())
			w.WriteHeader(rec.status)
			_, _ = w.Write(rec.body.Bytes()[:n])
			_ = rc.Flush()
		}
		panic(http.ErrAbortHandler)
	}
	if rec != nil {
		fmt.Fprintf(brw, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
		h := http.Header{}
		rec.writeHead(h)
		_ = h.Write(brw)
		_, _ = brw.WriteString("\r\n")
		_, _ = brw.Write(rec.body.Bytes()[:n])
		_ = brw.Flush()
	}
	resetConn(c)
}

// writeHead copies rec's headers into h, declaring a body longer than the
// part of it a reset sends.
func (rec *recorder) writeHead(h http.Header) {
	for k, v := range rec.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	h.Set("Connection", "close")
	h.Set("Content-Length", strconv.Itoa(max(rec.body.Len(), 1)))
}

// cut returns the first half of a body; a body too short to halve is
// replaced with the start of a document of the protocol.
func cut(body []byte, p Protocol) []byte {
	if len(body) >= 2 {
		return body[:len(body)/2]
	}
	if p == SOAP {
		return []byte(`<?xml version="1.0"?><Envelope`)
	}
	return []byte(`{"`)
}

// wrongTypes rewrites a body per WrongTypes; a body it cannot read passes
// as it is.
func wrongTypes(body []byte, p Protocol) []byte {
	if p == SOAP {
		return wrongXML(body)
	}
	if out, ok := wrongJSON(body, p == GraphQL); ok {
		return out
	}
	return body
}

// soapVersion12 says whether a request is SOAP 1.2 (application/soap+xml).
func soapVersion12(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/soap+xml"
}

// Envelope namespaces of the SOAP versions.
const (
	soap11NS = "http://schemas.xmlsoap.org/soap/envelope/"
	soap12NS = "http://www.w3.org/2003/05/soap-envelope"
)

func writeStatus(w http.ResponseWriter, r *http.Request, p Protocol, f Fault) {
	h := w.Header()
	if f.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retryAfter.Seconds()))))
	}
	msg := f.statusMessage()
	var body []byte
	switch {
	case p == SOAP && f.status == http.StatusInternalServerError:
		body = soapFault(r, msg)
		if soapVersion12(r) {
			h.Set("Content-Type", "application/soap+xml; charset=utf-8")
		} else {
			h.Set("Content-Type", "text/xml; charset=utf-8")
		}
	case p == SOAP:
		h.Set("Content-Type", "text/plain; charset=utf-8")
		body = []byte(msg + "\n")
	case p == GraphQL:
		h.Set("Content-Type", "application/json")
		body, _ = json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg}}})
	default:
		h.Set("Content-Type", "application/json")
		body, _ = json.Marshal(map[string]any{"error": msg})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(f.status)
	_, _ = w.Write(body)
}

// soapFault is a Server (1.1) or Receiver (1.2) fault envelope.
func soapFault(r *http.Request, msg string) []byte {
	var text bytes.Buffer
	_ = xml.EscapeText(&text, []byte(msg))
	if soapVersion12(r) {
		return []byte(`<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="` + soap12NS + `"><env:Body><env:Fault>` +
			`<env:Code><env:Value>env:Receiver</env:Value></env:Code><env:Reason><env:Text xml:lang="en">` + text.String() +
			`</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`)
	}
	return []byte(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="` + soap11NS + `"><soap:Body><soap:Fault>` +
		`<faultcode>soap:Server</faultcode><faultstring>` + text.String() + `</faultstring></soap:Fault></soap:Body></soap:Envelope>`)
}

// hugeChunk is how much padding a Huge answer writes at a time.
const hugeChunk = 32 << 10

// writeHuge streams a well-formed answer of n bytes in chunks, stopping when
// the client stops reading.
func writeHuge(w http.ResponseWriter, r *http.Request, p Protocol, n int64) {
	var prefix, suffix, ct string
	switch p {
	case SOAP:
		ns, env := soap11NS, "text/xml; charset=utf-8"
		if soapVersion12(r) {
			ns, env = soap12NS, "application/soap+xml; charset=utf-8"
		}
		prefix = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="` + ns + `"><soap:Body><Padding>`
		suffix, ct = `</Padding></soap:Body></soap:Envelope>`, env
	case GraphQL:
		prefix, suffix, ct = `{"data":{"padding":"`, `"}}`, "application/json"
	default:
		prefix, suffix, ct = `{"padding":"`, `"}`, "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, hugeChunk)
	chunk := bytes.Repeat([]byte{'x'}, hugeChunk)
	_, _ = bw.WriteString(prefix)
	for left := n - int64(len(prefix)+len(suffix)); left > 0; {
		if r.Context().Err() != nil {
			return
		}
		k := min(left, hugeChunk)
		if _, err := bw.Write(chunk[:k]); err != nil {
			return
		}
		left -= k
	}
	_, _ = bw.WriteString(suffix)
	_ = bw.Flush()
}
