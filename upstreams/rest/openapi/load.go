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
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/index"
	"go.yaml.in/yaml/v3"
)

// Defaults of LoadOptions. They are far above what the largest public API
// descriptions need (a description split over a few thousand files, or a
// single file of a few tens of megabytes), and bound what a broken or
// hostile document can make the loader read.
const (
	DefaultMaxBytes = 64 << 20
	DefaultMaxFiles = 10000
)

// LoadOptions bound what Load reads.
type LoadOptions struct {
	// MaxBytes caps the bytes of all files of the document together
	// (default DefaultMaxBytes).
	MaxBytes int64
	// MaxFiles caps the files a document may span, those its $refs name
	// that cannot be read included (default DefaultMaxFiles).
	MaxFiles int
	// Client fetches http(s) sources and the files they reference
	// (default http.DefaultClient). Its timeout, or the context's deadline,
	// bounds each fetch.
	Client *http.Client
	// FS, when set, is read instead of the operating system's files: the
	// source and the files its $refs name are slash-separated paths in it
	// (a config held in memory, such as a registry's). A $ref that climbs
	// above the FS's root cannot be read.
	FS fs.FS
	// Display, with FS, is the name errors and warnings give the source
	// (and the files beside it); default the source itself.
	Display string
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

// Load reads an OpenAPI document from a file path or an http(s) URL, with
// the files its $refs reach (see closure): $refs to other files resolve
// relative to the file that holds them, a local document reaches local
// files only, and a remote one http(s) URLs only. Every file read counts
// against opts.MaxBytes and opts.MaxFiles. A $ref inside a vendor
// extension (x-...) is never followed. A referenced file that cannot be
// read, or is not a JSON or YAML document, fails only what uses it: the
// importer types such a schema JSON, or leaves out such a parameter or
// response, with a warning. Errors name the file, and the line and column
// when the parser reports them.
func Load(ctx context.Context, source string, opts LoadOptions) (*Document, error) {
	opts = opts.withDefaults()
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return loadURL(ctx, u, opts)
	}
	if opts.FS != nil {
		return loadFS(ctx, source, opts)
	}
	return loadFile(ctx, source, opts)
}

// Parse reads a single-file OpenAPI document from data; name is used in
// errors and warnings. References to other files are errors, except
// inside vendor extensions, which are never followed.
func Parse(name string, data []byte) (*Document, error) {
	if int64(len(data)) > DefaultMaxBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, more than the limit of %d", name, len(data), DefaultMaxBytes)
	}
	// With no files to read, the parser would drop every section that
	// holds such a reference (all paths, for one parameter's), and the
	// import would say little of why.
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil {
		if err := eachRef(&root, func(v *yaml.Node, target, _ string) error {
			return fmt.Errorf("%s:%d:%d: $ref %q: a document read from memory cannot reference other files", name, v.Line, v.Column, v.Value)
		}); err != nil {
			return nil, err
		}
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
	// Extensions are opaque: a $ref in one often names a page of
	// documentation, not a part of the API.
	cfg.ExcludeExtensionRefs = true
	return cfg
}

func loadFile(ctx context.Context, source string, opts LoadOptions) (*Document, error) {
	abs, err := filepath.Abs(source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return loadLocal(ctx, source, abs, readLocal, opts)
}

// fsRoot is where an FS's files seem to be, to the parser, which reads
// local documents by absolute paths: the FS's "a/b.yaml" is
// fsRoot+"a/b.yaml". It is a directory below the root so that a $ref
// climbing out of the FS is seen to, not clamped at the root.
const fsRoot = "/config/"

// loadFS reads the document from opts.FS, its files named to the parser
// as if the FS were the file system's root.
func loadFS(ctx context.Context, source string, opts LoadOptions) (*Document, error) {
	if !fs.ValidPath(source) {
		return nil, fmt.Errorf("%s: %w", source, fs.ErrInvalid)
	}
	read := func(_ context.Context, name string, limit int64) ([]byte, error) {
		rel, err := filepath.Rel(fsRoot, name)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, unreadable("it is outside the config's files")
		}
		f, err := opts.FS.Open(filepath.ToSlash(rel))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, unreadable("the file does not exist")
			}
			return nil, unreadable(err.Error())
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		if err != nil {
			return nil, unreadable(err.Error())
		}
		if int64(len(data)) > limit {
			return nil, errTooLarge
		}
		return data, nil
	}
	display := source
	if opts.Display != "" {
		display = opts.Display
	}
	d, err := loadLocal(ctx, display, fsRoot+source, read, opts)
	if err != nil {
		// The parser's and the closure's errors name the files as the
		// parser saw them.
		return nil, &renamedError{msg: strings.ReplaceAll(err.Error(), fsRoot+source, display), err: err}
	}
	return d, nil
}

