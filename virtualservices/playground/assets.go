package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	_ "embed" // the browser assets are compiled in: the playground must work offline
)

// The vendored files come from scripts/update-graphiql.sh; their .gz siblings
// are made by the same script, so that a server start or a config reload never
// spends CPU compressing megabytes that do not change. Strings, unlike an
// embed.FS read, are served without a copy per handler.
var (
	//go:embed assets/graphiql/graphiql.min.js
	graphiqlJS string
	//go:embed assets/graphiql/graphiql.min.js.gz
	graphiqlJSGzip string
	//go:embed assets/graphiql/graphiql.min.css
	graphiqlCSS string
	//go:embed assets/graphiql/graphiql.min.css.gz
	graphiqlCSSGzip string
	//go:embed assets/react/react.production.min.js
	reactJS string
	//go:embed assets/react/react.production.min.js.gz
	reactJSGzip string
	//go:embed assets/react-dom/react-dom.production.min.js
	reactDOMJS string
	//go:embed assets/react-dom/react-dom.production.min.js.gz
	reactDOMJSGzip string
	//go:embed assets/playground.js
	playgroundJS string
	//go:embed assets/playground.css
	playgroundCSS string
)

// cacheForever is sent with every asset: an asset's URL holds a digest of its
// bytes, so a URL never names two different contents.
const cacheForever = "public, max-age=31536000, immutable"

// Content types of the assets, with the charset spelled out so that no browser
// guesses it.
const (
	typeJS  = "text/javascript; charset=utf-8"
	typeCSS = "text/css; charset=utf-8"
)

// source is one embedded file as the page names it.
type source struct {
	name        string // file name, e.g. "graphiql.min.js"
	contentType string
	body        string
	gzipped     string // gzip of body made at build time; empty for small files
}

// sources lists the files the page loads, in the order the page loads them.
func sources() []source {
	return []source{
		{name: "graphiql.min.css", contentType: typeCSS, body: graphiqlCSS, gzipped: graphiqlCSSGzip},
		{name: "playground.css", contentType: typeCSS, body: playgroundCSS},
		{name: "react.production.min.js", contentType: typeJS, body: reactJS, gzipped: reactJSGzip},
		{name: "react-dom.production.min.js", contentType: typeJS, body: reactDOMJS, gzipped: reactDOMJSGzip},
		{name: "graphiql.min.js", contentType: typeJS, body: graphiqlJS, gzipped: graphiqlJSGzip},
		{name: "playground.js", contentType: typeJS, body: playgroundJS},
	}
}

// asset is a file as this handler serves it.
type asset struct {
	file        string // name under the assets path, with the digest in it
	contentType string
	body        string
	gzipped     string // empty when the gzip form would not be smaller
	etag        string
	gzipETag    string
}

// newAsset names src by a digest of its bytes and readies its gzip form. The
// project's own files are small and change with the code, so they are
// compressed here rather than at build time, where a stale .gz could drift.
func newAsset(src source) *asset {
	digest := hex.EncodeToString(digestOf(src.body)[:8])
	ext := path.Ext(src.name)
	a := &asset{
		file:        strings.TrimSuffix(src.name, ext) + "." + digest + ext,
		contentType: src.contentType,
		body:        src.body,
		gzipped:     src.gzipped,
		etag:        `"` + digest + `"`,
		gzipETag:    `"` + digest + `-gzip"`,
	}
	if a.gzipped == "" {
		// Compressing into memory does not fail; if it ever did, the
		// plain form is still served.
		if gz, err := compress(src.body); err == nil {
			a.gzipped = gz
		}
	}
	if len(a.gzipped) >= len(a.body) {
		a.gzipped = ""
	}
	return a
}

// digestOf returns the SHA-256 of s, read through a small buffer: the
// GraphiQL bundle is megabytes, and []byte(s) would copy all of it.
func digestOf(s string) []byte {
	h := sha256.New()
	var buf [32 << 10]byte
	for len(s) > 0 {
		n := copy(buf[:], s)
		h.Write(buf[:n]) // a hash.Hash never returns an error
		s = s[n:]
	}
	return h.Sum(nil)
}

func compress(s string) (string, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", fmt.Errorf("gzip writer: %w", err)
	}
	if _, err := zw.Write([]byte(s)); err != nil {
		return "", fmt.Errorf("gzip write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("gzip close: %w", err)
	}
	return buf.String(), nil
}

// serve writes the asset, gzipped when the client accepts gzip. ServeContent
// answers If-None-Match (with the ETag set here), HEAD and Range requests.
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cacheForever)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if a.gzipped != "" {
		// Whether gzip is sent depends on Accept-Encoding, so shared caches
		// must key on it, also for the clients that got the plain form.
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			body, etag = a.gzipped, a.gzipETag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, strings.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(values []string) bool {
	q, found := -1.0, false
	for _, e := range parseQList(values) {
		switch e.value {
		case "gzip", "x-gzip":
			return e.q > 0
		case "*":
			q, found = e.q, true
		}
	}
	return found && q > 0
}
