package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/pb33f/libopenapi/index"
	"go.yaml.in/yaml/v3"
)

// A document's closure is its root file and every file its $refs reach,
// read within the limits before the parser runs. The parser then reads
// these bytes only, never the disk or the network by itself.
//
// A $ref that names a file that is missing, cannot be fetched, or is not a
// JSON or YAML document of objects (a Markdown page) would make the parser
// drop the whole section that holds it (every path, for one parameter).
// So the parser is given a stand-in for such a file: a document with a
// marker at each place the $refs point
// into it, {x-weft-unresolved: {file, pointer, why}}. Every reference then
// resolves, and the importer degrades only the parts that reach a marker,
// with a warning that says why.

// unresolvedKey is the key of the marker a stand-in holds.
const unresolvedKey = "x-weft-unresolved"

// LimitError is a load stopped by one of LoadOptions' limits.
type LimitError struct {
	// Limit is the option: "MaxFiles" or "MaxBytes".
	Limit string
	// Value is the limit's value.
	Value int64
	// Source is the document being loaded.
	Source string
}

func (e *LimitError) Error() string {
	if e.Limit == "MaxFiles" {
		return fmt.Sprintf("%s: the document spans more than %d files", e.Source, e.Value)
	}
	return fmt.Sprintf("%s: the document's files are larger than the limit of %d bytes", e.Source, e.Value)
}

// unreadableError is why one referenced file cannot be read; the file
// then gets a stand-in, and the load goes on.
type unreadableError struct{ why string }

func (e *unreadableError) Error() string { return e.why }

func unreadable(why string) error { return &unreadableError{why: why} }

// errTooLarge is a read that would pass the bytes left of MaxBytes.
var errTooLarge = errors.New("larger than the limit")

// closure reads a document's files.
type closure struct {
	opts LoadOptions
	// read reads one file (a path or a URL) within limit bytes; an
	// *unreadableError says the file cannot be had, any other error
	// stops the load.
	read func(ctx context.Context, name string, limit int64) ([]byte, error)
	// resolve is the file a $ref's target names, relative to the file
	// that holds it; an *unreadableError refuses the target.
	resolve func(from, target string) (string, error)
	root    string
	files   map[string][]byte
	// broken says why each file that cannot be read cannot.
	broken map[string]string
	// pointers are the fragments the $refs point at in each file.
	pointers map[string]map[string]bool
	// referenced says a file is the target of some $ref.
	referenced map[string]bool
	total      int64

	// mu guards the maps once the parser runs: it asks for remote files
	// concurrently.
	mu  sync.Mutex
	ctx context.Context
	// err is the first error met while the parser asked for a file,
	// which fails the load.
	err error
}

func newClosure(opts LoadOptions, read func(context.Context, string, int64) ([]byte, error), resolve func(string, string) (string, error)) *closure {
	return &closure{
		opts: opts, read: read, resolve: resolve,
		files: map[string][]byte{}, broken: map[string]string{},
		pointers: map[string]map[string]bool{}, referenced: map[string]bool{},
	}
}

// run reads root and every file its $refs reach. Only the root's own
// failure, a limit or the context stops it.
func (c *closure) run(ctx context.Context, root string) error {
	c.ctx, c.root = ctx, root
	return c.add(root)
}

