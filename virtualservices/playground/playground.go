// Package playground serves a GraphiQL page for a GraphQL API, for people who
// open the API's URL in a browser.
//
// Everything the page loads is compiled into the binary and served by the
// same handler, so the playground works on machines with no internet access,
// and nothing is fetched from a CDN. The page runs under a strict
// Content-Security-Policy: scripts, styles and requests go to the server's own
// origin only, and the page has no inline script or style (see
// ContentSecurityPolicy for the one style block GraphiQL inserts itself).
//
// A router sends a request to Handler when Wants reports that a browser is
// asking for a page, and sends every request under Options.AssetsPath to it.
package playground

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

// DefaultAssetsPath is where the assets are served when Options.AssetsPath is
// empty. It starts with "/-/" so that it does not collide with API routes.
const DefaultAssetsPath = "/-/playground/"

// DefaultTitle is the page title when Options.Title is empty.
const DefaultTitle = "GraphQL playground"

// ContentSecurityPolicy is sent with the page. Scripts come from the
// server's own origin only, and so do styles, with one exception: GraphiQL's
// dialogs lock page scrolling by inserting a fixed <style> block (from its
// bundled react-remove-scroll-bar), which is allowed by its SHA-256 and by
// nothing else. That block's text depends only on the body's margins and
// scrollbar width, which playground.css keeps at zero; the browser test opens
// a dialog, so a GraphiQL update that changes the block fails it, and
// Chromium's error message names the new hash. Fonts and icons are data:
// URLs inside GraphiQL's stylesheet, hence data: for fonts and images;
// connect-src 'self' covers the GraphQL endpoint, on the same origin.
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self' " + scrollLockStyleHash + "; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	"connect-src 'self'; " +
	"base-uri 'none'; " +
	"form-action 'none'; " +
	"frame-ancestors 'self'"

// scrollLockStyleHash allows the scroll-lock style block of GraphiQL 3.8.3's
// dialogs (see ContentSecurityPolicy).
const scrollLockStyleHash = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='"

// Options configures a playground handler.
type Options struct {
	// Title is the page title. Empty means DefaultTitle.
	Title string
	// Endpoint is the URL path the page sends GraphQL requests to, on the
	// same origin. Empty means the path of the page request itself, which
	// is right when the page is served at the API's own path.
	Endpoint string
	// AssetsPath is the path prefix the assets are served under, such as
	// "/-/playground/". Empty means DefaultAssetsPath. A missing leading or
	// trailing slash is added.
	AssetsPath string
	// Unavailable, when set, is why the playground cannot work for this
	// API (such as introspection being off). The page then says so, and
	// how to reach the API, instead of loading GraphiQL.
	Unavailable string
}

// Handler returns a handler that serves the playground page for any path
// outside opts.AssetsPath, and the page's assets under it. Asset names hold a
// digest of their content, so they are cached for a year; the page itself is
// revalidated on each load, so a new release's assets are picked up.
//
// Handler hashes the embedded assets (a few milliseconds); build one per
// configuration and reuse it.
func Handler(opts Options) http.Handler {
	opts = opts.withDefaults()
	h := &handler{
		title:       opts.Title,
		endpoint:    opts.Endpoint,
		prefix:      opts.AssetsPath,
		unavailable: opts.Unavailable,
		assets:      make(map[string]*asset),
		page:        template.Must(template.New("page").Parse(pageHTML)),
	}
	for _, src := range sources() {
		a := newAsset(src)
		h.assets[a.file] = a
		h.urls = append(h.urls, opts.AssetsPath+a.file)
		if src.name == "playground.css" {
			h.ownCSS = opts.AssetsPath + a.file
		}
	}
	return h
}

func (o Options) withDefaults() Options {
	if o.Title == "" {
		o.Title = DefaultTitle
	}
	if o.AssetsPath == "" {
		o.AssetsPath = DefaultAssetsPath
	}
	if !strings.HasPrefix(o.AssetsPath, "/") {
		o.AssetsPath = "/" + o.AssetsPath
	}
	if !strings.HasSuffix(o.AssetsPath, "/") {
		o.AssetsPath += "/"
	}
	return o
}

type handler struct {
	title       string
	endpoint    string
	prefix      string
	unavailable string
	assets      map[string]*asset // by file name under prefix
	urls        []string          // asset URLs in the order the page loads them
	ownCSS      string            // URL of playground.css
	page        *template.Template
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if file, ok := strings.CutPrefix(r.URL.Path, h.prefix); ok {
		a, found := h.assets[file]
		if !found {
			// A page of an older release may ask for an asset that this
			// one no longer has; no cache may keep that answer.
			w.Header().Set("Cache-Control", "no-store")
			http.NotFound(w, r)
			return
		}
		a.serve(w, r)
		return
	}
	h.servePage(w, r)
}

// pageData fills pageHTML.
type pageData struct {
	Title       string
	Endpoint    string
	Unavailable string
	Stylesheets []string
	Scripts     []string
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	data := pageData{Title: h.title, Endpoint: h.endpoint, Unavailable: h.unavailable}
	if data.Endpoint == "" {
		data.Endpoint = r.URL.Path
	}
	if data.Unavailable != "" {
		// The notice needs the page's own stylesheet, and no script.
		data.Stylesheets = []string{h.ownCSS}
	} else {
		for _, u := range h.urls {
			if strings.HasSuffix(u, ".css") {
				data.Stylesheets = append(data.Stylesheets, u)
			} else {
				data.Scripts = append(data.Scripts, u)
			}
		}
	}
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, data); err != nil {
		http.Error(w, fmt.Sprintf("rendering the playground page: %v", err), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	// The page names the current assets, so it must not outlive a release.
	hd.Set("Cache-Control", "no-cache")
	// The same URL answers JSON to programs (see Wants), so caches must key
	// on Accept.
	hd.Add("Vary", "Accept")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes()) // the client went away; nothing to do
	}
}

// pageHTML is the playground page. It holds no inline script or style (the
// CSP forbids them); playground.js reads its settings from data- attributes.
// The empty data: icon stops the browser from asking the API for
// /favicon.ico.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
{{- range .Stylesheets}}
<link rel="stylesheet" href="{{.}}">
{{- end}}
{{- range .Scripts}}
<script src="{{.}}" defer></script>
{{- end}}
</head>
<body>
{{- if .Unavailable}}
<main class="unavailable">
<h1>The GraphQL playground is not available here</h1>
<p>{{.Unavailable}}</p>
<p>The API at <code>{{.Endpoint}}</code> answers GraphQL requests sent with POST as <code>application/json</code>, and queries sent with GET.</p>
</main>
{{- else}}
<div id="graphiql" data-endpoint="{{.Endpoint}}"><p class="loading">Loading the GraphQL playground…</p></div>
<noscript>The GraphQL playground needs JavaScript. The API at {{.Endpoint}} answers GraphQL requests sent with POST.</noscript>
{{- end}}
</body>
</html>
`