// renamedError is an error whose text names a file otherwise; it unwraps
// to the original, so a *LimitError is still one.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// loadLocal reads the document at abs (source as the user named it) and
// the local files its $refs reach, through read.
func loadLocal(ctx context.Context, source, abs string, read func(context.Context, string, int64) ([]byte, error), opts LoadOptions) (*Document, error) {
	var err error
	c := newClosure(opts, read, resolveLocal)
	if err := c.run(ctx, abs); err != nil {
		return nil, err
	}
	// The parser reads the referenced files from the closure only.
	cfg := baseConfig()
	cfg.BasePath = filepath.Dir(abs)
	cfg.SpecFilePath = abs
	if cfg.LocalFS, err = c.localFS(abs); err != nil {
		return nil, err
	}
	cfg.AllowFileReferences = true
	// A $ref to a URL gets its stand-in, never a fetch.
	cfg.AllowRemoteReferences = true
	cfg.RemoteURLHandler = c.refuse
	d := &Document{Source: source, rootAbs: abs}
	if err := d.build(c.files[abs], cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// readLocal reads a local file within limit bytes.
func readLocal(_ context.Context, name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, unreadable("the file does not exist")
		}
		return nil, unreadable(err.Error())
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unreadable(err.Error())
	}
	if !st.Mode().IsRegular() {
		return nil, unreadable("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, unreadable(err.Error())
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
}

// resolveLocal is the file a $ref in the local file from names. A remote
// target is refused: loading a local document never reaches the network.
func resolveLocal(from, target string) (string, error) {
	if u, err := url.Parse(target); err == nil && u.Scheme != "" && u.Scheme != "file" && !filepath.IsAbs(target) {
		return "", unreadable("a local document may only reference local files")
	}
	target, _ = url.PathUnescape(target)
	target = strings.TrimPrefix(target, "file://")
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(from), filepath.FromSlash(target))
	}
	return filepath.Clean(target), nil
}

func loadURL(ctx context.Context, u *url.URL, opts LoadOptions) (*Document, error) {
	f := &fetcher{opts: opts}
	c := newClosure(opts, f.get, resolveRemote)
	root := u.String()
	if err := c.run(ctx, root); err != nil {
		return nil, err
	}
	base := *u
	base.Path = path.Dir(u.Path)
	base.RawQuery, base.Fragment = "", ""
	cfg := baseConfig()
	cfg.BaseURL = &base
	cfg.AllowRemoteReferences = true
	cfg.RemoteURLHandler = c.handle
	d := &Document{Source: root, rootAbs: root, remote: true, sourceURL: u}
	if err := d.build(c.files[root], cfg); err != nil {
		return nil, err
	}
	if c.err != nil {
		// A limit met while the parser asked for a file.
		return nil, c.err
	}
	return d, nil
}

// resolveRemote is the URL a $ref in the remote file from names; only
// http(s) URLs are read.
func resolveRemote(from, target string) (string, error) {
	base, err := url.Parse(from)
	if err != nil {
		return "", unreadable(err.Error())
	}
	t, err := url.Parse(target)
	if err != nil {
		return "", unreadable(err.Error())
	}
	r := base.ResolveReference(t)
	if r.Scheme != "http" && r.Scheme != "https" {
		return "", unreadable("a remote document may only reference http and https URLs")
	}
	r.Fragment = ""
	return r.String(), nil
}

// fetcher reads remote files.
type fetcher struct {
	opts LoadOptions
}

func (f *fetcher) get(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, unreadable(err.Error())
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := f.opts.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetching %s: %w", u, ctx.Err())
		}
		return nil, unreadable(err.Error())
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, unreadable(fmt.Sprintf("HTTP %d", resp.StatusCode))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetching %s: %w", u, ctx.Err())
		}
		return nil, unreadable(err.Error())
	}
	if int64(len(data)) > limit {
		return nil, errTooLarge
	}
	return data, nil
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
