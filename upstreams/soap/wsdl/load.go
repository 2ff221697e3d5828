package wsdl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Defaults of LoadOptions.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxFiles = 10000
)

// LoadOptions bound what Load reads, and say where from.
type LoadOptions struct {
	// Client fetches http(s) sources and the files they import (default
	// http.DefaultClient). Its timeout, or the context's deadline, bounds
	// each fetch.
	Client *http.Client
	// MaxBytes caps the bytes of all files together (default
	// DefaultMaxBytes).
	MaxBytes int64
	// MaxFiles caps the number of files (default DefaultMaxFiles).
	MaxFiles int
	// FS, when set, is where file sources and the files they import are
	// read from: paths are slash-separated and relative to its root.
	FS fs.FS
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	return o
}

// Definitions is a loaded WSDL 1.1 document with every file it imports.
type Definitions struct {
	// Source is the path or URL the document was loaded from.
	Source string
	// Files are the names of the files read, the source first: paths
	// relative to the source's directory as it was given, or URLs.
	Files []string
	// TargetNamespace is the source's targetNamespace.
	TargetNamespace string

	files      []*file
	messages   map[QName]*node
	portTypes  map[QName]*node
	bindings   map[QName]*node
	bindOrder  []QName
	services   []*node
	schemas    []*schemaDoc
	elements   map[QName]decl
	types      map[QName]decl
	groups     map[QName]decl
	attrGroups map[QName]decl
	attributes map[QName]decl
	warnings   []Warning
	// missing are the files imports name that were not read.
	missing []missingFile
}

// missingFile is a file an import names that was not read: a local file
// that is not there, a URL that did not answer, or a URL a local document
// does not follow. What it would have declared is missing, and each part
// that needs it says so and names it.
type missingFile struct {
	// name is the file as warnings name it: a path or a URL.
	name string
	// space is the namespace it was to declare: xs:import's and
	// wsdl:import's namespace attribute, or the including schema's target
	// namespace for xs:include and xs:redefine.
	space string
	// at is the import that names it.
	at *node
}

// schemaDoc is one xs:schema, in a wsdl:types or a file of its own.
type schemaDoc struct {
	node *node
	tns  string
	// qualElems and qualAttrs are elementFormDefault and
	// attributeFormDefault: whether local declarations are qualified.
	qualElems, qualAttrs bool
	// chameleon is set for a schema without a target namespace included
	// into one that has one: its components take the includer's.
	chameleon bool
}

// decl is a global schema component and the schema it is declared in.
type decl struct {
	n *node
	s *schemaDoc
}

// Load reads a WSDL 1.1 document from a file path or an http(s) URL, with
// the files it imports: wsdl:import, and xs:import, xs:include and
// xs:redefine with a schemaLocation, each relative to the file that names
// it. A local document reads local files only (an import of a URL is not
// followed, with a warning); a remote one reads http(s) URLs only. An
// imported file that is not there (or a URL that does not answer) is a
// warning too: what it would have declared is missing, and Import leaves
// out what needs it, naming the file. Every file counts against
// opts.MaxBytes and opts.MaxFiles. A source that cannot be read, malformed
// XML, an undeclared namespace prefix, a DTD, an imported file that is not
// WSDL or XML Schema, or a limit passed is an error naming the file and
// line.
func Load(ctx context.Context, source string, opts LoadOptions) (*Definitions, error) {
	opts = opts.withDefaults()
	l := &loader{ctx: ctx, opts: opts, seen: map[string]bool{}, defs: &Definitions{
		Source:     source,
		messages:   map[QName]*node{},
		portTypes:  map[QName]*node{},
		bindings:   map[QName]*node{},
		elements:   map[QName]decl{},
		types:      map[QName]decl{},
		groups:     map[QName]decl{},
		attrGroups: map[QName]decl{},
		attributes: map[QName]decl{},
	}}
	var loc string
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		l.remote = true
		loc = u.String()
	} else if opts.FS != nil {
		loc = path.Clean(filepath.ToSlash(source))
		if !fs.ValidPath(loc) {
			return nil, fmt.Errorf("%s: not a valid path in the file system given", source)
		}
	} else {
		abs, err := filepath.Abs(source)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		loc = abs
	}
	l.rootLoc = loc
	f, err := l.read(loc)
	if err != nil {
		return nil, err
	}
	root := f.root
	switch {
	case root.is(nsWSDL, "definitions"):
	case root.is(nsWSDL20, "description"):
		return nil, fmt.Errorf("%s:%d: a WSDL 2.0 document, which is not supported (WSDL 1.1 is)", f.name, root.line)
	default:
		return nil, fmt.Errorf("%s:%d: not a WSDL 1.1 document: the root element is {%s}%s, not wsdl:definitions", f.name, root.line, root.space, root.local)
	}
	l.defs.TargetNamespace = root.get("targetNamespace")
	if err := l.loadWSDL(root); err != nil {
		return nil, err
	}
	return l.defs, nil
}

