package playground_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/virtualservices/playground"
)

// assetFiles maps each published asset name to the file it comes from.
var assetFiles = map[string]string{
	"graphiql.min.css":            "assets/graphiql/graphiql.min.css",
	"playground.css":              "assets/playground.css",
	"react.production.min.js":     "assets/react/react.production.min.js",
	"react-dom.production.min.js": "assets/react-dom/react-dom.production.min.js",
	"graphiql.min.js":             "assets/graphiql/graphiql.min.js",
	"playground.js":               "assets/playground.js",
}

var (
	scriptSrc = regexp.MustCompile(`<script src="([^"]+)" defer></script>`)
	styleHref = regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)">`)
	// hashedName splits "graphiql.min.0123456789abcdef.js".
	hashedName = regexp.MustCompile(`^(.+)\.[0-9a-f]{16}(\.[a-z]+)$`)
)

// get sends a request to h through a real server and returns the response
// with its body read.
func get(t *testing.T, srv *httptest.Server, method, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// Without this, the transport asks for gzip itself and inflates it.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func newServer(t *testing.T, opts playground.Options) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(playground.Handler(opts))
	t.Cleanup(srv.Close)
	return srv
}

// pageAssets returns the asset URLs the page at path links to.
func pageAssets(t *testing.T, srv *httptest.Server, path string) []string {
	t.Helper()
	_, body := get(t, srv, http.MethodGet, path, nil)
	var urls []string
	for _, re := range []*regexp.Regexp{styleHref, scriptSrc} {
		for _, m := range re.FindAllSubmatch(body, -1) {
			urls = append(urls, string(m[1]))
		}
	}
	return urls
}

