package wsdl

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/weft-gateway/weft/internal/gqlname"
)

// Options steer the mapping.
type Options struct {
	// Upstream is the name every @soap binding names (required).
	Upstream string
	// Kinds overrides the root type of an operation's field: "Query" or
	// "Mutation" (in any case), keyed by the operation's name
	// ("GetQuote", for every port that has it) or by "Port/Operation".
	Kinds map[string]string
	// Prefix is put in front of every type name the schema gives rise
	// to, so that several imports can share one VirtualService schema.
	// Root types and the custom scalars keep their names.
	Prefix string
	// Services and Ports, when set, are the only wsdl:service and
	// wsdl:port names imported.
	Services, Ports []string
	// SOAPVersion, "1.1" or "1.2", chooses between ports whose bindings
	// bind one port type in both versions (default "1.1").
	SOAPVersion string
}

// Result is an imported WSDL.
type Result struct {
	// SDL is the GraphQL schema with @soap bindings. The same WSDL and
	// options always give the same text.
	SDL string
	// Fragment is SDL for merging into a larger schema: its root fields
	// extend Query and Mutation, and it declares no custom scalar
	// (Scalars lists those it uses, for whoever merges to declare once,
	// with ScalarDef).
	Fragment string
	// Scalars are the custom scalars the SDL uses, sorted.
	Scalars []string
	// Warnings list, in the order the import meets them, each part that
	// could not be mapped as it is and what was done instead.
	Warnings []Warning
	// Operations are every operation of the ports imported, skipped ones
	// included, by name ("Port/Operation").
	Operations map[string]Operation
	// Services are the names of the services imported, in document order.
	Services []string
	// Fields counts the operations imported as fields; Skipped those left
	// out.
	Fields, Skipped int
	// Endpoint is the address of the first port imported ("" when the
	// WSDL has none).
	Endpoint string
	// WSDL is where the definitions were loaded from.
	WSDL string
}

// Warning is one part of the WSDL that could not be mapped as it is.
type Warning struct {
	// File and Line locate the part.
	File string
	Line int
	// Element names the part: "operation GetQuote", "complexType
	// Address", "element Quote.price".
	Element string
	// Operation is the operation being imported, if any.
	Operation string
	Msg       string
}

func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(w.File)
		if w.Line > 0 {
			fmt.Fprintf(&b, ":%d", w.Line)
		}
		b.WriteString(": ")
	}
	if w.Element != "" {
		b.WriteString(w.Element + ": ")
	}
	if w.Operation != "" && !strings.HasPrefix(w.Element, "operation ") {
		b.WriteString("(" + w.Operation + ") ")
	}
	b.WriteString(w.Msg)
	return b.String()
}

type importer struct {
	defs *Definitions
	opts Options
	res  *Result

	warnings []Warning
	warned   map[string]bool
	// curOp is the operation being imported, for warnings.
	curOp string

	builtins map[QName]*Type
	named    map[QName]*Type
	anon     map[*node]*Type
	globals  map[QName]*Element
	info     map[*Type]*typeInfo
	filling  map[*Type]bool
	inGroup  map[*node]bool
	elemDesc map[*Element]string
	attrDesc map[*Attribute]string
	depth    int
	// encodedWarned marks the bindings warned about SOAP encoding.
	encodedWarned map[*node]bool

	ops     []*operation
	scalars map[string]bool
	// types in the order the walk reached them.
	outOrder, inOrder, enumOrder []*Type
	seenOut, seenIn, seenEnum    map[*Type]bool
	gqlTypes                     []*gqlType
	roots                        map[string][]*operation
}

// operation is one operation being imported.
type operation struct {
	op   Operation
	port *port
	n    *node // the portType's operation
	doc  string
	args []*gqlField
	typ  string
	soap string
}

// port is a wsdl:port the import may use.
type port struct {
	service, name string
	n             *node
	binding       *node
	bindingQ      QName
	portType      *node
	portTypeQ     QName
	version       string
	soapNS        string
	address       string
	keyPrefix     string
}

