package resolvers

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/valyala/fastjson"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/weft-gateway/weft/planner"
	"github.com/weft-gateway/weft/upstreams"
)

// Bounds of the errors of one response.
const (
	// DefaultMaxErrors caps the errors of a response when Options names
	// no cap: an upstream answering thousands of errors must not make a
	// response of megabytes.
	DefaultMaxErrors = 100
	// maxMessageBytes caps a message relayed from an upstream.
	maxMessageBytes = 1024
	// maxRelayedBytes caps the JSON of one relayed extension (a fault's
	// detail, gRPC error details, a GraphQL upstream error's extensions);
	// a larger one is left out of the response (the log has it).
	maxRelayedBytes = 4096
	// maxLoggedFailures caps the log lines one request writes about the
	// upstream errors it masked; one more line counts the rest.
	maxLoggedFailures = 10
	// maxLoggedErrors caps the GraphQL upstream errors one log line
	// quotes.
	maxLoggedErrors = 3
)

// codeTooManyErrors is the extensions.code of the error that ends a
// response whose errors the cap cut.
const codeTooManyErrors = "TOO_MANY_ERRORS"

// errorExposer is an upstream whose spec says whether clients see what it
// says when a call fails (spec.exposeErrors).
type errorExposer interface{ ExposeErrors() bool }

// exposes reports whether up exposes its errors, looking through wrappers
// (a resilience policy).
func exposes(up upstreams.Upstream) bool {
	for up != nil {
		if e, ok := up.(errorExposer); ok {
			return e.ExposeErrors()
		}
		w, ok := up.(interface{ Unwrap() upstreams.Upstream })
		if !ok {
			return false
		}
		up = w.Unwrap()
	}
	return false
}

// composite is an upstream made of parts it calls apart, each named on
// its own (a supergraph's subgraphs, "shop/reviews"), whose errors carry
// the part's name.
type composite interface {
	Parts() []upstreams.Upstream
}

// exposed computes, once per Executable, which upstreams expose their
// errors, and which parts of composite ones.
func exposed(ups map[string]upstreams.Upstream) map[string]bool {
	out := map[string]bool{}
	for name, up := range ups {
		if exposes(up) {
			out[name] = true
		}
		if c, ok := up.(composite); ok {
			for _, p := range c.Parts() {
				if exposes(p) {
					out[p.Name()] = true
				}
			}
		}
	}
	return out
}

// errorSet is the response's errors as render reports them: each once
// (by path, code and message), at most max of them, then only counted; a
// failed upstream call's detail masked unless its upstream exposes it, and
// logged with the request id instead.
type errorSet struct {
	max     int
	log     zerolog.Logger
	reqID   string
	exposed map[string]bool

	list gqlerror.List
	// paths and keys index list by path, and by path, code and message.
	paths, keys map[string]bool
	// dropped counts the errors left out past max.
	dropped int
	// loggedCalls are the failed calls whose masked detail is logged;
	// logLines counts the log lines about masked errors, and unlogged
	// those left out past maxLoggedFailures.
	loggedCalls        map[*upstreams.Error]bool
	logLines, unlogged int
}

// full reports whether the response holds as many errors as it may; an
// error reported then is only counted.
func (es *errorSet) full() bool { return len(es.list) >= es.max }

// mark is the number of errors reported so far, those the cap dropped
// included, for rewind.
func (es *errorSet) mark() int { return len(es.list) + es.dropped }

// rewind removes the errors reported from mark n on (see mark): those of
// a value that a fallback then replaced.
func (es *errorSet) rewind(n int) {
	if n >= len(es.list) {
		es.dropped = n - len(es.list)
		return
	}
	es.dropped = 0
	es.list = es.list[:n]
	clear(es.paths)
	clear(es.keys)
	for _, e := range es.list {
		ps := pathString(e.Path)
		es.paths[ps] = true
		es.keys[errKey(e, ps)] = true
	}
}

// at reports whether an error was reported at path.
func (es *errorSet) at(path ast.Path) bool {
	return es.paths != nil && es.paths[pathString(path)]
}

// add adds an error to the response, unless the same error (path, code
// and message) is there already, as a masked failure met at one path
// twice is; past the cap it only counts it.
func (es *errorSet) add(e *gqlerror.Error) {
	ps := pathString(e.Path)
	key := errKey(e, ps)
	if es.keys[key] {
		return
	}
	if es.full() {
		es.dropped++
		return
	}
	if es.paths == nil {
		es.paths = map[string]bool{}
		es.keys = map[string]bool{}
	}
	es.paths[ps] = true
	es.keys[key] = true
	es.list = append(es.list, e)
}

// field adds an error of field f at path, with its code and upstream when
// given.
func (es *errorSet) field(f *planner.Field, path ast.Path, msg, code, up string) {
	e := &gqlerror.Error{Message: msg, Path: path, Locations: locations(f)}
	if code != "" || up != "" {
		e.Extensions = map[string]any{}
		if code != "" {
			e.Extensions["code"] = code
		}
		if up != "" {
			e.Extensions["upstream"] = up
		}
	}
	es.add(e)
}