type loader struct {
	ctx     context.Context
	opts    LoadOptions
	defs    *Definitions
	seen    map[string]bool
	total   int64
	remote  bool
	rootLoc string
}

func (l *loader) warn(n *node, element, format string, args ...any) {
	l.defs.warnings = append(l.defs.warnings, Warning{File: n.file.name, Line: n.line, Element: element, Msg: fmt.Sprintf(format, args...)})
}

// resolve finds the file a reference in from names.
func (l *loader) resolve(from *node, ref string) (loc string, remote bool, err error) {
	ref = strings.TrimSpace(ref)
	if l.remote {
		base, err := url.Parse(from.file.loc)
		if err != nil {
			return "", false, err
		}
		u, err := base.Parse(ref)
		if err != nil {
			return "", false, fmt.Errorf("%q is not a URL: %w", ref, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", false, fmt.Errorf("%q: a remote document imports http(s) URLs only", ref)
		}
		u.Fragment = ""
		return u.String(), true, nil
	}
	if u, err := url.Parse(ref); err == nil && u.Scheme != "" && len(u.Scheme) > 1 {
		return ref, true, nil
	}
	// A location is a URI reference: "my%20types.xsd" names "my types.xsd".
	if strings.Contains(ref, "%") {
		if p, err := url.PathUnescape(ref); err == nil {
			ref = p
		}
	}
	if l.opts.FS != nil {
		p := path.Clean(path.Join(path.Dir(from.file.loc), filepath.ToSlash(ref)))
		if strings.HasPrefix(ref, "/") {
			p = path.Clean(strings.TrimPrefix(ref, "/"))
		}
		if !fs.ValidPath(p) {
			return "", false, fmt.Errorf("%q leaves the file system given", ref)
		}
		return p, false, nil
	}
	if filepath.IsAbs(ref) {
		return filepath.Clean(ref), false, nil
	}
	return filepath.Join(filepath.Dir(from.file.loc), filepath.FromSlash(ref)), false, nil
}

// follow reads the file a reference names, once; it returns nil for a file
// already read and for a reference it does not follow or cannot find,
// which is recorded as missing: space is the namespace the file was to
// declare.
func (l *loader) follow(from *node, what, ref, space string) (*file, error) {
	loc, remote, err := l.resolve(from, ref)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %s: %w", from.file.name, from.line, what, err)
	}
	if remote && !l.remote {
		l.missing(from, loc, space)
		l.warn(from, what, "%s is not read: a local document reads local files only (load the WSDL from its URL, or keep a copy beside it); %s", loc, leftOut(space))
		return nil, nil
	}
	if l.seen[loc] {
		return nil, nil
	}
	f, err := l.read(loc)
	var ne *notFoundError
	if errors.As(err, &ne) {
		name := l.displayName(loc)
		l.missing(from, name, space)
		l.warn(from, what, "%s cannot be read (%v); %s", name, ne.err, leftOut(space))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %s: %w", from.file.name, from.line, what, err)
	}
	return f, nil
}

// leftOut says what a missing file's absence costs.
func leftOut(space string) string {
	ns := "without a namespace"
	if space != "" {
		ns = fmt.Sprintf("of namespace %q", space)
	}
	return "what it declares (" + ns + ") is missing, and the parts that need it are left out"
}

func (l *loader) missing(at *node, name, space string) {
	l.defs.missing = append(l.defs.missing, missingFile{name: name, space: space, at: at})
}

// notFoundError is a file that is not there: a local file that does not
// exist, or a URL that did not answer with it.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string { return e.err.Error() }
func (e *notFoundError) Unwrap() error { return e.err }