func (c *closure) add(first string) error {
	queue := []string{first}
	for len(queue) > 0 {
		if err := c.ctx.Err(); err != nil {
			return fmt.Errorf("loading %s: %w", c.root, err)
		}
		name := queue[0]
		queue = queue[1:]
		if _, ok := c.files[name]; ok {
			continue
		}
		if _, ok := c.broken[name]; ok {
			continue
		}
		if len(c.files)+len(c.broken) >= c.opts.MaxFiles {
			return &LimitError{Limit: "MaxFiles", Value: int64(c.opts.MaxFiles), Source: c.root}
		}
		data, err := c.read(c.ctx, name, c.opts.MaxBytes-c.total)
		var ue *unreadableError
		switch {
		case err == nil:
		case name == c.root && errors.As(err, &ue):
			return fmt.Errorf("reading %s: %s", name, ue.why)
		case errors.As(err, &ue):
			c.broken[name] = ue.why
			continue
		case errors.Is(err, errTooLarge):
			return &LimitError{Limit: "MaxBytes", Value: c.opts.MaxBytes, Source: c.root}
		default:
			return err
		}
		c.total += int64(len(data))
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil || !mappingDoc(&doc) {
			if name != c.root {
				c.broken[name] = "it is not a JSON or YAML document"
				if err != nil {
					c.broken[name] += " (" + firstErrLine(err) + ")"
				}
				continue
			}
			// The parser says what is wrong with the root, with more
			// context.
			c.files[name] = data
			continue
		}
		c.files[name] = data
		err = eachRef(&doc, func(v *yaml.Node, target, fragment string) error {
			abs, err := c.resolve(name, target)
			if err != nil {
				var ue *unreadableError
				if !errors.As(err, &ue) {
					return fmt.Errorf("%s:%d:%d: $ref %q: %w", name, v.Line, v.Column, v.Value, err)
				}
				// The parser's own spelling of the target gets the
				// stand-in.
				abs = c.parserName(name, target)
				if _, seen := c.broken[abs]; !seen {
					c.broken[abs] = ue.why
				}
			}
			c.referenced[abs] = true
			if c.pointers[abs] == nil {
				c.pointers[abs] = map[string]bool{}
			}
			c.pointers[abs][fragment] = true
			queue = append(queue, abs)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// parserName is the name the parser gives a target the closure refuses
// to read, so that the stand-in is found under it.
func (c *closure) parserName(from, target string) string {
	if u, err := url.Parse(target); err == nil && u.IsAbs() {
		u.Fragment = ""
		return u.String()
	}
	if strings.Contains(from, "://") {
		if b, err := url.Parse(from); err == nil {
			if t, err := url.Parse(target); err == nil {
				r := b.ResolveReference(t)
				r.Fragment = ""
				return r.String()
			}
		}
	}
	return filepath.Join(filepath.Dir(from), filepath.FromSlash(target))
}

func mappingDoc(doc *yaml.Node) bool {
	return doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode
}

func firstErrLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// standIn is the document the parser reads for a file that cannot be
// read: a marker saying why at each fragment the document points at.
func (c *closure) standIn(name string) []byte {
	why := c.broken[name]
	root := &yaml.Node{Kind: yaml.MappingNode}
	frags := make([]string, 0, len(c.pointers[name]))
	for f := range c.pointers[name] {
		frags = append(frags, f)
	}
	sort.Strings(frags)
	if len(frags) == 0 {
		frags = []string{""}
	}
	for _, f := range frags {
		n := root
		for _, tok := range strings.Split(strings.Trim(f, "/"), "/") {
			if tok == "" {
				continue
			}
			n = childMapping(n, unescapePointerToken(tok))
		}
		if childValue(n, unresolvedKey) == nil {
			marker := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				scalar("file"), scalar(name), scalar("pointer"), scalar(f), scalar("why"), scalar(why),
			}}
			n.Content = append(n.Content, scalar(unresolvedKey), marker)
		}
	}
	out, err := yaml.Marshal(root)
	if err != nil {
		// A tree of strings always marshals; the marker alone is the
		// next best stand-in.
		return []byte(unresolvedKey + ": {why: " + strconv.Quote(why) + "}\n")
	}
	return out
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func childValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func childMapping(m *yaml.Node, key string) *yaml.Node {
	if v := childValue(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	v := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, scalar(key), v)
	return v
}

// localFS is the file system the parser reads a local document's other
// files from: the closure's files and the stand-ins, and nothing else.
// The root is in it only when a file refers to it (the parser reads the
// root from memory). It sees the file system from its root, so that every
// file, wherever it is, has a path inside it.
func (c *closure) localFS(root string) (fs.FS, error) {
	base := filepath.VolumeName(root) + string(filepath.Separator)
	m := fstest.MapFS{}
	put := func(name string, data []byte) {
		rel, err := filepath.Rel(base, name)
		if err != nil || strings.HasPrefix(rel, "..") {
			return
		}
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data, Mode: 0o444}
	}
	for name, data := range c.files {
		if name != root || c.referenced[name] {
			put(name, data)
		}
	}
	for name := range c.broken {
		put(name, c.standIn(name))
	}
	lfs, err := index.NewLocalFSWithConfig(&index.LocalFSConfig{BaseDirectory: base, DirFS: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", root, err)
	}
	return lfs, nil
}

// refuse is the parser's RemoteURLHandler for a local document: it never
// fetches, and answers every URL with its stand-in.
func (c *closure) refuse(u string) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := u
	if p, err := url.Parse(u); err == nil {
		p.Fragment = ""
		name = p.String()
	}
	if _, ok := c.broken[name]; !ok {
		c.broken[name] = "a local document may only reference local files"
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(c.standIn(name))), Header: http.Header{}}, nil
}

// handle is the parser's RemoteURLHandler: it answers from the closure,
// with the stand-in for a file that cannot be fetched. A URL the closure
// does not know (the parser may spell one differently) is read, with the
// files it refers to, within the same limits.
func (c *closure) handle(u string) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := u
	if p, err := url.Parse(u); err == nil {
		p.Path = path.Clean(p.Path)
		p.Fragment = ""
		name = p.String()
	}
	data, ok := c.files[name]
	if !ok {
		if _, bad := c.broken[name]; !bad {
			if err := c.add(name); err != nil {
				if c.err == nil {
					c.err = err
				}
				return nil, err
			}
			data, ok = c.files[name]
		}
	}
	if !ok {
		data = c.standIn(name)
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(data)), Header: http.Header{}}, nil
}