// argument adds the error of field f whose arguments could not be
// evaluated: at the value the error names, or else at the field.
func (es *errorSet) argument(f *planner.Field, path ast.Path, err *argError) {
	e := &gqlerror.Error{Message: err.Error(), Path: path, Locations: locations(f),
		Extensions: map[string]any{"code": codeBadUserInput}}
	if err.pos != nil {
		e.Locations = []gqlerror.Location{{Line: err.pos.Line, Column: err.pos.Column}}
	}
	es.add(e)
}

// errKey identifies an error for dedupe: its path, code and message.
func errKey(e *gqlerror.Error, path string) string {
	code, _ := e.Extensions["code"].(string)
	return path + "\x00" + code + "\x00" + e.Message
}

// upstream reports a failed call at path. By default the
// client gets the code's stable message, the code, the upstream, the
// request id and the facts meant for programs (status, gRPC code); the
// log gets the rest. An upstream that exposes its errors shows its
// message, detail and relayed extensions, each bounded, as does a request
// that could not be built.
func (es *errorSet) upstream(f *planner.Field, path ast.Path, err *upstreams.Error) {
	if err.Code == upstreams.CodeBadUserInput {
		// The client's own input, in the gateway's words: nothing of the
		// upstream's.
		es.field(f, path, err.Msg, codeBadUserInput, "")
		return
	}
	if es.full() {
		es.dropped++
		return
	}
	ext := map[string]any{"code": string(err.Code), "upstream": err.Upstream}
	if err.Status != 0 {
		ext["status"] = err.Status
	}
	for k, v := range err.Extensions {
		ext[k] = v
	}
	var msg string
	// A request that could not be built was never sent: the upstream said
	// nothing, and the gateway's reason (a value that does not fit, a
	// missing header) is often the client's to fix.
	if es.exposed[err.Upstream] || err.Code == upstreams.CodeBadRequest {
		msg = "upstream " + err.Upstream + ": " + clip(err.Msg, maxMessageBytes)
		if err.Detail != "" {
			ext["detail"] = clip(err.Detail, maxMessageBytes)
		}
		for k, v := range err.Relayed {
			if len(v) <= maxRelayedBytes {
				ext[k] = v
			}
		}
	} else {
		msg = err.Code.Masked(err.Upstream)
		es.addRequestID(ext)
		es.logFailure(err, path)
	}
	es.add(&gqlerror.Error{Message: msg, Path: path, Locations: locations(f), Extensions: ext})
}

// graphQL adds the errors a GraphQL upstream returned for field f, at the
// field's path (base) plus the path the upstream gave, located at the
// deepest field of the client's selection that path reaches. Masked, an
// error has its stable message and keeps the upstream's code when it reads
// as one; its path goes only as deep as the client's selection allows.
func (es *errorSet) graphQL(f *planner.Field, base ast.Path, errs []relError) {
	if len(errs) == 0 {
		return
	}
	expose := es.exposed[errs[0].name()]
	if !expose {
		es.logUpstreamErrors(errs, base)
	}
	for _, re := range errs {
		if es.full() {
			es.dropped++
			continue
		}
		code := string(upstreams.CodeError)
		if re.err.Extensions != nil {
			if c := re.err.Extensions.GetStringBytes("code"); len(c) > 0 && (expose || upstreams.IsCode(string(c))) {
				code = string(c)
			}
		}
		ext := map[string]any{"code": code, "upstream": re.name()}
		p, at := clientPathField(append(ast.Path(nil), base...), f, re.path)
		var msg string
		if expose {
			p = appendRelPath(append(ast.Path(nil), base...), re.path)
			msg = clip(re.err.Message, maxMessageBytes)
			relayExtensions(ext, re.err.Extensions)
		} else {
			msg = upstreams.CodeError.Masked(re.name())
			es.addRequestID(ext)
		}
		es.add(&gqlerror.Error{Message: msg, Path: p, Locations: locations(at), Extensions: ext})
	}
}

// appendRelPath appends an upstream's path as it gave it.
func appendRelPath(p ast.Path, rel []any) ast.Path {
	for _, seg := range rel {
		switch seg := seg.(type) {
		case string:
			p = append(p, ast.PathName(seg))
		case int:
			p = append(p, ast.PathIndex(seg))
		}
	}
	return p
}

// clientPath appends an upstream's path below field f only as far as it
// follows f's type and selection: a list index where the type is a list, a
// response key the client selected. What follows a step that does not is
// left out, so a masked error's path holds nothing the client did not ask
// for.
func clientPath(p ast.Path, f *planner.Field, rel []any) ast.Path {
	p, _ = clientPathField(p, f, rel)
	return p
}