// LimitError is a WSDL that goes past one of LoadOptions' limits; the
// caller says how to raise it.
type LimitError struct {
	// Limit is the option: "MaxFiles" or "MaxBytes".
	Limit string
	// Value is the limit's value.
	Value int64
	// Source is the document being loaded, or the file that went past
	// MaxBytes.
	Source string
}

func (e *LimitError) Error() string {
	if e.Limit == "MaxFiles" {
		return fmt.Sprintf("%s: the document spans more than %d files", e.Source, e.Value)
	}
	return fmt.Sprintf("%s: the document's files are larger than the limit of %d bytes", e.Source, e.Value)
}

// read reads and parses one file, within the limits.
func (l *loader) read(loc string) (*file, error) {
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	if len(l.defs.files) >= l.opts.MaxFiles {
		return nil, &LimitError{Limit: "MaxFiles", Value: int64(l.opts.MaxFiles), Source: l.defs.Source}
	}
	l.seen[loc] = true
	limit := l.opts.MaxBytes - l.total
	var data []byte
	var err error
	switch {
	case l.remote:
		data, err = l.fetch(loc, limit)
	case l.opts.FS != nil:
		data, err = readLimited(func() (io.ReadCloser, error) { return l.opts.FS.Open(loc) }, limit)
	default:
		data, err = readLimited(func() (io.ReadCloser, error) { return os.Open(loc) }, limit)
	}
	if err != nil {
		// The cause, without the paths the file systems put around it
		// (an fs.FS over a config may wrap the OS's error in its own).
		for {
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				break
			}
			err = pe.Err
		}
		// A URL that does not answer is as missing as a file that is not
		// there; a load that was cancelled is not.
		if errors.Is(err, fs.ErrNotExist) || l.remote && l.ctx.Err() == nil {
			err = &notFoundError{err}
		}
		return nil, fmt.Errorf("%s: %w", l.displayName(loc), err)
	}
	if int64(len(data)) > limit {
		return nil, &LimitError{Limit: "MaxBytes", Value: l.opts.MaxBytes, Source: l.displayName(loc)}
	}
	l.total += int64(len(data))
	f := &file{name: l.displayName(loc), loc: loc}
	if err := parseXML(f, data); err != nil {
		return nil, err
	}
	l.defs.files = append(l.defs.files, f)
	l.defs.Files = append(l.defs.Files, f.name)
	return f, nil
}

func readLimited(open func() (io.ReadCloser, error), limit int64) ([]byte, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, limit+1))
}