// nameMaps are the keys whose values map names the document chooses
// (property names, header names, schema names) to objects: below them, a
// name that starts with x- is a name, not an extension.
var nameMaps = map[string]bool{
	"properties": true, "patternProperties": true, "definitions": true, "$defs": true,
	"dependentSchemas": true, "schemas": true, "parameters": true, "responses": true,
	"headers": true, "examples": true, "requestBodies": true, "securitySchemes": true,
	"securityDefinitions": true, "links": true, "callbacks": true, "pathItems": true,
	"webhooks": true, "encoding": true, "content": true, "variables": true, "scopes": true,
}

// eachRef calls fn for each $ref of the document under root that points
// into another document (a file or a URL: the part before '#'), with the
// $ref's value node, that part and the fragment after '#', until fn
// returns an error. Vendor extensions (keys that start with x-, where they
// are not names the document chose) are opaque: no $ref in them is
// followed. The walk keeps its own stack, so that no nesting can exhaust
// the goroutine's.
func eachRef(root *yaml.Node, fn func(v *yaml.Node, target, fragment string) error) error {
	type item struct {
		n *yaml.Node
		// names says n's keys are names, not fields.
		names bool
	}
	stack := []item{{n: root}}
	seen := map[*yaml.Node]bool{}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		switch n.Kind {
		case yaml.AliasNode:
			stack = append(stack, item{n: n.Alias, names: it.names})
		case yaml.MappingNode:
			// In reverse, so that the stack pops them in document order.
			for i := len(n.Content) - 2; i >= 0; i -= 2 {
				k, v := n.Content[i], n.Content[i+1]
				if it.names {
					stack = append(stack, item{n: v})
					continue
				}
				if strings.HasPrefix(k.Value, "x-") {
					continue
				}
				stack = append(stack, item{n: v, names: nameMaps[k.Value]})
			}
			if it.names {
				continue
			}
			if v := childValue(n, "$ref"); v != nil && v.Kind == yaml.ScalarNode {
				if target, fragment, _ := strings.Cut(v.Value, "#"); target != "" {
					if err := fn(v, target, fragment); err != nil {
						return err
					}
				}
			}
		default:
			for i := len(n.Content) - 1; i >= 0; i-- {
				stack = append(stack, item{n: n.Content[i]})
			}
		}
	}
	return nil
}