// clientPathField is clientPath, and also returns the field of the
// client's selection the path ends at: f, or one below it.
func clientPathField(p ast.Path, f *planner.Field, rel []any) (ast.Path, *planner.Field) {
	t, sel := f.Type, f.Sel
	for _, seg := range rel {
		switch seg := seg.(type) {
		case int:
			if t == nil || t.Elem == nil {
				return p, f
			}
			t = t.Elem
			p = append(p, ast.PathIndex(seg))
		case string:
			if t == nil || t.Elem != nil || sel == nil {
				return p, f
			}
			next := selected(sel, seg)
			if next == nil {
				return p, f
			}
			f = next
			t, sel = next.Type, next.Sel
			p = append(p, ast.PathName(seg))
		default:
			return p, f
		}
	}
	return p, f
}

// selected finds the field of a selection by its response key, in any of
// an abstract type's concrete types.
func selected(sel *planner.Selection, key string) *planner.Field {
	for _, f := range sel.Fields {
		if f.ResponseKey == key {
			return f
		}
	}
	for _, fields := range sel.ByType {
		for _, f := range fields {
			if f.ResponseKey == key {
				return f
			}
		}
	}
	return nil
}

// relayExtensions copies a GraphQL upstream error's extensions, but code
// (already read) and the keys the gateway sets, when their JSON is small
// enough.
func relayExtensions(ext map[string]any, v *fastjson.Value) {
	if v == nil {
		return
	}
	o, err := v.Object()
	if err != nil || o.Len() == 0 || len(v.MarshalTo(nil)) > maxRelayedBytes {
		return
	}
	o.Visit(func(k []byte, e *fastjson.Value) {
		key := string(k)
		if _, ours := ext[key]; ours || key == "requestId" {
			return
		}
		ext[key] = json.RawMessage(e.MarshalTo(nil))
	})
}

// addRequestID puts the request id in a masked error's extensions, for
// support to find the log line that holds what was masked.
func (es *errorSet) addRequestID(ext map[string]any) {
	if es.reqID != "" {
		ext["requestId"] = es.reqID
	}
}

// logFailure logs what a masked error hid, once per failed call however
// many fields it failed, at most maxLoggedFailures lines per request.
func (es *errorSet) logFailure(err *upstreams.Error, path ast.Path) {
	if es.loggedCalls[err] {
		return
	}
	if es.loggedCalls == nil {
		es.loggedCalls = map[*upstreams.Error]bool{}
	}
	es.loggedCalls[err] = true
	ev := es.logEvent()
	if ev == nil {
		return
	}
	ev = ev.Str("upstream", err.Upstream).Str("code", string(err.Code)).Interface("path", path).Str("failure", err.Msg)
	if err.Status != 0 {
		ev = ev.Int("status", err.Status)
	}
	if err.Detail != "" {
		ev = ev.Str("detail", clip(err.Detail, maxRelayedBytes))
	}
	keys := make([]string, 0, len(err.Relayed))
	for k := range err.Relayed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := err.Relayed[k]; len(v) <= maxRelayedBytes {
			ev = ev.RawJSON(k, v)
		} else {
			ev = ev.Str(k, "("+strconv.Itoa(len(v))+" bytes, not logged)")
		}
	}
	if err.Err != nil {
		ev = ev.AnErr("error", err.Err)
	}
	ev.Msg("upstream call failed; the client got a masked error")
}

// logUpstreamErrors logs what masking hid of a GraphQL upstream's errors
// for one field: how many, and the first few as the upstream gave them.
func (es *errorSet) logUpstreamErrors(errs []relError, base ast.Path) {
	ev := es.logEvent()
	if ev == nil {
		return
	}
	arr := zerolog.Arr()
	for _, re := range errs[:min(len(errs), maxLoggedErrors)] {
		d := zerolog.Dict().Str("message", clip(re.err.Message, maxMessageBytes)).Interface("path", re.err.Path)
		if x := re.err.Extensions; x != nil {
			if b := x.MarshalTo(nil); len(b) <= maxRelayedBytes {
				d = d.RawJSON("extensions", b)
			}
		}
		arr = arr.Dict(d)
	}
	ev.Str("upstream", errs[0].name()).Interface("path", base).Int("errors", len(errs)).Array("first", arr).
		Msg("upstream answered errors; the client got masked errors")
}

// logEvent starts a log line about masked errors, or counts it when the
// request has written its share.
func (es *errorSet) logEvent() *zerolog.Event {
	if es.logLines >= maxLoggedFailures {
		es.unlogged++
		return nil
	}
	es.logLines++
	return es.log.Warn().Str("requestId", es.reqID)
}

// finish ends the response's errors: one more says how many the cap
// dropped; and the log says how many masked failures it did not describe.
func (es *errorSet) finish() gqlerror.List {
	if es.unlogged > 0 {
		es.log.Warn().Str("requestId", es.reqID).Int("notLogged", es.unlogged).
			Msg("more upstream failures were masked than the log describes per request")
	}
	if es.dropped == 0 {
		return es.list
	}
	ext := map[string]any{"code": codeTooManyErrors, "dropped": es.dropped}
	es.addRequestID(ext)
	return append(es.list, &gqlerror.Error{
		Message:    strconv.Itoa(es.dropped) + " more errors were left out: a response carries at most " + strconv.Itoa(es.max),
		Extensions: ext,
	})
}

// clip cuts s to at most n bytes, on a character boundary, marking the
// cut with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