func (l *loader) fetch(u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(l.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	req.Header.Set("Accept", "text/xml, application/xml, application/wsdl+xml;q=0.9, */*;q=0.5")
	resp, err := l.opts.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("fetching %s: HTTP %d", u, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	return data, nil
}

// displayName is the name warnings and errors give a file: the source as
// it was given, others relative to its directory, so that messages read
// the same wherever the files are.
func (l *loader) displayName(loc string) string {
	if loc == l.rootLoc || l.rootLoc == "" {
		return l.defs.Source
	}
	if l.remote {
		return loc
	}
	if l.opts.FS != nil {
		return loc
	}
	rel, err := filepath.Rel(filepath.Dir(l.rootLoc), loc)
	if err != nil {
		return loc
	}
	return filepath.ToSlash(filepath.Join(filepath.Dir(l.defs.Source), rel))
}

// loadWSDL indexes a wsdl:definitions element and reads what it imports,
// in document order.
func (l *loader) loadWSDL(root *node) error {
	tns := root.get("targetNamespace")
	for _, n := range root.kids {
		if n.space != nsWSDL {
			continue
		}
		switch n.local {
		case "import":
			loc := n.get("location")
			if loc == "" {
				l.warn(n, "import", "wsdl:import without a location: nothing to read")
				continue
			}
			f, err := l.follow(n, "import", loc, n.get("namespace"))
			if err != nil {
				return err
			}
			if f == nil {
				continue
			}
			switch {
			case f.root.is(nsWSDL, "definitions"):
				if err := l.loadWSDL(f.root); err != nil {
					return err
				}
			case isXSD(f.root.space) && f.root.local == "schema":
				if err := l.loadSchema(f.root, ""); err != nil {
					return err
				}
			default:
				return fmt.Errorf("%s:%d: the imported file %s is neither WSDL 1.1 nor XML Schema (its root is {%s}%s)", n.file.name, n.line, f.name, f.root.space, f.root.local)
			}
		case "types":
			for _, s := range n.kids {
				if isXSD(s.space) && s.local == "schema" {
					if err := l.loadSchema(s, ""); err != nil {
						return err
					}
				}
			}
		case "message", "portType", "binding":
			name := n.get("name")
			if name == "" {
				l.warn(n, n.local, "wsdl:%s without a name: ignored", n.local)
				continue
			}
			q := QName{tns, name}
			m := map[string]map[QName]*node{"message": l.defs.messages, "portType": l.defs.portTypes, "binding": l.defs.bindings}[n.local]
			if _, dup := m[q]; dup {
				l.warn(n, n.local+" "+name, "declared twice: the first one is used")
				continue
			}
			m[q] = n
			if n.local == "binding" {
				l.defs.bindOrder = append(l.defs.bindOrder, q)
			}
		case "service":
			l.defs.services = append(l.defs.services, n)
		}
	}
	return nil
}

func isXSD(space string) bool {
	return space == nsXSD || space == nsXSD1999 || space == nsXSD2000
}

// loadSchema indexes a schema's global components and reads the schemas it
// imports and includes. chameleon is the includer's target namespace when
// the schema is included.
func (l *loader) loadSchema(n *node, chameleon string) error {
	s := &schemaDoc{
		node:      n,
		tns:       n.get("targetNamespace"),
		qualElems: n.get("elementFormDefault") == "qualified",
		qualAttrs: n.get("attributeFormDefault") == "qualified",
	}
	if s.tns == "" && chameleon != "" {
		s.tns, s.chameleon = chameleon, true
	}
	l.defs.schemas = append(l.defs.schemas, s)
	for _, k := range n.kids {
		if !isXSD(k.space) {
			continue
		}
		switch k.local {
		case "import", "include", "redefine":
			loc := k.get("schemaLocation")
			if loc == "" {
				if k.local != "import" {
					l.warn(k, k.local, "xs:%s without a schemaLocation: nothing to read", k.local)
				}
				continue
			}
			space := s.tns
			if k.local == "import" {
				space = k.get("namespace")
			}
			f, err := l.follow(k, k.local, loc, space)
			if err != nil {
				return err
			}
			if f == nil {
				continue
			}
			if !isXSD(f.root.space) || f.root.local != "schema" {
				return fmt.Errorf("%s:%d: %s: %s is not an XML Schema (its root is {%s}%s)", k.file.name, k.line, k.local, f.name, f.root.space, f.root.local)
			}
			if k.local == "import" {
				if want, got := k.get("namespace"), f.root.get("targetNamespace"); want != got {
					l.warn(k, "import", "imports namespace %q, but %s's target namespace is %q", want, f.name, got)
				}
				if err := l.loadSchema(f.root, ""); err != nil {
					return err
				}
				continue
			}
			if k.local == "redefine" {
				l.warn(k, "redefine", "xs:redefine is read as xs:include: its redefinitions are not applied")
			}
			if got := f.root.get("targetNamespace"); got != "" && got != s.tns {
				l.warn(k, k.local, "includes %s, whose target namespace %q is not this schema's %q", f.name, got, s.tns)
			}
			if err := l.loadSchema(f.root, s.tns); err != nil {
				return err
			}
		case "element", "complexType", "simpleType", "group", "attributeGroup", "attribute":
			name := strings.TrimSpace(k.get("name"))
			if name == "" {
				l.warn(k, k.local, "a global xs:%s without a name: ignored", k.local)
				continue
			}
			q := QName{s.tns, name}
			var m map[QName]decl
			switch k.local {
			case "element":
				m = l.defs.elements
			case "complexType", "simpleType":
				m = l.defs.types
			case "group":
				m = l.defs.groups
			case "attributeGroup":
				m = l.defs.attrGroups
			default:
				m = l.defs.attributes
			}
			if prev, dup := m[q]; dup {
				if prev.n != k {
					l.warn(k, k.local+" "+name, "declared twice in namespace %q (first at %s:%d): the first one is used", s.tns, prev.n.file.name, prev.n.line)
				}
				continue
			}
			m[q] = decl{k, s}
		}
	}
	return nil
}
