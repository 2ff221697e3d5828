package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
)

// Recorder holds what the tab of a New context has done: the URL of every
// request it made (documents, scripts, styles, fetches, websockets) and every
// error its console showed. It is safe for concurrent use.
//
// It sees the tab's own target: a cross-site iframe or a service worker runs
// as another target, and its requests are not recorded. The proxy New sets
// keeps those on the machine as well.
type Recorder struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

type recorderKey struct{}

// Recording returns the Recorder of a context made by New. It panics for any
// other context, which is a mistake in the test.
func Recording(ctx context.Context) *Recorder {
	rec, ok := ctx.Value(recorderKey{}).(*Recorder)
	if !ok {
		panic("browsertest.Recording: the context does not come from browsertest.New")
	}
	return rec
}

// Requests returns the URLs the page requested so far, in order.
func (r *Recorder) Requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.requests...)
}

// ConsoleErrors returns the console errors so far: console.error and failed
// console.assert calls, uncaught exceptions and unhandled rejections, and
// the browser's own error entries (a failed load, a Content-Security-Policy
// violation).
func (r *Recorder) ConsoleErrors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// Remote returns the requested URLs that would leave the machine: anything
// but loopback addresses and the in-page schemes data:, blob: and about:.
func (r *Recorder) Remote() []string {
	var remote []string
	for _, u := range r.Requests() {
		if !IsLocal(u) {
			remote = append(remote, u)
		}
	}
	return remote
}

// AssertClean fails t if the page requested anything outside the machine or
// logged a console error.
func (r *Recorder) AssertClean(t testing.TB) {
	t.Helper()
	if remote := r.Remote(); len(remote) > 0 {
		t.Errorf("page made requests that leave the machine:\n  %s", strings.Join(remote, "\n  "))
	}
	if errs := r.ConsoleErrors(); len(errs) > 0 {
		t.Errorf("page logged console errors:\n  %s", strings.Join(errs, "\n  "))
	}
}

// IsLocal reports whether a request to rawURL stays on the machine: an
// http(s) or ws(s) URL whose host is localhost or a loopback address, or a
// data:, blob: or about: URL, which never reach the network.
func IsLocal(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	case "http", "https", "ws", "wss":
	default:
		return false
	}
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// handle runs on chromedp's message loop: it must be quick and must not call
// back into the browser.
func (r *Recorder) handle(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			r.addRequest(ev.Request.URL + ev.Request.URLFragment)
		}
	case *network.EventWebSocketCreated:
		r.addRequest(ev.URL)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			r.addError(fmt.Sprintf("console.%s: %s", ev.Type, argsText(ev.Args)))
		}
	case *runtime.EventExceptionThrown:
		if d := ev.ExceptionDetails; d != nil {
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				first, _, _ := strings.Cut(d.Exception.Description, "\n")
				text += " " + first
			}
			r.addError(fmt.Sprintf("exception: %s (%s:%d)", text, d.URL, d.LineNumber+1))
		}
	case *log.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == log.EntryLevelError {
			r.addError(fmt.Sprintf("%s: %s %s", e.Source, e.Text, e.URL))
		}
	}
}

func (r *Recorder) addRequest(u string) {
	// data: URLs carry whole fonts and images; their start says enough.
	const keep = 64
	if strings.HasPrefix(u, "data:") && len(u) > keep {
		u = u[:keep] + "…"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, u)
}

func (r *Recorder) addError(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, s)
}

// argsText renders console arguments roughly as DevTools does: strings as
// they are, other values by their description.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Type == runtime.RemoteObjectTypeString && len(a.Value) > 0:
			var s string
			if err := json.Unmarshal(a.Value, &s); err == nil {
				parts = append(parts, s)
				continue
			}
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.UnserializableValue != "":
			parts = append(parts, string(a.UnserializableValue))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
