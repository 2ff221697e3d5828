// Package soap is the SOAP upstream kind: a SOAP 1.1 or 1.2 service
// described by a WSDL, whose operations fields bind to with @soap. The WSDL
// is imported at load (upstreams/soap/wsdl) into generated SDL that
// bindings are checked against and a VirtualService may include; each call
// writes its envelope from the binding's request template and reads the
// answer back into JSON, the value model every kind shares
// (upstreams/soap/envelope), over the same HTTP transport REST uses.
package soap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/internal/tmpl"
	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
	"github.com/weft-gateway/weft/upstreams/resilience"
	"github.com/weft-gateway/weft/upstreams/soap/envelope"
	"github.com/weft-gateway/weft/upstreams/soap/wsdl"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// Spec is the spec of a soap Upstream resource.
type Spec struct {
	transport.Options `yaml:",inline"`
	SOAP              Options `yaml:"soap" weft:"required"`
}

// Options are the soap-specific options.
type Options struct {
	// WSDL is the service description: a file relative to the resource's
	// file, or an http(s) URL. Its imports are followed.
	WSDL string `yaml:"wsdl" weft:"required"`
	// WSDLMaxFiles and WSDLMaxBytes bound the files the WSDL spans, its
	// imports included (0: wsdl.DefaultMaxFiles, DefaultMaxBytes).
	WSDLMaxFiles int   `yaml:"wsdlMaxFiles"`
	WSDLMaxBytes int64 `yaml:"wsdlMaxBytes"`
	// Endpoint overrides the address the WSDL's ports give.
	Endpoint string `yaml:"endpoint"`
	// SOAPVersion picks "1.1" or "1.2" where a port type is bound in both.
	SOAPVersion string `yaml:"soapVersion"`
	// Services and Ports limit what is imported (default: everything).
	Services []string `yaml:"services"`
	Ports    []string `yaml:"ports"`
	// Operations makes an operation ("GetQuote" or "Port/GetQuote") a
	// Query or a Mutation field, overriding the default.
	Operations map[string]string `yaml:"operations"`
	// Prefix goes in front of generated type names.
	Prefix string `yaml:"prefix"`
	// WSSecurity adds a WS-Security UsernameToken header to every call.
	WSSecurity *WSSecurity `yaml:"wsSecurity"`
	// SOAPHeaders fill the soap:header parts the WSDL declares, by element
	// name: JSON text whose string leaves may read the client's headers
	// ({headers.x-session}) and the environment (${VAR}).
	SOAPHeaders map[string]string `yaml:"soapHeaders"`
}

// WSSecurity is a WS-Security UsernameToken (PasswordText).
type WSSecurity struct {
	Username string `yaml:"username" weft:"required"`
	Password string `yaml:"password"`
}

// Upstream is a SOAP upstream.
type Upstream struct {
	name     string
	client   *transport.Client
	endpoint string
	ops      map[string]*wsdl.Operation
	wsse     *envelope.WSSecurity
	headers  map[string]*tmpl.JSON
	parsers  fastjson.ParserPool
}

var (
	_ upstreams.Upstream     = (*Upstream)(nil)
	_ resilience.Idempotency = (*Upstream)(nil)
	// The metrics read the state of its hosts.
	_ hosts.Reporter = (*Upstream)(nil)
)

