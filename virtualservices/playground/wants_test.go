package playground

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Accept headers that browsers send when a person opens a URL.
const (
	chromeAccept  = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	firefoxAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/png,image/svg+xml,*/*;q=0.8"
	safariAccept  = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
)

func TestWants(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		accept  []string // one element per Accept header line
		upgrade string
		want    bool
	}{
		{name: "chrome navigation", accept: []string{chromeAccept}, want: true},
		{name: "firefox navigation", accept: []string{firefoxAccept}, want: true},
		{name: "safari navigation", accept: []string{safariAccept}, want: true},
		{name: "HEAD from a browser", method: http.MethodHead, accept: []string{chromeAccept}, want: true},
		{name: "only text/html", accept: []string{"text/html"}, want: true},
		{name: "upper case", accept: []string{"TEXT/HTML"}, want: true},
		{name: "html preferred by q", accept: []string{"application/json;q=0.5, text/html"}, want: true},
		{name: "tie, html first", accept: []string{"text/html, application/json"}, want: true},
		{name: "split over two header lines", accept: []string{"application/json;q=0.1", "text/html"}, want: true},

		{name: "no Accept (curl -G, most clients)", want: false},
		{name: "any type", accept: []string{"*/*"}, want: false},
		{name: "text wildcard", accept: []string{"text/*"}, want: false},
		{name: "json client", accept: []string{"application/json"}, want: false},
		{name: "GraphQL over HTTP client", accept: []string{"application/graphql-response+json, application/json;q=0.9"}, want: false},
		{name: "json preferred by q", accept: []string{"text/html;q=0.5, application/json"}, want: false},
		{name: "tie, json first", accept: []string{"application/json, text/html"}, want: false},
		{name: "html refused", accept: []string{"text/html;q=0, */*"}, want: false},
		{name: "invalid q", accept: []string{"text/html;q=high"}, want: false},
		{name: "q above 1", accept: []string{"text/html;q=2"}, want: false},
		{name: "POST from a form", method: http.MethodPost, accept: []string{chromeAccept}, want: false},
		{name: "websocket handshake", accept: []string{chromeAccept}, upgrade: "websocket", want: false},
		{name: "empty elements", accept: []string{" , ;q=1, ,"}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r := httptest.NewRequest(method, "/graphql?query=%7Bx%7D", nil)
			for _, a := range tt.accept {
				r.Header.Add("Accept", a)
			}
			if tt.upgrade != "" {
				r.Header.Set("Connection", "Upgrade")
				r.Header.Set("Upgrade", tt.upgrade)
			}
			if got := Wants(r); got != tt.want {
				t.Errorf("Wants(%s %q) = %v, want %v", method, tt.accept, got, tt.want)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false}, // an explicit refusal beats the wildcard
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"identity"}, false},
		{[]string{"br", "gzip"}, true},
		{[]string{"deflate"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func TestParseQList(t *testing.T) {
	got := parseQList([]string{` Text/HTML ; level=1 ; Q=0.7 ,application/json;q=bad`, `*/*;q=0.05`})
	want := []qItem{{"text/html", 0.7}, {"application/json", 0}, {"*/*", 0.05}}
	if len(got) != len(want) {
		t.Fatalf("parseQList = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestLargeAssetsArePrecompressed keeps start-up cheap: only the page's own
// small files may be compressed when a handler is built.
func TestLargeAssetsArePrecompressed(t *testing.T) {
	for _, src := range sources() {
		if len(src.body) > 16<<10 && src.gzipped == "" {
			t.Errorf("%s is %d bytes and has no precompressed form", src.name, len(src.body))
		}
	}
}

func FuzzParseQList(f *testing.F) {
	for _, s := range []string{chromeAccept, firefoxAccept, "gzip;q=0, *", "text/html;q=NaN", ";;,,q=", "a;q=1e-400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		for _, it := range parseQList([]string{header}) {
			if it.q < 0 || it.q > 1 || it.q != it.q {
				t.Errorf("q %v out of range for %q", it.q, header)
			}
			if it.value == "" || it.value != strings.ToLower(strings.TrimSpace(it.value)) {
				t.Errorf("value %q not trimmed lower case", it.value)
			}
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", header)
		if Wants(r) && !strings.Contains(strings.ToLower(header), "text/html") {
			t.Errorf("Wants true for %q, which does not name text/html", header)
		}
		_ = acceptsGzip([]string{header})
	})
}