func TestPage(t *testing.T) {
	srv := newServer(t, playground.Options{Title: `Shop <API> & "more"`, Endpoint: "/api/graphql?x=<1>"})
	resp, body := get(t, srv, http.MethodGet, "/api/graphql", http.Header{"Accept": {"text/html"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Content-Security-Policy": playground.ContentSecurityPolicy,
		"Cache-Control":           "no-cache",
		"Vary":                    "Accept",
		"X-Content-Type-Options":  "nosniff",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	page := string(body)
	for _, want := range []string{
		`<title>Shop &lt;API&gt; &amp; &#34;more&#34;</title>`,
		`data-endpoint="/api/graphql?x=&lt;1&gt;"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	// The CSP forbids inline code: every script must be a file, and no
	// style may be inline.
	if n, files := strings.Count(page, "<script"), len(scriptSrc.FindAllString(page, -1)); n != files || n != 4 {
		t.Errorf("page has %d <script> elements, %d of them files; want 4 files:\n%s", n, files, page)
	}
	if strings.Contains(page, "<style") || strings.Contains(page, "style=") {
		t.Errorf("page has inline style:\n%s", page)
	}
}

func TestPageCSPIsStrict(t *testing.T) {
	directives := map[string]string{}
	for d := range strings.SplitSeq(playground.ContentSecurityPolicy, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{
		"default-src": "'none'",
		"script-src":  "'self'",
		"connect-src": "'self'",
		"base-uri":    "'none'",
	} {
		if got := directives[name]; got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	// Styles: self and hashes of known blocks, never inline in general.
	for src := range strings.FieldsSeq(directives["style-src"]) {
		if src != "'self'" && !strings.HasPrefix(src, "'sha256-") {
			t.Errorf("style-src allows %s", src)
		}
	}
}

func TestPageDefaults(t *testing.T) {
	srv := newServer(t, playground.Options{})
	_, body := get(t, srv, http.MethodGet, "/some/api", nil)
	page := string(body)
	for _, want := range []string{
		"<title>" + playground.DefaultTitle + "</title>",
		`data-endpoint="/some/api"`, // the page's own path when Endpoint is empty
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s:\n%s", want, page)
		}
	}
	urls := pageAssets(t, srv, "/some/api")
	if len(urls) != len(assetFiles) {
		t.Fatalf("page links %d assets, want %d: %q", len(urls), len(assetFiles), urls)
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, playground.DefaultAssetsPath) {
			t.Errorf("asset %s is not under %s", u, playground.DefaultAssetsPath)
		}
	}
}

func TestAssetsPathNormalized(t *testing.T) {
	for _, path := range []string{"static/pg", "/static/pg", "static/pg/", "/static/pg/"} {
		t.Run(path, func(t *testing.T) {
			srv := newServer(t, playground.Options{AssetsPath: path})
			for _, u := range pageAssets(t, srv, "/graphql") {
				if !strings.HasPrefix(u, "/static/pg/") {
					t.Errorf("asset %s is not under /static/pg/", u)
				}
				if resp, _ := get(t, srv, http.MethodGet, u, nil); resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: status %d", u, resp.StatusCode)
				}
			}
		})
	}
}

func TestPageMethods(t *testing.T) {
	srv := newServer(t, playground.Options{})
	tests := []struct {
		method     string
		path       string
		wantStatus int
		wantBody   bool
	}{
		{http.MethodGet, "/graphql", http.StatusOK, true},
		{http.MethodHead, "/graphql", http.StatusOK, false},
		{http.MethodPost, "/graphql", http.StatusMethodNotAllowed, true},
		{http.MethodDelete, "/-/playground/x.js", http.StatusMethodNotAllowed, true},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := get(t, srv, tt.method, tt.path, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := len(body) > 0; got != tt.wantBody {
				t.Errorf("body present = %v, want %v", got, tt.wantBody)
			}
			if tt.wantStatus == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want GET, HEAD", resp.Header.Get("Allow"))
			}
			if tt.method == http.MethodHead && resp.ContentLength <= 0 {
				t.Errorf("HEAD Content-Length = %d, want the page's length", resp.ContentLength)
			}
		})
	}
}

func TestAssets(t *testing.T) {
	srv := newServer(t, playground.Options{})
	urls := pageAssets(t, srv, "/graphql")
	if len(urls) != len(assetFiles) {
		t.Fatalf("page links %d assets, want %d: %q", len(urls), len(assetFiles), urls)
	}
	for _, u := range urls {
		m := hashedName.FindStringSubmatch(filepath.Base(u))
		if m == nil {
			t.Errorf("asset URL %s has no content digest", u)
			continue
		}
		name := m[1] + m[2]
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(assetFiles[name])
			if err != nil {
				t.Fatal(err)
			}
			wantType := map[string]string{
				".js":  "text/javascript; charset=utf-8",
				".css": "text/css; charset=utf-8",
			}[m[2]]

			plain, plainBody := get(t, srv, http.MethodGet, u, nil)
			if plain.StatusCode != http.StatusOK {
				t.Fatalf("status %d", plain.StatusCode)
			}
			if !bytes.Equal(plainBody, want) {
				t.Errorf("body (%d bytes) differs from %s (%d bytes)", len(plainBody), assetFiles[name], len(want))
			}
			if enc := plain.Header.Get("Content-Encoding"); enc != "" {
				t.Errorf("Content-Encoding %q without Accept-Encoding", enc)
			}

			zipped, zippedBody := get(t, srv, http.MethodGet, u, http.Header{"Accept-Encoding": {"br, gzip;q=0.8"}})
			if enc := zipped.Header.Get("Content-Encoding"); enc != "gzip" {
				t.Fatalf("Content-Encoding %q, want gzip", enc)
			}
			if len(zippedBody) >= len(want) {
				t.Errorf("gzip body %d bytes, not smaller than %d", len(zippedBody), len(want))
			}
			if got := gunzip(t, zippedBody); !bytes.Equal(got, want) {
				t.Errorf("gzip body inflates to %d bytes that differ from %s", len(got), assetFiles[name])
			}

			for _, resp := range []*http.Response{plain, zipped} {
				for header, wantValue := range map[string]string{
					"Content-Type":           wantType,
					"Cache-Control":          "public, max-age=31536000, immutable",
					"Vary":                   "Accept-Encoding",
					"X-Content-Type-Options": "nosniff",
				} {
					if got := resp.Header.Get(header); got != wantValue {
						t.Errorf("%s = %q, want %q", header, got, wantValue)
					}
				}
			}
			if plain.Header.Get("ETag") == "" || plain.Header.Get("ETag") == zipped.Header.Get("ETag") {
				t.Errorf("ETags plain %q, gzip %q: want two different ones", plain.Header.Get("ETag"), zipped.Header.Get("ETag"))
			}

			for _, resp := range []*http.Response{plain, zipped} {
				h := http.Header{
					"If-None-Match":   {resp.Header.Get("ETag")},
					"Accept-Encoding": {resp.Header.Get("Content-Encoding")},
				}
				if h.Get("Accept-Encoding") == "" {
					h.Set("Accept-Encoding", "identity")
				}
				again, body := get(t, srv, http.MethodGet, u, h)
				if again.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("If-None-Match %s: status %d with %d bytes, want 304 and none", h.Get("If-None-Match"), again.StatusCode, len(body))
				}
			}

			head, headBody := get(t, srv, http.MethodHead, u, nil)
			if head.StatusCode != http.StatusOK || len(headBody) != 0 || head.ContentLength != int64(len(want)) {
				t.Errorf("HEAD: status %d, %d body bytes, Content-Length %d; want 200, 0, %d", head.StatusCode, len(headBody), head.ContentLength, len(want))
			}
		})
	}
}

func TestUnknownAssets(t *testing.T) {
	srv := newServer(t, playground.Options{})
	for _, path := range []string{
		"/-/playground/",
		"/-/playground/graphiql.min.js",                  // no digest
		"/-/playground/graphiql.min.0000000000000000.js", // another release's digest
		"/-/playground/README.md",
		"/-/playground/graphiql/LICENSE",
		"/-/playground/../playground.go",
	} {
		t.Run(path, func(t *testing.T) {
			resp, _ := get(t, srv, http.MethodGet, path, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status %d, want 404", resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); resp.StatusCode == http.StatusNotFound && cc != "no-store" {
				t.Errorf("Cache-Control %q on a 404, want no-store", cc)
			}
		})
	}
}

// TestPrecompressedFilesMatch guards the .gz files that
// scripts/update-graphiql.sh makes: each must inflate to the file beside it.
func TestPrecompressedFilesMatch(t *testing.T) {
	gzs, err := filepath.Glob("assets/*/*.gz")
	if err != nil {
		t.Fatal(err)
	}
	if len(gzs) != 4 {
		t.Errorf("found %d .gz files, want 4 (GraphiQL's js and css, react, react-dom): %q", len(gzs), gzs)
	}
	for _, gz := range gzs {
		zipped, err := os.ReadFile(gz)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := os.ReadFile(strings.TrimSuffix(gz, ".gz"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gunzip(t, zipped), plain) {
			t.Errorf("%s does not inflate to %s; run scripts/update-graphiql.sh", gz, strings.TrimSuffix(gz, ".gz"))
		}
	}
}

// TestVendoredLicenses checks that each vendored folder keeps its license,
// which its terms require when the code is redistributed.
func TestVendoredLicenses(t *testing.T) {
	for _, dir := range []string{"graphiql", "react", "react-dom"} {
		b, err := os.ReadFile(filepath.Join("assets", dir, "LICENSE"))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		if !bytes.Contains(b, []byte("MIT License")) {
			t.Errorf("assets/%s/LICENSE is not the MIT license text", dir)
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

func BenchmarkHandler(b *testing.B) {
	for b.Loop() {
		playground.Handler(playground.Options{})
	}
}