// Import maps the SOAP ports of defs to GraphQL SDL with @soap bindings,
// and indexes the operations for the runtime. Whatever cannot be mapped is
// a warning, and the rest is imported. It fails on bad options, and with a
// *NothingError when no operation is left to import.
func Import(defs *Definitions, opts Options) (*Result, error) {
	if defs == nil {
		return nil, errors.New("wsdl: no definitions")
	}
	if opts.Upstream == "" {
		return nil, errors.New("wsdl: Options.Upstream is required")
	}
	if opts.Prefix != "" && !gqlname.Valid(opts.Prefix) {
		return nil, fmt.Errorf("wsdl: prefix %q is not a GraphQL name", opts.Prefix)
	}
	switch opts.SOAPVersion {
	case "", "1.1", "1.2":
	default:
		return nil, fmt.Errorf("wsdl: SOAPVersion %q: want 1.1 or 1.2", opts.SOAPVersion)
	}
	im := &importer{
		defs:     defs,
		opts:     opts,
		res:      &Result{Operations: map[string]Operation{}, WSDL: defs.Source},
		warned:   map[string]bool{},
		builtins: map[QName]*Type{},
		named:    map[QName]*Type{},
		anon:     map[*node]*Type{},
		globals:  map[QName]*Element{},
		info:     map[*Type]*typeInfo{},
		filling:  map[*Type]bool{},
		inGroup:  map[*node]bool{},
		elemDesc: map[*Element]string{},
		attrDesc: map[*Attribute]string{},
		scalars:  map[string]bool{},
		seenOut:  map[*Type]bool{},
		seenIn:   map[*Type]bool{},
		seenEnum: map[*Type]bool{},

		encodedWarned: map[*node]bool{},
	}
	im.warnings = append(im.warnings, defs.warnings...)
	ports := im.selectPorts()
	for _, p := range ports {
		im.importPort(p)
	}
	im.checkKinds()
	for _, o := range im.ops {
		if o.op.Skipped == "" {
			im.walkOperation(o)
		}
	}
	im.nameRootFields()
	im.nameTypes()
	im.buildRootFields()
	im.buildTypes()
	for _, o := range im.ops {
		im.res.Operations[o.op.Name] = o.op
		if o.op.Skipped == "" {
			im.res.Fields++
		} else {
			im.res.Skipped++
		}
	}
	seenSvc := map[string]bool{}
	for _, p := range ports {
		if p.service != "" && !seenSvc[p.service] {
			seenSvc[p.service] = true
			im.res.Services = append(im.res.Services, p.service)
		}
		if im.res.Endpoint == "" {
			im.res.Endpoint = p.address
		}
	}
	sdl := im.document()
	im.res.SDL = sdl.String()
	im.res.Fragment = sdl.Fragment()
	for name := range im.scalars {
		im.res.Scalars = append(im.res.Scalars, name)
	}
	sort.Strings(im.res.Scalars)
	im.res.Warnings = im.warnings
	if im.res.Fields == 0 {
		return nil, &NothingError{Result: im.res, Reasons: im.nothingReasons(ports)}
	}
	return im.res, nil
}

// NothingError is the error of an import that gives no operation: a WSDL
// without SOAP binding, without port, or whose operations were all
// skipped. A config made of it would not load, so there is nothing to
// write.
type NothingError struct {
	// Result is what the import found, its warnings included.
	Result *Result
	// Reasons say why nothing was imported, most general first.
	Reasons []string
}

func (e *NothingError) Error() string {
	return "nothing to import: " + strings.Join(e.Reasons, "; ")
}

// maxReasons is how many skipped operations a NothingError names; the
// warnings name them all.
const maxReasons = 5

