package virtualservices

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/resource"
)

// router picks the VirtualService for a host and the route for a request.
type router struct {
	exact     map[string]*vhost
	wildcards []wildcard // longest suffix first
	any       *vhost
}

type wildcard struct {
	suffix string // ".example.com"
	vh     *vhost
}

// vhost is a VirtualService's compiled route table.
type vhost struct {
	name   string
	routes []*route
}

type route struct {
	name     string
	matchers []*matcher
	handler  http.Handler
}

type matcher struct {
	prefix, exact string
	regex         *regexp.Regexp
	headers       []headerMatcher
	methods       []string
}

type headerMatcher struct {
	name    string
	value   string
	regex   *regexp.Regexp
	present bool
	invert  bool
}

// compileMatcher checks and compiles a matcher, reporting errors at its
// path in d.
func compileMatcher(d *resource.Document, path string, m Matcher) (*matcher, resource.Errors) {
	var errs resource.Errors
	out := &matcher{prefix: m.Prefix, exact: m.Exact}
	set := 0
	for _, s := range []string{m.Prefix, m.Exact, m.Regex} {
		if s != "" {
			set++
		}
	}
	if set > 1 {
		errs = append(errs, d.Errorf(path, "set at most one of prefix, exact and regex"))
	}
	for _, p := range []struct{ name, v string }{{"prefix", m.Prefix}, {"exact", m.Exact}} {
		if p.v != "" && !strings.HasPrefix(p.v, "/") {
			errs = append(errs, d.Errorf(path+"."+p.name, "path %q must start with \"/\"", p.v))
		}
	}
	if m.Regex != "" {
		re, err := regexp.Compile("^(?:" + m.Regex + ")$")
		if err != nil {
			errs = append(errs, d.Errorf(path+".regex", "invalid regular expression: %v", err))
		}
		out.regex = re
	}
	for i, h := range m.Headers {
		hp := fmt.Sprintf("%s.headers[%d]", path, i)
		hm := headerMatcher{name: h.Name, value: h.Value, present: h.Present, invert: h.Invert}
		if h.Regex {
			re, err := regexp.Compile("^(?:" + h.Value + ")$")
			if err != nil {
				errs = append(errs, d.Errorf(hp+".value", "invalid regular expression: %v", err))
			}
			hm.regex = re
		}
		if h.Present && h.Value != "" {
			errs = append(errs, d.Errorf(hp, "present and value exclude each other"))
		}
		out.headers = append(out.headers, hm)
	}
	for i, meth := range m.Methods {
		up := strings.ToUpper(meth)
		switch up {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
		default:
			errs = append(errs, d.Errorf(fmt.Sprintf("%s.methods[%d]", path, i), "unknown HTTP method %q", meth))
		}
		out.methods = append(out.methods, up)
	}
	return out, errs
}

func (m *matcher) match(r *http.Request) bool {
	p := r.URL.Path
	switch {
	case m.exact != "" && p != m.exact:
		return false
	case m.prefix != "" && !pathHasPrefix(p, m.prefix):
		return false
	case m.regex != nil && !m.regex.MatchString(p):
		return false
	}
	if len(m.methods) > 0 {
		ok := false
		for _, meth := range m.methods {
			if r.Method == meth {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, h := range m.headers {
		if !h.match(r.Header) {
			return false
		}
	}
	return true
}

// pathHasPrefix matches whole segments: /graphql matches /graphql and
// /graphql/x but not /graphqlx.
func pathHasPrefix(p, prefix string) bool {
	if !strings.HasPrefix(p, prefix) {
		return false
	}
	return len(p) == len(prefix) || strings.HasSuffix(prefix, "/") || p[len(prefix)] == '/'
}

func (h *headerMatcher) match(hdr http.Header) bool {
	vs := hdr.Values(h.name)
	var ok bool
	switch {
	case h.present || (h.value == "" && h.regex == nil):
		ok = len(vs) > 0
	case h.regex != nil:
		for _, v := range vs {
			if h.regex.MatchString(v) {
				ok = true
			}
		}
	default:
		for _, v := range vs {
			if v == h.value {
				ok = true
			}
		}
	}
	return ok != h.invert
}

// domainRef is where a domain was declared, for conflict errors.
type domainRef struct {
	doc  *resource.Document
	path string
}

// newRouter indexes virtual hosts by domain. A domain claimed twice is an
// error naming both places.
func newRouter(hosts []*vhost, domains [][]string, refs [][]domainRef) (*router, resource.Errors) {
	rt := &router{exact: map[string]*vhost{}}
	seen := map[string]domainRef{}
	var errs resource.Errors
	for i, vh := range hosts {
		for j, dom := range domains[i] {
			ref := refs[i][j]
			d := strings.ToLower(strings.TrimSpace(dom))
			if prev, ok := seen[d]; ok {
				line, _ := prev.doc.Pos(prev.path)
				errs = append(errs, ref.doc.Errorf(ref.path, "domain %q is already served by %s (%s:%d)", dom, prev.doc.Ref(), prev.doc.File, line))
				continue
			}
			seen[d] = ref
			switch {
			case d == "*":
				rt.any = vh
			case strings.HasPrefix(d, "*."):
				rt.wildcards = append(rt.wildcards, wildcard{suffix: d[1:], vh: vh})
			case d == "" || strings.Contains(d, "*"):
				errs = append(errs, ref.doc.Errorf(ref.path, "domain %q: want a host, *.suffix or *", dom))
			default:
				rt.exact[d] = vh
			}
		}
	}
	sort.SliceStable(rt.wildcards, func(a, b int) bool { return len(rt.wildcards[a].suffix) > len(rt.wildcards[b].suffix) })
	return rt, errs
}

// host finds the virtual host for a request's Host: exact match (with the
// port, then without), then the longest wildcard, then "*".
func (rt *router) host(hostport string) *vhost {
	h := strings.ToLower(hostport)
	if vh := rt.exact[h]; vh != nil {
		return vh
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
		if vh := rt.exact[h]; vh != nil {
			return vh
		}
	}
	for _, w := range rt.wildcards {
		if strings.HasSuffix(h, w.suffix) && len(h) > len(w.suffix) {
			return w.vh
		}
	}
	return rt.any
}

// route returns the first route of vh matching r.
func (vh *vhost) route(r *http.Request) *route {
	for _, rt := range vh.routes {
		if len(rt.matchers) == 0 {
			return rt
		}
		for _, m := range rt.matchers {
			if m.match(r) {
				return rt
			}
		}
	}
	return nil
}