// Build is the upstreams.Builder of the soap kind.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	o := &spec.SOAP
	for _, name := range sortedKeys(o.Operations) {
		if k := o.Operations[name]; k != "Query" && k != "Mutation" {
			return nil, schema.UpstreamInfo{}, d.Errorf("spec.soap.operations."+name, "%q: want Query or Mutation", k)
		}
	}
	switch o.SOAPVersion {
	case "", envelope.Version11, envelope.Version12:
	default:
		return nil, schema.UpstreamInfo{}, d.Errorf("spec.soap.soapVersion", "%q: want 1.1 or 1.2", o.SOAPVersion)
	}
	spec.Options.ReadFile = transport.FileReader(src.ReadFile)
	spec.Options.NoProbes = src.Checking
	client, err := transport.New(d.Name, spec.Options)
	if err != nil {
		return nil, schema.UpstreamInfo{}, d.Errorf(transport.OptionPath(err), "%v", err)
	}
	fail := func(path string, err error) (upstreams.Upstream, schema.UpstreamInfo, error) {
		client.Close()
		return nil, schema.UpstreamInfo{}, d.Errorf(path, "%v", err)
	}
	for _, l := range []struct {
		field string
		v     int64
	}{{"wsdlMaxFiles", int64(o.WSDLMaxFiles)}, {"wsdlMaxBytes", o.WSDLMaxBytes}} {
		if l.v < 0 {
			return fail("spec.soap."+l.field, fmt.Errorf("%d: must not be negative (0 means the default)", l.v))
		}
	}
	defs, err := load(ctx, src, o.WSDL, client, wsdl.LoadOptions{MaxFiles: o.WSDLMaxFiles, MaxBytes: o.WSDLMaxBytes})
	var le *wsdl.LimitError
	if errors.As(err, &le) {
		field := map[string]string{"MaxFiles": "wsdlMaxFiles", "MaxBytes": "wsdlMaxBytes"}[le.Limit]
		return fail("spec.soap."+field, fmt.Errorf("WSDL of upstream %s: %w (raise spec.soap.%s)", d.Name, err, field))
	}
	if err != nil {
		return fail("spec.soap.wsdl", fmt.Errorf("WSDL of upstream %s: %w", d.Name, err))
	}
	res, err := wsdl.Import(defs, wsdl.Options{Upstream: d.Name, Kinds: o.Operations, Prefix: o.Prefix,
		Services: o.Services, Ports: o.Ports, SOAPVersion: o.SOAPVersion})
	// An import that gives nothing is reported below, after the names
	// that select nothing, which say best where the mistake is written.
	var nothing *wsdl.NothingError
	if errors.As(err, &nothing) {
		res = nothing.Result
	} else if err != nil {
		return fail("spec.soap", err)
	}
	for _, w := range res.Warnings {
		src.Log.Warn().Str("upstream", d.Name).Msg(w.String())
	}
	src.Log.Info().Str("upstream", d.Name).Strs("services", res.Services).Int("operations", res.Fields).
		Int("skipped", res.Skipped).Int("warnings", len(res.Warnings)).Msg("WSDL imported")
	// A name that selects nothing is a mistake to report where it is
	// written, not as the empty upstream (or missing address) it leads to.
	for i, name := range o.Services {
		if !contains(res.Services, name) {
			return fail(fmt.Sprintf("spec.soap.services[%d]", i), fmt.Errorf("the WSDL imports no SOAP port of a service %s", name))
		}
	}
	for i, name := range o.Ports {
		if !hasPort(res, name) {
			return fail(fmt.Sprintf("spec.soap.ports[%d]", i), fmt.Errorf("the WSDL imports no SOAP port %s (not a port of the services imported, not bound to SOAP, or its port type comes through another port)", name))
		}
	}
	if nothing != nil {
		return fail("spec.soap.wsdl", fmt.Errorf("the WSDL of upstream %s: %w", d.Name, nothing))
	}
	for _, name := range sortedKeys(o.Operations) {
		if !hasOperation(res, name) {
			return fail("spec.soap.operations."+name, fmt.Errorf("the WSDL has no operation %s", name))
		}
	}
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = res.Endpoint
	}
	if endpoint == "" {
		return fail("spec.soap.endpoint", errors.New("the WSDL names no soap:address; set endpoint"))
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("spec.soap.endpoint", fmt.Errorf("%q is not an http or https URL", endpoint))
	}
	if err := client.SetURL(endpoint); err != nil {
		return fail("spec.soap.endpoint", err)
	}
	info, err := upstreamInfo(d.Name, o.WSDL, res)
	if err != nil {
		return fail("spec.soap", err)
	}
	u := &Upstream{name: d.Name, client: client, endpoint: endpoint, ops: map[string]*wsdl.Operation{}}
	if o.Endpoint == "" {
		u.endpoint = "" // each operation's own port address
	}
	for name, op := range res.Operations {
		if op.Skipped == "" {
			op := op
			u.ops[name] = &op
		}
	}
	u.headers = map[string]*tmpl.JSON{}
	for _, name := range sortedKeys(o.SOAPHeaders) {
		j, err := tmpl.ParseJSON(o.SOAPHeaders[name])
		if err != nil {
			return fail("spec.soap.soapHeaders."+name, err)
		}
		var bad error
		j.EachRef(func(r *tmpl.Ref) {
			if r.Root != tmpl.Headers && bad == nil {
				bad = fmt.Errorf("a SOAP header reads only the client's headers ({headers.x}), not {%s}", r)
			}
		})
		if bad != nil {
			return fail("spec.soap.soapHeaders."+name, bad)
		}
		if !declaresHeader(res, name) {
			return fail("spec.soap.soapHeaders."+name, fmt.Errorf("no operation declares a soap:header %s", name))
		}
		u.headers[name] = j
	}
	if o.WSSecurity != nil {
		u.wsse = &envelope.WSSecurity{Username: o.WSSecurity.Username, Password: o.WSSecurity.Password}
	}
	return u, info, nil
}