// nothingReasons says why an import gave no operation.
func (im *importer) nothingReasons(ports []*port) []string {
	var out []string
	switch {
	case len(im.defs.bindings) == 0:
		out = append(out, "the WSDL declares no wsdl:binding")
	case len(ports) == 0:
		soap := false
		for _, b := range im.defs.bindings {
			v, _, _ := soapBinding(b)
			soap = soap || v != ""
		}
		switch {
		case !soap:
			out = append(out, "no wsdl:binding is a SOAP binding (HTTP, MIME or another protocol)")
		case len(im.opts.Services) > 0 || len(im.opts.Ports) > 0:
			out = append(out, "no SOAP port matches the services and ports asked for")
		default:
			out = append(out, "no SOAP port could be imported")
		}
	case len(im.ops) == 0:
		out = append(out, "the port types of the SOAP ports declare no operation")
	default:
		var skipped []string
		for _, o := range im.ops {
			if o.op.Skipped != "" {
				skipped = append(skipped, o.op.Name+": "+o.op.Skipped)
			}
		}
		if len(skipped) > maxReasons {
			skipped = append(skipped[:maxReasons], fmt.Sprintf("and %d more", len(skipped)-maxReasons))
		}
		out = append(out, fmt.Sprintf("every operation was skipped (%s)", strings.Join(skipped, "; ")))
	}
	var missing []string
	for _, m := range im.defs.missing {
		if !contains(missing, m.name) {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		out = append(out, "files that could not be read: "+strings.Join(missing, ", "))
	}
	return out
}

// warnAt records a warning about node n (nil for the whole import), once
// per place and message.
func (im *importer) warnAt(n *node, element, format string, args ...any) {
	w := Warning{Element: element, Operation: im.curOp, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		w.File, w.Line = n.file.name, n.line
	}
	key := fmt.Sprintf("%s\x00%d\x00%s\x00%s", w.File, w.Line, w.Element, w.Msg)
	if im.warned[key] {
		return
	}
	im.warned[key] = true
	im.warnings = append(im.warnings, w)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// soapBinding returns the SOAP version and namespace of a binding, from
// its soap:binding extension element.
func soapBinding(b *node) (version, ns string, ext *node) {
	for _, k := range b.kids {
		if k.local != "binding" {
			continue
		}
		switch k.space {
		case nsSOAP11:
			return "1.1", nsSOAP11, k
		case nsSOAP12:
			return "1.2", nsSOAP12, k
		}
	}
	return "", "", nil
}

// selectPorts finds the ports to import: the SOAP ports of the services
// (filtered by the options), one per port type, the SOAP version
// Options.SOAPVersion (default 1.1) first. A WSDL without services has its
// SOAP bindings imported as ports of their own, without an endpoint.
func (im *importer) selectPorts() []*port {
	var cands []*port
	resolve := func(p *port, where *node) bool {
		b, ok := im.defs.bindings[p.bindingQ]
		if !ok {
			im.warnAt(where, "port "+p.name, "the binding %s is not declared%s: not imported", p.bindingQ, im.missingNote(p.bindingQ.Space))
			return false
		}
		p.binding = b
		p.version, p.soapNS, _ = soapBinding(b)
		if p.version == "" {
			im.warnAt(where, "port "+p.name, "the binding %s is not a SOAP binding (HTTP, MIME or another protocol): not imported", p.bindingQ.Local)
			return false
		}
		q, err := b.qname(b.get("type"))
		if err != nil {
			im.warnAt(b, "binding "+p.bindingQ.Local, "type: %v: not imported", err)
			return false
		}
		pt, ok := im.defs.portTypes[q]
		if !ok {
			im.warnAt(b, "binding "+p.bindingQ.Local, "the port type %s is not declared%s: not imported", q, im.missingNote(q.Space))
			return false
		}
		p.portType, p.portTypeQ = pt, q
		return true
	}
	for _, svc := range im.defs.services {
		sname := svc.get("name")
		if len(im.opts.Services) > 0 && !contains(im.opts.Services, sname) {
			continue
		}
		for _, pn := range svc.children(nsWSDL, "port") {
			p := &port{service: sname, name: pn.get("name"), n: pn}
			if len(im.opts.Ports) > 0 && !contains(im.opts.Ports, p.name) {
				continue
			}
			q, err := pn.qname(pn.get("binding"))
			if err != nil {
				im.warnAt(pn, "port "+p.name, "binding: %v: not imported", err)
				continue
			}
			p.bindingQ = q
			if !resolve(p, pn) {
				continue
			}
			for _, k := range pn.kids {
				if k.local == "address" && (k.space == nsSOAP11 || k.space == nsSOAP12) {
					p.address = strings.TrimSpace(k.get("location"))
				}
			}
			if p.address == "" {
				im.warnAt(pn, "port "+p.name, "no soap:address: the endpoint comes from the Upstream's configuration")
			}
			cands = append(cands, p)
		}
	}
	if len(im.defs.services) == 0 && len(im.opts.Services) == 0 {
		for _, bq := range im.defs.bindOrder {
			b := im.defs.bindings[bq]
			if v, _, _ := soapBinding(b); v == "" {
				continue
			}
			p := &port{name: bq.Local, bindingQ: bq, n: b}
			if len(im.opts.Ports) > 0 && !contains(im.opts.Ports, p.name) {
				continue
			}
			if !resolve(p, b) {
				continue
			}
			im.warnAt(b, "binding "+bq.Local, "no wsdl:service names this binding: imported as port %s, without an endpoint", p.name)
			cands = append(cands, p)
		}
	}
	for _, s := range im.opts.Services {
		found := false
		for _, svc := range im.defs.services {
			found = found || svc.get("name") == s
		}
		if !found {
			im.warnings = append(im.warnings, Warning{Element: "service " + s, Msg: "Options.Services names this, which is not a service of the WSDL"})
		}
	}
	want := im.opts.SOAPVersion
	if want == "" {
		want = "1.1"
	}
	chosen := map[QName]*port{}
	for _, p := range cands {
		if c := chosen[p.portTypeQ]; c == nil || c.version != want && p.version == want {
			chosen[p.portTypeQ] = p
		}
	}
	var out []*port
	for _, p := range cands {
		c := chosen[p.portTypeQ]
		if c != p {
			im.warnAt(p.n, "port "+p.name, "binds the port type %s, which port %s (SOAP %s) already imports: not imported again (Options.SOAPVersion chooses between SOAP 1.1 and 1.2)", p.portTypeQ.Local, c.name, c.version)
			continue
		}
		if im.opts.SOAPVersion != "" && p.version != im.opts.SOAPVersion {
			im.warnAt(p.n, "port "+p.name, "Options.SOAPVersion is %s, but the port type %s has only a SOAP %s binding: imported in SOAP %s", im.opts.SOAPVersion, p.portTypeQ.Local, p.version, p.version)
		}
		out = append(out, p)
	}
	// Operations are named "Port/Operation"; two services' ports of one
	// name get their services' names in front.
	count := map[string]int{}
	for _, p := range out {
		count[p.name]++
	}
	for _, p := range out {
		p.keyPrefix = p.name
		if count[p.name] > 1 && p.service != "" {
			p.keyPrefix = p.service + "/" + p.name
		}
	}
	return out
}

// importPort imports the operations of a port's port type, in the port
// type's order.
func (im *importer) importPort(p *port) {
	bops := map[string][]*node{}
	for _, bo := range p.binding.children(nsWSDL, "operation") {
		bops[bo.get("name")] = append(bops[bo.get("name")], bo)
	}
	seen := map[string]bool{}
	for _, po := range p.portType.children(nsWSDL, "operation") {
		name := po.get("name")
		o := &operation{port: p, n: po, doc: documentation(po)}
		o.op = Operation{
			Name:        p.keyPrefix + "/" + name,
			Local:       name,
			Port:        p.name,
			Service:     p.service,
			Binding:     p.bindingQ,
			PortType:    p.portTypeQ,
			Endpoint:    p.address,
			SOAPVersion: p.version,
		}
		im.curOp = o.op.Name
		if seen[name] {
			im.warnAt(po, "operation "+name, "an overloaded operation (its name is taken by another one of the port type): not imported")
			im.curOp = ""
			continue
		}
		seen[name] = true
		switch bo := bops[name]; len(bo) {
		case 0:
			o.op.Skipped = "the binding " + p.bindingQ.Local + " does not bind it"
			im.warnAt(po, "operation "+name, "%s: not imported", o.op.Skipped)
		default:
			im.buildOperation(o, bo[0])
		}
		im.ops = append(im.ops, o)
		im.curOp = ""
	}
	names := make([]string, 0, len(bops))
	for n := range bops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !seen[n] {
			im.warnAt(bops[n][0], "operation "+n, "the binding %s binds it, but the port type %s does not declare it: not imported", p.bindingQ.Local, p.portTypeQ.Local)
		}
	}
}

// bodyInfo is what soap:body says about one direction of an operation.
type bodyInfo struct {
	use, namespace, encodingStyle string
	parts                         []string
	hasParts                      bool
	headers                       []*node
}

func (im *importer) body(dir *node, soapNS string) bodyInfo {
	var bi bodyInfo
	if dir == nil {
		return bi
	}
	for _, k := range dir.kids {
		if k.space != soapNS {
			continue
		}
		switch k.local {
		case "body":
			bi.use = k.get("use")
			bi.namespace = k.get("namespace")
			bi.encodingStyle = k.get("encodingStyle")
			if v, ok := k.attr("parts"); ok {
				bi.hasParts = true
				bi.parts = strings.Fields(v)
			}
		case "header":
			bi.headers = append(bi.headers, k)
		}
	}
	if bi.use == "" {
		bi.use = "literal"
	}
	return bi
}

// message returns the message ref names, warning when there is none.
func (im *importer) message(ref *node, element string) *node {
	m, reason := im.lookupMessage(ref)
	if m == nil {
		im.warnAt(ref, element, "%s", reason)
	}
	return m
}

// lookupMessage returns the message ref names, or why there is none.
func (im *importer) lookupMessage(ref *node) (*node, string) {
	v, ok := ref.attr("message")
	if !ok {
		return nil, "names no message"
	}
	q, err := ref.qname(v)
	if err != nil {
		return nil, fmt.Sprintf("message: %v", err)
	}
	m, ok := im.defs.messages[q]
	if !ok {
		return nil, fmt.Sprintf("the message %s is not declared%s", q, im.missingNote(q.Space))
	}
	return m, ""
}

// missingNote names the files that were to declare names of a namespace
// and could not be read, for the message about a name that is not
// declared: "" when there are none.
func (im *importer) missingNote(space string) string {
	var names []string
	for _, m := range im.defs.missing {
		if m.space == space && !contains(names, m.name) {
			names = append(names, m.name)
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return " (the missing file " + names[0] + " was to declare it)"
	}
	return " (the missing files " + strings.Join(names, ", ") + " were to declare it)"
}

// skip leaves an operation out, saying why at n.
func (im *importer) skip(o *operation, n *node, reason string) {
	o.op.Skipped = reason
	im.warnAt(n, "operation "+o.op.Local, "%s: not imported", reason)
}

// buildOperation reads one operation's binding: style, action, the
// request and response elements, the headers.
func (im *importer) buildOperation(o *operation, bo *node) {
	p := o.port
	op := &o.op
	_, _, bext := soapBinding(p.binding)
	op.Style = "document"
	if bext != nil {
		if s := bext.get("style"); s != "" {
			op.Style = s
		}
	}
	for _, k := range bo.kids {
		if k.space == p.soapNS && k.local == "operation" {
			op.SOAPAction = k.get("soapAction")
			if s := k.get("style"); s != "" {
				op.Style = s
			}
		}
	}
	if op.Style != "document" && op.Style != "rpc" {
		im.skip(o, bo, fmt.Sprintf("the style %q is neither document nor rpc", op.Style))
		return
	}
	var in, out *node
	for _, k := range o.n.kids {
		if k.space != nsWSDL {
			continue
		}
		switch k.local {
		case "input":
			if in == nil {
				in = k
			}
		case "output":
			if out == nil {
				out = k
				if in == nil {
					im.skip(o, o.n, "a solicit-response or notification operation (the service speaks first), which a gateway cannot call")
					return
				}
			}
		}
	}
	if in == nil {
		im.skip(o, o.n, "an operation without input")
		return
	}
	inMsg, why := im.lookupMessage(in)
	if inMsg == nil {
		im.skip(o, in, "input: "+why)
		return
	}
	bin := bo.child(nsWSDL, "input")
	ib := im.body(bin, p.soapNS)
	op.Use, op.EncodingStyle = ib.use, ib.encodingStyle
	if ib.use == "encoded" && !im.encodedWarned[p.binding] {
		im.encodedWarned[p.binding] = true
		cur := im.curOp
		im.curOp = ""
		im.warnAt(p.binding, "binding "+p.bindingQ.Local, "%s/encoded: values are sent as literal XML with xsi:type on simple values; answers that use multi-reference values (href) are refused", op.Style)
		im.curOp = cur
	}
	var where *node
	op.Request, why, where = im.bodyElement(o, inMsg, ib, op.Local, in)
	if why != "" {
		im.skip(o, where, "input: "+why)
		return
	}
	op.Headers = im.headers(o, ib.headers, inMsg)
	if out == nil {
		op.OneWay = true
	} else if outMsg, why := im.lookupMessage(out); outMsg == nil {
		im.skip(o, out, "output: "+why)
		return
	} else {
		ob := im.body(bo.child(nsWSDL, "output"), p.soapNS)
		op.Response, why, where = im.bodyElement(o, outMsg, ob, op.Local+"Response", out)
		if why != "" {
			im.skip(o, where, "output: "+why)
			return
		}
	}
	op.Wrapped = op.Style == "rpc" || op.Request != nil && op.Request.Name == op.Local
	if op.Request != nil && op.Request.Type.Kind != Complex {
		op.Arg = "input"
	}
	if r := op.Response; r != nil {
		op.Result = r
		if t := r.Type; t.Kind == Complex && len(t.Elements) == 1 && len(t.Attributes) == 0 && t.Content == nil && t.Wildcard == "" {
			op.Result = t.Elements[0]
		}
	}
	op.Root = im.kind(o)
}

// part is one wsdl:part.
type part struct {
	n       *node
	name    string
	element QName
	typ     QName
	isElem  bool
}

func (im *importer) parts(msg *node, element string) []part {
	var out []part
	for _, pn := range msg.children(nsWSDL, "part") {
		p := part{n: pn, name: pn.get("name")}
		if v, ok := pn.attr("element"); ok {
			q, err := pn.qname(v)
			if err != nil {
				im.warnAt(pn, element, "part %s: element: %v", p.name, err)
				continue
			}
			p.element, p.isElem = q, true
		} else if v, ok := pn.attr("type"); ok {
			q, err := pn.qname(v)
			if err != nil {
				im.warnAt(pn, element, "part %s: type: %v", p.name, err)
				continue
			}
			p.typ = q
		} else {
			im.warnAt(pn, element, "part %s has neither element nor type: typed JSON", p.name)
			p.typ = QName{nsXSD, "anyType"}
		}
		out = append(out, p)
	}
	return out
}

// bodyElement builds the element a message's soap:body holds: a part's
// element (document style), or a wrapper named after the operation whose
// children are the parts (rpc style). wrapper is the rpc wrapper's name.
// When the body cannot be built it returns why, and the node to say it at.
func (im *importer) bodyElement(o *operation, msg *node, bi bodyInfo, wrapper string, ref *node) (*Element, string, *node) {
	op := &o.op
	element := "message " + msg.get("name")
	all := im.parts(msg, element)
	// Parts bound to headers of the same message leave the body, unless
	// soap:body names its parts.
	headerParts := map[string]bool{}
	for _, h := range bi.headers {
		if q, err := h.qname(h.get("message")); err == nil && q.Local == msg.get("name") {
			headerParts[h.get("part")] = true
		}
	}
	var parts []part
	for _, p := range all {
		if bi.hasParts && contains(bi.parts, p.name) || !bi.hasParts && !headerParts[p.name] {
			parts = append(parts, p)
		}
	}
	// A part whose element or type a missing file was to declare leaves
	// the body without its shape: the operation cannot be called right.
	for _, p := range parts {
		if reason := im.partMissing(p); reason != "" {
			return nil, reason, p.n
		}
	}
	if op.Style == "document" {
		switch len(parts) {
		case 0:
			return nil, "", nil
		case 1:
			p := parts[0]
			if p.isElem {
				if _, ok := im.defs.elements[p.element]; !ok {
					return nil, fmt.Sprintf("the element %s of part %s is not declared", p.element, p.name), p.n
				}
				e := *im.globalElement(p.element, p.n, element)
				return &e, "", nil
			}
			im.warnAt(p.n, element, "a document-style part with a type rather than an element: sent as the unqualified element <%s>", p.name)
			return &Element{Name: p.name, Field: fieldName(p.name), Type: im.typeByName(p.typ, p.n, element), Min: 1, Max: 1}, "", nil
		default:
			return nil, fmt.Sprintf("a document-style body of %d parts of message %s (WS-I allows one)", len(parts), msg.get("name")), msg
		}
	}
	ns := bi.namespace
	if ns == "" {
		ns = im.defs.TargetNamespace
		im.warnAt(ref, "operation "+op.Local, "soap:body has no namespace for the rpc wrapper: the target namespace %q is used", ns)
	}
	t := &Type{Kind: Complex}
	im.info[t] = &typeInfo{hint: typeName(wrapper), ns: ns, n: msg, key: "~rpc " + op.Name + " " + wrapper, desc: documentation(msg)}
	names := gqlname.NewSet()
	for _, p := range parts {
		var e *Element
		if p.isElem {
			g := im.globalElement(p.element, p.n, element)
			if g == nil {
				continue
			}
			c := *g
			e = &c
		} else {
			name, ok := im.elementName(p.n, p.name, element)
			if !ok {
				continue
			}
			e = &Element{Name: name, Type: im.typeByName(p.typ, p.n, element), Min: 1, Max: 1}
			im.elemDesc[e] = documentation(p.n)
		}
		e.Field = names.Take(fieldName(e.Name))
		t.Elements = append(t.Elements, e)
	}
	return &Element{Name: wrapper, Namespace: ns, Type: t, Min: 1, Max: 1}, "", nil
}

// partMissing says why a part cannot be read when its element or type is
// not declared and a missing file was to declare it; "" otherwise.
func (im *importer) partMissing(p part) string {
	if p.isElem {
		if _, ok := im.defs.elements[p.element]; !ok {
			if note := im.missingNote(p.element.Space); note != "" {
				return fmt.Sprintf("the element %s of part %s is not declared%s", p.element, p.name, note)
			}
		}
		return ""
	}
	if _, builtin := im.builtinType(p.typ); builtin {
		return ""
	}
	if _, ok := im.defs.types[p.typ]; !ok {
		if note := im.missingNote(p.typ.Space); note != "" {
			return fmt.Sprintf("the type %s of part %s is not declared%s", p.typ, p.name, note)
		}
	}
	return ""
}

// headers reads the soap:header parts of a request.
func (im *importer) headers(o *operation, hs []*node, inMsg *node) []Element {
	var out []Element
	for _, h := range hs {
		msg := inMsg
		if v := h.get("message"); v != "" {
			if q, err := h.qname(v); err != nil || q.Local != inMsg.get("name") {
				msg = im.message(h, "header")
			}
		}
		if msg == nil {
			continue
		}
		pname := h.get("part")
		var found bool
		for _, p := range im.parts(msg, "message "+msg.get("name")) {
			if p.name != pname {
				continue
			}
			found = true
			if p.isElem {
				if g := im.globalElement(p.element, p.n, "header "+pname); g != nil {
					out = append(out, *g)
				}
			} else {
				out = append(out, Element{Name: pname, Field: fieldName(pname), Type: im.typeByName(p.typ, p.n, "header "+pname), Min: 1, Max: 1})
			}
		}
		if !found {
			im.warnAt(h, "header", "the message %s has no part %q", msg.get("name"), pname)
		}
	}
	return out
}

// queryWords are the first words of operation names that read without
// side effects: such operations are queries unless Options.Kinds says
// otherwise. Check is a query except in CheckIn and CheckOut, which
// change state; Quote is left out (many services store the quote they
// make), as are Process, Submit, Send and other verbs of action.
var queryWords = map[string]bool{
	"get": true, "list": true, "search": true, "find": true, "query": true, "lookup": true,
	"fetch": true, "read": true, "retrieve": true, "check": true, "count": true, "describe": true,
	"is": true, "are": true, "has": true, "exists": true, "validate": true, "verify": true,
	"calculate": true, "compute": true, "estimate": true,
}

// defaultKind is Query for an operation whose name starts with a word of
// queryWords, Mutation otherwise.
func defaultKind(name string) string {
	ws := gqlname.Words(name)
	if len(ws) == 0 {
		return "Mutation"
	}
	first := strings.ToLower(ws[0])
	if first == "check" && len(ws) > 1 {
		if second := strings.ToLower(ws[1]); second == "in" || second == "out" {
			return "Mutation"
		}
	}
	if queryWords[first] {
		return "Query"
	}
	return "Mutation"
}

func rootKind(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "query":
		return "Query"
	case "mutation":
		return "Mutation"
	}
	return ""
}

// kind is the root type of an operation's field: its Kinds entry (by
// "Port/Operation", then by name), else defaultKind.
func (im *importer) kind(o *operation) string {
	for _, key := range []string{o.op.Name, o.op.Local} {
		if v, ok := im.opts.Kinds[key]; ok {
			if k := rootKind(v); k != "" {
				return k
			}
		}
	}
	return defaultKind(o.op.Local)
}

// checkKinds warns about Kinds entries that name no operation or no kind.
func (im *importer) checkKinds() {
	known := map[string]bool{}
	for _, o := range im.ops {
		known[o.op.Name] = true
		known[o.op.Local] = true
	}
	keys := make([]string, 0, len(im.opts.Kinds))
	for k := range im.opts.Kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			im.warnings = append(im.warnings, Warning{Element: k, Msg: "Kinds names this, which is not an operation of the ports imported"})
		}
		if rootKind(im.opts.Kinds[k]) == "" {
			im.warnings = append(im.warnings, Warning{Element: k, Msg: fmt.Sprintf("Kinds says %q; want Query or Mutation", im.opts.Kinds[k])})
		}
	}
}

// nameRootFields names each operation's field after the operation; when
// several operations of one root type want the same name, each gets its
// port's name in front, then its service's too.
func (im *importer) nameRootFields() {
	im.roots = map[string][]*operation{}
	byRoot := map[string][]*gqlname.Request{}
	reqOf := map[*gqlname.Request]*operation{}
	for _, o := range im.ops {
		if o.op.Skipped != "" {
			continue
		}
		ow := gqlname.Words(o.op.Local)
		pw := gqlname.Words(o.op.Port)
		sw := gqlname.Words(o.op.Service)
		r := &gqlname.Request{Key: o.op.Name, Cands: []string{
			gqlname.LowerCamel(ow...),
			gqlname.LowerCamel(append(append([]string(nil), pw...), ow...)...),
			gqlname.LowerCamel(append(append(append([]string(nil), sw...), pw...), ow...)...),
		}}
		reqOf[r] = o
		byRoot[o.op.Root] = append(byRoot[o.op.Root], r)
		im.roots[o.op.Root] = append(im.roots[o.op.Root], o)
	}
	for _, reqs := range byRoot {
		gqlname.Assign(reqs, gqlname.NewSet())
		for _, r := range reqs {
			reqOf[r].op.Field = r.Name
		}
	}
}
