package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"
	"go.yaml.in/yaml/v3"
)

// Defaults of LoadOptions.
const (
	DefaultMaxBytes = 32 << 20
	DefaultMaxFiles = 256
)

// LoadOptions bound what Load reads.
type LoadOptions struct {
	// MaxBytes caps the bytes of all files of the document together
	// (default DefaultMaxBytes).
	MaxBytes int64
	// MaxFiles caps the files a document may span (default DefaultMaxFiles).
	MaxFiles int
	// Client fetches http(s) sources and the files they reference
	// (default http.DefaultClient). Its timeout, or the context's deadline,
	// bounds each fetch.
	Client *http.Client
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

// Document is a loaded OpenAPI document: Swagger 2.0, or OpenAPI 3.0 or 3.1,
// with its $refs resolved.
type Document struct {
	// Source is the file path or URL the document was loaded from.
	Source string
	// Version is the document's swagger or openapi version, such as "3.1.0".
	Version string

	v2      *v2high.Swagger
	v3      *v3high.Document
	rolodex *index.Rolodex
	rootAbs string // absolute path or URL of the root file
	remote  bool
	// rootIndexPath is the name the parser gives the root file, which is
	// not always its path.
	rootIndexPath string
	// buildErrs are the parser's complaints about a document it could
	// still build; Import reports them as warnings.
	buildErrs []error
	// sourceURL is the parsed Source for remote documents: relative server
	// URLs resolve against it.
	sourceURL *url.URL
}

// Load reads an OpenAPI document from a file path or an http(s) URL. $refs to
// other files resolve relative to the file that holds them; a local document
// may reference local files only. Every file read counts against
// opts.MaxBytes and opts.MaxFiles. Errors name the file, and the line and
// column when the parser reports them.
func Load(ctx context.Context, source string, opts LoadOptions) (*Document, error) {
	opts = opts.withDefaults()
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return loadURL(ctx, u, opts)
	}
	return loadFile(ctx, source, opts)
}

// Parse reads a single-file OpenAPI document from data; name is used in
// errors and warnings. References to other files are errors.
func Parse(name string, data []byte) (*Document, error) {
	if int64(len(data)) > DefaultMaxBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, more than the limit of %d", name, len(data), DefaultMaxBytes)
	}
	// The parser would leave such a reference unresolved, and the
	// importer would degrade what uses it to JSON, with a warning only.
	if err := externalRefs(data, func(v *yaml.Node, _ string) error {
		return fmt.Errorf("%s:%d:%d: $ref %q: a document read from memory cannot reference other files", name, v.Line, v.Column, v.Value)
	}); err != nil {
		return nil, err
	}
	cfg := baseConfig()
	d := &Document{Source: name, rootAbs: name}
	if err := d.build(data, cfg); err != nil {
		return nil, err
	}
	return d, nil
}

func baseConfig() *datamodel.DocumentConfiguration {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler)
	// A $ref with siblings stays a reference to a named schema: the
	// transformation into allOf would turn every such use into an
	// anonymous type.
	cfg.TransformSiblingRefs = false
	cfg.MergeReferencedProperties = false
	return cfg
}

func loadFile(ctx context.Context, source string, opts LoadOptions) (*Document, error) {
	abs, err := filepath.Abs(source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	files, err := fileClosure(ctx, abs, opts)
	if err != nil {
		return nil, err
	}
	cfg := baseConfig()
	cfg.BasePath = filepath.Dir(abs)
	cfg.SpecFilePath = abs
	cfg.AllowFileReferences = len(files) > 1
	d := &Document{Source: source, rootAbs: abs}
	if err := d.build(files[abs], cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// fileClosure reads the root file and every local file its $refs reach,
// within the limits, so that the parser (which reads referenced files
// itself, without limits) only ever opens files already known to be small.
func fileClosure(ctx context.Context, root string, opts LoadOptions) (map[string][]byte, error) {
	files := map[string][]byte{}
	var total int64
	queue := []string{root}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("loading %s: %w", root, err)
		}
		name := queue[0]
		queue = queue[1:]
		if _, ok := files[name]; ok {
			continue
		}
		if len(files) >= opts.MaxFiles {
			return nil, fmt.Errorf("%s: the document spans more than %d files", root, opts.MaxFiles)
		}
		data, err := readFile(name, opts.MaxBytes-total)
		if err != nil {
			return nil, err
		}
		total += int64(len(data))
		files[name] = data
		refs, err := fileRefs(name, data)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if _, ok := files[r]; !ok {
				queue = append(queue, r)
			}
		}
	}
	return files, nil
}

func readFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("reading %s: the document's files are larger than the limit", name)
	}
	return data, nil
}

// fileRefs returns the absolute paths of the files that name's $refs point
// to. A remote reference from a local file is an error: loading a local
// document never reaches the network.
func fileRefs(name string, data []byte) ([]string, error) {
	var out []string
	err := externalRefs(data, func(v *yaml.Node, target string) error {
		if u, err := url.Parse(target); err == nil && u.Scheme != "" && u.Scheme != "file" {
			return fmt.Errorf("%s:%d:%d: $ref %q: a local document may only reference local files", name, v.Line, v.Column, v.Value)
		}
		target, _ = url.PathUnescape(target)
		target = strings.TrimPrefix(target, "file://")
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), filepath.FromSlash(target))
		}
		out = append(out, filepath.Clean(target))
		return nil
	})
	return out, err
}