func declaresHeader(res *wsdl.Result, name string) bool {
	for _, op := range res.Operations {
		for _, h := range op.Headers {
			if h.Name == name {
				return true
			}
		}
	}
	return false
}

func hasPort(res *wsdl.Result, name string) bool {
	for _, op := range res.Operations {
		if op.Port == name {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hasOperation(res *wsdl.Result, name string) bool {
	if _, ok := res.Operations[name]; ok {
		return true
	}
	for _, op := range res.Operations {
		if op.Local == name {
			return true
		}
	}
	return false
}

// load reads the WSDL from a URL through the upstream's own client (its
// TLS and credentials), or from the config's files.
func load(ctx context.Context, src *upstreams.Source, source string, client *transport.Client, opts wsdl.LoadOptions) (*wsdl.Definitions, error) {
	opts.Client = client.HTTP()
	if strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		return wsdl.Load(ctx, source, opts)
	}
	if src.LocalPath != nil {
		p, err := src.LocalPath(source)
		if err == nil {
			return wsdl.Load(ctx, p, opts)
		}
		if _, dirErr := src.LocalPath("."); dirErr == nil {
			// The config is on disk: the name itself is refused (a
			// file outside the config directory).
			return nil, err
		}
	}
	// A config that is not on disk (the embedded demo): its own files.
	opts.FS = src.FS()
	return wsdl.Load(ctx, source, opts)
}

// upstreamInfo describes the imported operations to the schema builder.
func upstreamInfo(name, where string, res *wsdl.Result) (schema.UpstreamInfo, error) {
	scalars := make(map[string]string, len(res.Scalars))
	for _, sc := range res.Scalars {
		scalars[sc] = wsdl.ScalarDef(sc)
	}
	info, err := schema.GeneratedUpstream(name, Binder{}, where, res.SDL, res.Fragment, scalars)
	if err != nil {
		return info, err
	}
	for full, op := range res.Operations {
		if op.Field != "" {
			info.Methods[full] = schema.Method{Operation: schema.RootOperation(op.Root), Field: op.Field}
		}
	}
	return info, nil
}

// Name returns the upstream's name.
func (u *Upstream) Name() string { return u.name }

// Close stops the health checks and releases idle connections.
func (u *Upstream) Close() { u.client.Close() }

// ExposeErrors reports whether clients see what the upstream says when a
// call fails (spec.exposeErrors).
func (u *Upstream) ExposeErrors() bool { return u.client.Options().ExposeErrors }

// HostStats returns the state of the upstream's hosts, for metrics.
func (u *Upstream) HostStats() hosts.Stats { return u.client.HostStats() }

type prepared struct {
	op     *wsdl.Operation
	url    string
	header http.Header
	body   []byte
}

// Prepare writes the request envelope.
func (u *Upstream) Prepare(c *upstreams.Call) error {
	b, _ := c.Binding.Request.(*Binding)
	if b == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "field %s has no SOAP binding", c.Binding.FieldRef)
	}
	op := u.ops[b.Operation]
	if op == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "upstream has no operation %s", b.Operation)
	}
	req := []byte("{}")
	if b.Request != nil {
		var err error
		if req, err = b.Request.AppendJSON(make([]byte, 0, 128), c.Scope); err != nil {
			return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: %v", err)
		}
	}
	var headers []envelope.Header
	for i := range op.Headers {
		el := &op.Headers[i]
		j := u.headers[el.Name]
		if j == nil {
			continue
		}
		v, err := j.AppendJSON(nil, c.Scope)
		if err != nil {
			return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build SOAP header %s: %v", el.Name, err)
		}
		headers = append(headers, envelope.Header{Element: el, Value: v})
	}
	// The operation speaks its binding's version: soapVersion chose the
	// binding at import where a port type has both, and cannot make a
	// SOAP 1.1 port understand SOAP 1.2.
	body, err := envelope.Encode(make([]byte, 0, 512), op, req, headers, envelope.EncodeOptions{WSSecurity: u.wsse})
	if err != nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: %v", err)
	}
	h := u.client.Header(c)
	h.Set("Content-Type", envelope.ContentType(op.SOAPVersion, op.SOAPAction))
	if v, ok := envelope.ActionHeader(op.SOAPVersion, op.SOAPAction); ok {
		h.Set("SOAPAction", v)
	}
	h.Set("Accept", "text/xml, application/soap+xml, */*;q=0.1")
	target := u.endpoint
	if target == "" {
		target = op.Endpoint
	}
	p := &prepared{op: op, url: target, header: h, body: body}
	c.Prepared = p
	key := make([]byte, 0, len(target)+len(body)+64)
	key = append(key, target...)
	key = append(key, ' ')
	key = append(key, op.SOAPAction...)
	key = u.client.AppendKeyHeaders(key, h)
	key = append(key, body...)
	c.Key = string(key)
	return nil
}

