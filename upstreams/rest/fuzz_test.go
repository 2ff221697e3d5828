package rest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/upstreams"
)

// answer is what the fuzzed server sends next.
type answer struct {
	status int
	body   []byte
}

// fuzzLimit is the fuzzed upstream's maxResponseBytes, small enough for the
// fuzzer to reach.
const fuzzLimit = 512

// jsonSpace is the white space JSON allows around a value.
const jsonSpace = " \t\r\n"

// FuzzRESTAnswer sends arbitrary bytes with an arbitrary status as a REST
// server's answer, over real HTTP, and checks that Do returns either a
// value equal to the body's JSON or an *upstreams.Error that fits the
// status, and never panics.
func FuzzRESTAnswer(f *testing.F) {
	for _, seed := range []struct {
		status uint16
		body   string
	}{
		{200, `{"id":"r1","rating":5}`},
		{200, ` [1, 2.5e3, "x", null, true, {"a":{}}] `},
		{200, `"\u00e9\ud83d\ude00"`},
		{200, ""},
		{200, " \r\n\t"},
		{200, "\u00a0"},
		{200, "\v"},
		{204, ""},
		{200, `{"a":`},
		{200, `<html>`},
		{200, "\xff\xfe"},
		{200, `{"a":1} trailing`},
		{200, string(bytes.Repeat([]byte("["), 400))},
		{200, `"` + string(bytes.Repeat([]byte("x"), fuzzLimit)) + `"`},
		{404, `{"error":"nope"}`},
		{500, `<h1>boom</h1>`},
		{503, ""},
		{302, ""},
	} {
		f.Add(seed.status, []byte(seed.body))
	}

	var next atomic.Pointer[answer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := next.Load()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body) // refused for 204 and 304, which have no body
	}))
	f.Cleanup(srv.Close)
	up := newUpstream(f, srv.URL, "  maxResponseBytes: 512\n")
	b := binding(f, buildSchema(f), "Query", "product")

	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		// Statuses a server can answer with: 1xx are interim answers.
		st := int(status)
		if st < 200 || st > 599 {
			st = 200 + st%400
		}
		next.Store(&answer{status: st, body: body})
		c := &upstreams.Call{Binding: b, Scope: &tmpl.Scope{Args: map[string]any{"upc": "1"}}}
		if err := up.Prepare(c); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		res, err := up.Do(context.Background(), c)
		sent := body
		if st == http.StatusNoContent || st == http.StatusNotModified {
			sent = nil
		}
		if err != nil {
			var ue *upstreams.Error
			if !errors.As(err, &ue) {
				t.Fatalf("error %v (%T) is not an *upstreams.Error", err, err)
			}
			if res != nil {
				t.Fatalf("Do returned both a result and %v", err)
			}
			if ue.Upstream != "reviews" || ue.Status != st {
				t.Fatalf("error %+v: want upstream reviews, status %d", ue, st)
			}
			switch {
			case st/100 == 2:
				if ue.Code != upstreams.CodeBadResponse {
					t.Fatalf("2xx answer failed with %s: %v", ue.Code, err)
				}
				if len(sent) <= fuzzLimit && fastjson.ValidateBytes(sent) == nil {
					t.Fatalf("valid JSON of %d bytes refused: %v", len(sent), err)
				}
			case st == 502 || st == 503 || st == 504:
				if ue.Code != upstreams.CodeUnavailable {
					t.Fatalf("status %d gave %s", st, ue.Code)
				}
			default:
				if ue.Code != upstreams.CodeError && !(len(sent) > fuzzLimit && ue.Code == upstreams.CodeBadResponse) {
					t.Fatalf("status %d gave %s: %v", st, ue.Code, err)
				}
			}
			return
		}
		defer res.Release()
		if st/100 != 2 || res.Status != st {
			t.Fatalf("status %d answered with a result of status %d", st, res.Status)
		}
		if len(sent) > fuzzLimit {
			t.Fatalf("an answer of %d bytes passed the %d byte limit", len(sent), fuzzLimit)
		}
		if len(bytes.Trim(sent, jsonSpace)) == 0 {
			if res.Value != nil {
				t.Fatalf("empty body gave value %v", res.Value)
			}
			return
		}
		want, perr := fastjson.ParseBytes(sent)
		if perr != nil {
			t.Fatalf("body %q is not JSON, but Do returned %v", sent, res.Value)
		}
		if res.Value == nil || res.Value.String() != want.String() {
			t.Fatalf("value = %v, want %s", res.Value, want)
		}
	})
}