// externalRefs calls fn for each $ref of the document in data that points
// into another document (a file or a URL: the part before '#'), with the
// $ref's value node and that part, until fn returns an error.
func externalRefs(data []byte, fn func(v *yaml.Node, target string) error) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// The parser reports syntax errors with more context; a file that
		// does not parse here has no references to follow.
		return nil //nolint:nilerr
	}
	var firstErr error
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > maxYAMLDepth || seen[n] || firstErr != nil {
			return
		}
		seen[n] = true
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "$ref" && v.Kind == yaml.ScalarNode {
					if target, _, _ := strings.Cut(v.Value, "#"); target != "" {
						if firstErr = fn(v, target); firstErr != nil {
							return
						}
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
		if n.Alias != nil {
			walk(n.Alias, depth+1)
		}
	}
	walk(&root, 0)
	return firstErr
}

// maxYAMLDepth bounds the nesting the loader and the importer follow.
const maxYAMLDepth = 512

func loadURL(ctx context.Context, u *url.URL, opts LoadOptions) (*Document, error) {
	f := &fetcher{ctx: ctx, opts: opts}
	data, err := f.get(u.String())
	if err != nil {
		return nil, err
	}
	base := *u
	base.Path = path.Dir(u.Path)
	base.RawQuery, base.Fragment = "", ""
	cfg := baseConfig()
	cfg.BaseURL = &base
	cfg.AllowRemoteReferences = true
	cfg.RemoteURLHandler = f.handle
	d := &Document{Source: u.String(), rootAbs: u.String(), remote: true, sourceURL: u}
	if err := d.build(data, cfg); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	return d, nil
}

// fetcher reads remote files within the limits; the parser calls handle
// concurrently for the files the document references.
type fetcher struct {
	ctx   context.Context
	opts  LoadOptions
	mu    sync.Mutex
	total int64
	files int
	err   error
}

func (f *fetcher) reserve() (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files >= f.opts.MaxFiles {
		f.err = fmt.Errorf("the document spans more than %d files", f.opts.MaxFiles)
		return 0, f.err
	}
	f.files++
	return f.opts.MaxBytes - f.total, nil
}

func (f *fetcher) get(u string) ([]byte, error) {
	limit, err := f.reserve()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := f.opts.Client.Do(req)
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
	f.mu.Lock()
	defer f.mu.Unlock()
	if int64(len(data)) > limit {
		f.err = fmt.Errorf("fetching %s: the document's files are larger than the limit of %d bytes", u, f.opts.MaxBytes)
		return nil, f.err
	}
	f.total += int64(len(data))
	return data, nil
}

// handle is the parser's RemoteURLHandler: it answers with the bytes get
// read, so every referenced file is bounded like the root.
func (f *fetcher) handle(u string) (*http.Response, error) {
	data, err := f.get(u)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(data)), Header: http.Header{}}, nil
}

// build parses data with cfg. The parser is third-party code run on
// untrusted input: a panic in it becomes an error for this document rather
// than a crash of the process that loads it.
func (d *Document) build(data []byte, cfg *datamodel.DocumentConfiguration) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: the OpenAPI parser failed: %v", d.Source, r)
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("%s: empty document", d.Source)
	}
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return fmt.Errorf("%s: not an OpenAPI or Swagger document: %w", d.Source, err)
	}
	info := doc.GetSpecInfo()
	d.Version = info.Version
	switch info.SpecFormat {
	case datamodel.OAS2:
		m, err := doc.BuildV2Model()
		if m == nil {
			return fmt.Errorf("%s: %w", d.Source, nonNil(err))
		}
		d.v2, d.rolodex = &m.Model, doc.GetRolodex()
		d.buildErrs = minorErrors(err)
	case datamodel.OAS3, datamodel.OAS31, datamodel.OAS32:
		m, err := doc.BuildV3Model()
		if m == nil {
			return fmt.Errorf("%s: %w", d.Source, nonNil(err))
		}
		d.v3, d.rolodex = &m.Model, doc.GetRolodex()
		d.buildErrs = minorErrors(err)
	default:
		return fmt.Errorf("%s: not an OpenAPI 3 or Swagger 2.0 document (found %q)", d.Source, info.SpecType)
	}
	if d.rolodex != nil && d.rolodex.GetRootIndex() != nil {
		d.rootIndexPath = d.rolodex.GetRootIndex().GetSpecAbsolutePath()
	}
	return nil
}

// minorErrors lists the problems the parser found without giving up on the
// document. Circular references are left out: recursive schemas are
// ordinary, and the importer maps them to types that refer to themselves.
func minorErrors(err error) []error {
	var out []error
	for _, e := range unwrapAll(err) {
		var re *index.ResolvingError
		if errors.As(e, &re) && re.CircularReference != nil {
			continue
		}
		out = append(out, e)
	}
	return out
}

func unwrapAll(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}

func nonNil(err error) error {
	if err == nil {
		return errors.New("the document could not be built")
	}
	return err
}

// displayName turns an absolute file path or URL into the name warnings
// use: relative to the directory of the source as it was given, so
// warnings read the same wherever the document is.
func (d *Document) displayName(abs string) string {
	if abs == "" || abs == d.rootAbs || abs == d.rootIndexPath {
		return d.Source
	}
	if d.remote {
		return abs
	}
	rel, err := filepath.Rel(filepath.Dir(d.rootAbs), abs)
	if err != nil {
		return abs
	}
	return filepath.ToSlash(filepath.Join(filepath.Dir(d.Source), rel))
}