// Do posts the envelope and reads the answer. A fault is an error with
// its code and string; an HTTP error without a fault is an error with the
// status; an answer that is not the operation's envelope is
// UPSTREAM_BAD_RESPONSE.
func (u *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	p, ok := c.Prepared.(*prepared)
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "call was not prepared")
	}
	merge := ""
	if p.op.Root == "Query" {
		merge = c.Key // a read: identical ones in flight may share the exchange
	}
	ans, err := u.client.Exchange(ctx, http.MethodPost, p.url, p.header, p.body, merge)
	if err != nil {
		return nil, err
	}
	defer ans.Release()
	status := ans.Status
	out, derr := envelope.Decode(make([]byte, 0, len(ans.Body())), bytes.NewReader(ans.Body()), p.op,
		envelope.DecodeOptions{MaxBytes: u.client.Options().MaxResponseBytes})
	if derr != nil {
		var fault *envelope.Fault
		if errors.As(derr, &fault) {
			return nil, u.faultError(fault, status)
		}
		if status/100 != 2 {
			// Not a fault: the status says what went wrong (an HTML error
			// page, a proxy's 502).
			return nil, u.statusError(status)
		}
		return nil, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: u.name, Status: status, Msg: derr.Error(), Err: derr}
	}
	if status/100 != 2 {
		return nil, u.statusError(status)
	}
	if c.Raw {
		return upstreams.NewRawResult(out, status, nil), nil
	}
	parser := u.parsers.Get()
	v, err := parser.ParseBytes(out)
	if err != nil {
		u.parsers.Put(parser)
		return nil, &upstreams.Error{Code: upstreams.CodeBadResponse, Upstream: u.name, Status: status, Msg: "answer did not convert to JSON", Err: err}
	}
	return upstreams.NewResult(v, status, func() { u.parsers.Put(parser) }), nil
}

func (u *Upstream) statusError(status int) error {
	code := upstreams.CodeError
	if status == http.StatusServiceUnavailable || status == http.StatusBadGateway || status == http.StatusGatewayTimeout {
		code = upstreams.CodeUnavailable
	}
	return &upstreams.Error{Code: code, Upstream: u.name, Status: status, Msg: "HTTP " + strconv.Itoa(status) + " " + http.StatusText(status)}
}

// faultError maps a SOAP Fault: the service refused or failed the call.
// Its codes, meant for programs, are extensions every client sees (when
// they read as codes); its text, actor and detail are the service's own
// words, relayed only where the upstream exposes its errors.
func (u *Upstream) faultError(f *envelope.Fault, status int) error {
	e := &upstreams.Error{Code: upstreams.CodeError, Upstream: u.name, Status: status, Msg: "SOAP fault " + f.Code, Detail: f.String, Err: f}
	e.Extensions = map[string]any{}
	for _, c := range []struct{ key, value string }{{"faultCode", f.Code}, {"faultSubcode", f.Subcode}} {
		switch {
		case c.value == "":
		case upstreams.IsCode(c.value):
			e.Extensions[c.key] = c.value
		default:
			e.Relay(c.key, jsonString(c.value))
		}
	}
	if f.String != "" {
		e.Relay("faultString", jsonString(f.String))
	}
	if f.Actor != "" {
		e.Relay("faultActor", jsonString(f.Actor))
	}
	if f.Detail != "" && json.Valid([]byte(f.Detail)) {
		e.Relay("faultDetail", json.RawMessage(f.Detail))
	}
	return e
}

func jsonString(s string) json.RawMessage { return jsonwrite.String(nil, s) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Idempotent reports whether a call reads only: its operation was imported
// as a Query field (or made one), so the resilience policy may retry or
// hedge it.
func (u *Upstream) Idempotent(c *upstreams.Call) bool {
	b, _ := c.Binding.Request.(*Binding)
	if b == nil {
		return false
	}
	op := u.ops[b.Operation]
	return op != nil && op.Root == "Query"
}
