package protoschema

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// CompileOptions steer Compile.
type CompileOptions struct {
	// ImportPaths are the import roots searched, in order, for the files
	// and their imports, as protoc's -I: a directory ("protos"), or a
	// directory seen under another name, "VIRTUAL=DIR", whose files are
	// named VIRTUAL/ followed by their path in DIR (ParseImportPath). None
	// means the current directory, and, for a file given outside it, the
	// file's own directory.
	ImportPaths []string
	// FS, when set, is read instead of the operating system's files; the
	// import paths are then slash-separated paths in it.
	FS fs.FS
	// MaxFiles and MaxBytes bound the files read, imports included
	// (defaults DefaultMaxFiles and DefaultMaxBytes in all).
	MaxFiles int
	MaxBytes int64
	// MaxErrors is how many errors are reported before compiling stops
	// (default 20).
	MaxErrors int
}

// Diagnostic is one problem the compiler found.
type Diagnostic struct {
	// File is the path the file was read from; Line and Column count from
	// 1 (0 when unknown).
	File         string
	Line, Column int
	Msg          string
}

func (d Diagnostic) String() string {
	if d.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, d.Msg)
	}
	if d.File != "" {
		return d.File + ": " + d.Msg
	}
	return d.Msg
}

// CompileError is the errors of a compilation that failed, each at its
// file:line:col.
type CompileError struct {
	Diagnostics []Diagnostic
	// Limit is the limit the files went past, when one did.
	Limit *LimitError
}

// Unwrap gives the limit the files went past, for errors.As.
func (e *CompileError) Unwrap() error {
	if e.Limit == nil {
		return nil
	}
	return e.Limit
}

func (e *CompileError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Compile compiles .proto files, with their imports, into descriptors; no
// protoc is needed. Each file is named as protoc names it: by a path to it
// (relative to the current directory, or absolute) inside an import root,
// which gives it its name there, or by its name relative to an import root
// (as an import statement names it). A path outside every root is an error
// naming the roots, unless no root was given: the file's own directory is
// then its root. The well-known types (google/protobuf/*.proto) resolve
// without being in an import path. The services of the named files are the
// ones to import. Errors (syntax, a missing import, an unknown type) are a
// *CompileError whose diagnostics carry file:line:col.
func Compile(ctx context.Context, files []string, opts CompileOptions) (*Files, error) {
	if len(files) == 0 {
		return nil, errors.New("no .proto file to compile")
	}
	res := &sourceResolver{opts: opts, disk: map[string]string{}, used: map[int]bool{}}
	res.maxFiles, res.maxBytes = SetOptions{MaxFiles: opts.MaxFiles, MaxBytes: opts.MaxBytes}.limits()
	if len(opts.ImportPaths) == 0 {
		res.roots = []importRoot{{dir: ".", given: "."}}
		res.defaulted = true
	}
	for _, ip := range opts.ImportPaths {
		r, err := parseRoot(ip)
		if err != nil {
			return nil, err
		}
		res.roots = append(res.roots, r)
	}
	names := make([]string, len(files))
	for i, f := range files {
		name, err := res.protoPath(f)
		if err != nil {
			return nil, err
		}
		names[i] = name
	}
	maxErrors := opts.MaxErrors
	if maxErrors <= 0 {
		maxErrors = 20
	}
	var (
		mu    sync.Mutex
		diags []Diagnostic
	)
	rep := reporter.NewReporter(func(err reporter.ErrorWithPos) error {
		mu.Lock()
		defer mu.Unlock()
		pos := err.GetPosition()
		d := Diagnostic{File: res.diskPath(pos.Filename), Line: pos.Line, Column: pos.Col, Msg: errorText(err)}
		diags = append(diags, d)
		if len(diags) >= maxErrors {
			return err
		}
		return nil
	}, nil)
	c := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(res),
		SourceInfoMode: protocompile.SourceInfoStandard,
		Reporter:       rep,
		// One file at a time keeps the error order, and so the error text,
		// the same from run to run.
		MaxParallelism: 1,
	}
	linked, err := c.Compile(ctx, names...)
	mu.Lock()
	defer mu.Unlock()
	var pe reporter.ErrorWithPos
	if len(diags) == 0 && errors.As(err, &pe) {
		// Resolver failures (a missing import) come back without passing
		// through the reporter.
		pos := pe.GetPosition()
		diags = append(diags, Diagnostic{File: res.diskPath(pos.Filename), Line: pos.Line, Column: pos.Col, Msg: errorText(pe)})
	}
	if len(diags) > 0 {
		return nil, &CompileError{Diagnostics: diags, Limit: res.limit}
	}
	if errors.Is(err, fs.ErrNotExist) {
		// A file named that no root holds: the error names it, and the
		// roots searched.
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", strings.Join(names, ", "), err)
	}
	fds := make([]protoreflect.FileDescriptor, len(linked))
	for i, f := range linked {
		fds[i] = f
	}
	reg, err := registryOf(fds)
	if err != nil {
		return nil, err
	}
	out := &Files{Registry: reg, Origin: Origin{Kind: OriginProto, Files: names, ImportPaths: res.given()}, disk: res.disk}
	for _, fd := range fds {
		out.Services = appendServices(out.Services, fd)
	}
	return out, nil
}

// errorText is the message of a positioned error without the position the
// compiler puts in front of it.
func errorText(err reporter.ErrorWithPos) string {
	if u := err.Unwrap(); u != nil {
		return u.Error()
	}
	return err.Error()
}

// ParseImportPath splits an import path as protoc's -I reads it:
// "VIRTUAL=DIR" is the directory DIR whose files are named VIRTUAL/ and
// their path in DIR (or, when DIR is a file, the file named VIRTUAL); any
// other path is a directory whose files are named by their path in it
// (virtual is ""). As in protoc, the first "=" splits, so a relative
// directory whose name holds one is given as "=DIR"; an absolute path is
// never split there, since no import names a file by an absolute path.
// VIRTUAL is a slash-separated relative path without "..".
func ParseImportPath(p string) (virtual, dir string, err error) {
	v, d, ok := strings.Cut(p, "=")
	if !ok || v != "" && (filepath.IsAbs(v) || strings.HasPrefix(filepath.ToSlash(v), "/")) {
		if p == "" {
			return "", "", errors.New("an empty import path")
		}
		return "", p, nil
	}
	if d == "" {
		return "", "", fmt.Errorf("import path %q: no directory after =", p)
	}
	if v == "" {
		return "", d, nil
	}
	clean := path.Clean(filepath.ToSlash(v))
	if !fs.ValidPath(clean) {
		return "", "", fmt.Errorf("import path %q: the name before = (%s) must be a relative path without \"..\", as import statements name files", p, v)
	}
	if clean == "." {
		clean = ""
	}
	return clean, d, nil
}

// importRoot is one import path: files under dir are named virtual/ and
// their path in dir.
type importRoot struct {
	virtual string
	// dir is the directory (or file), as given: an OS path, or a
	// slash-separated path in CompileOptions.FS.
	dir string
	// given is the import path as it was given.
	given string
}

// String names the root in messages.
func (r importRoot) String() string {
	if r.virtual == "" {
		return r.dir
	}
	return r.virtual + "=" + r.dir
}

func parseRoot(p string) (importRoot, error) {
	v, d, err := ParseImportPath(p)
	if err != nil {
		return importRoot{}, err
	}
	return importRoot{virtual: v, dir: d, given: p}, nil
}

// disk returns where the file of a proto name would be under r, if r can
// hold it.
func (r importRoot) disk(name string, inFS bool) (string, bool) {
	rest := name
	if r.virtual != "" {
		if name == r.virtual {
			return r.dir, true
		}
		var ok bool
		if rest, ok = strings.CutPrefix(name, r.virtual+"/"); !ok {
			return "", false
		}
	}
	if inFS {
		p := path.Join(r.dir, rest)
		return p, fs.ValidPath(p)
	}
	return filepath.Join(r.dir, filepath.FromSlash(rest)), true
}

// sourceResolver reads .proto sources from the import roots, within the
// limits, and remembers where each file was found.
type sourceResolver struct {
	opts  CompileOptions
	roots []importRoot
	// defaulted says no root was given: the current directory is one,
	// and a file outside it brings its own directory.
	defaulted bool
	maxFiles  int
	maxBytes  int64
	// limit is the first limit passed, under mu.
	limit *LimitError

	mu    sync.Mutex
	files int
	bytes int64
	disk  map[string]string
	// used marks the roots files were read from.
	used map[int]bool
}

// given lists the roots as import paths, as they were given: nil for the
// current directory alone, the default. The current directory that was
// taken by default and gave no file is left out: files outside it were
// all read under their own directories.
func (r *sourceResolver) given() []string {
	if r.defaulted && len(r.roots) == 1 {
		return nil
	}
	var out []string
	for i, root := range r.roots {
		if i == 0 && r.defaulted && !r.used[0] {
			continue
		}
		out = append(out, root.given)
	}
	return out
}

// rootList names the roots in messages.
func (r *sourceResolver) rootList() string {
	names := make([]string, len(r.roots))
	for i, root := range r.roots {
		names[i] = root.String()
	}
	return strings.Join(names, ", ")
}

// protoPath turns a file given to Compile into its name under an import
// root. A path to a file that is there is named after the first root that
// holds it (its own directory, when none was given and it is outside the
// current one); anything else is taken as a name to search the roots for.
func (r *sourceResolver) protoPath(file string) (string, error) {
	inFS := r.opts.FS != nil
	var (
		target string // the file, as comparable gives paths
		exists bool
	)
	if inFS {
		target = path.Clean(filepath.ToSlash(file))
		if fs.ValidPath(target) {
			st, err := fs.Stat(r.opts.FS, target)
			exists = err == nil && !st.IsDir()
		}
	} else if abs, err := filepath.Abs(file); err == nil {
		target = abs
		st, err := os.Stat(abs)
		exists = err == nil && !st.IsDir()
	}
	if !exists {
		name := path.Clean(filepath.ToSlash(file))
		if strings.HasPrefix(name, "/") || filepath.IsAbs(file) || climbs(name) || !fs.ValidPath(name) {
			return "", fmt.Errorf("%s: %w", file, fs.ErrNotExist)
		}
		return name, nil
	}
	for _, root := range r.roots {
		name, ok := r.nameIn(root, target)
		if !ok {
			continue
		}
		if err := r.checkShadow(file, name, root, target); err != nil {
			return "", err
		}
		return name, nil
	}
	// As protoc, a path that no root holds may still be a name under one.
	if name := path.Clean(filepath.ToSlash(file)); fs.ValidPath(name) {
		for _, root := range r.roots {
			if d, ok := root.disk(name, inFS); ok && r.isFile(d) {
				return name, nil
			}
		}
	}
	if !r.defaulted {
		return "", fmt.Errorf("%s is outside every import path (%s): add the directory its imports are relative to with -I (importPaths), or name the file as they name it", file, r.rootList())
	}
	// No root was given and the file is outside the current directory:
	// its own directory is its root, as if given with -I.
	dir := filepath.Dir(file)
	if inFS {
		dir = path.Dir(target)
	}
	root := importRoot{dir: dir, given: dir}
	found := false
	for _, prev := range r.roots {
		found = found || prev.virtual == "" && prev.dir == dir
	}
	if !found {
		r.roots = append(r.roots, root)
	}
	name, _ := r.nameIn(root, target)
	if err := r.checkShadow(file, name, root, target); err != nil {
		return "", err
	}
	return name, nil
}

// checkShadow refuses, as protoc does, a file that its name does not find:
// an earlier root gives another file under the same name.
func (r *sourceResolver) checkShadow(file, name string, root importRoot, target string) error {
	for _, prev := range r.roots {
		d, ok := prev.disk(name, r.opts.FS != nil)
		if !ok || !r.isFile(d) {
			continue
		}
		if other, _ := r.comparable(d); other != target {
			return fmt.Errorf("%s is named %s under import path %s, but that name is the file %s, under %s, which comes first: give that file, or put %s first with -I (importPaths)", file, name, root, d, prev, root)
		}
		return nil
	}
	return nil
}

// comparable returns a path comparable with protoPath's targets.
func (r *sourceResolver) comparable(p string) (string, error) {
	if r.opts.FS != nil {
		return path.Clean(p), nil
	}
	return filepath.Abs(p)
}

// nameIn returns the name of the file at target under root, if root holds
// it.
func (r *sourceResolver) nameIn(root importRoot, target string) (string, bool) {
	dir, err := r.comparable(root.dir)
	if err != nil {
		return "", false
	}
	if dir == target && root.virtual != "" {
		return root.virtual, true
	}
	var rel string
	if r.opts.FS != nil {
		switch {
		case dir == ".":
			rel = target
		case strings.HasPrefix(target, dir+"/"):
			rel = target[len(dir)+1:]
		default:
			return "", false
		}
	} else {
		rel, err = filepath.Rel(dir, target)
		if err != nil || !filepath.IsLocal(rel) {
			return "", false
		}
		rel = filepath.ToSlash(rel)
	}
	if root.virtual != "" {
		rel = root.virtual + "/" + rel
	}
	return rel, true
}

func (r *sourceResolver) isFile(p string) bool {
	var (
		st  fs.FileInfo
		err error
	)
	if r.opts.FS != nil {
		st, err = fs.Stat(r.opts.FS, p)
	} else {
		st, err = os.Stat(p)
	}
	return err == nil && !st.IsDir()
}

func (r *sourceResolver) diskPath(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.disk[name]; ok {
		return p
	}
	return name
}

// FindFileByPath implements protocompile.Resolver.
func (r *sourceResolver) FindFileByPath(name string) (protocompile.SearchResult, error) {
	if climbs(name) || strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		// Imports name files below an import path, never above.
		return protocompile.SearchResult{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	inFS := r.opts.FS != nil
	for i, root := range r.roots {
		disk, ok := root.disk(name, inFS)
		if !ok {
			continue
		}
		var (
			f   io.ReadCloser
			err error
		)
		if inFS {
			f, err = r.opts.FS.Open(disk)
		} else {
			f, err = os.Open(disk)
		}
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return protocompile.SearchResult{}, err
		}
		data, err := r.read(name, f)
		f.Close()
		if err != nil {
			return protocompile.SearchResult{}, err
		}
		r.mu.Lock()
		r.disk[name] = disk
		r.used[i] = true
		r.mu.Unlock()
		return protocompile.SearchResult{Source: bytes.NewReader(data)}, nil
	}
	return protocompile.SearchResult{}, fmt.Errorf("%s: %w in %s", name, fs.ErrNotExist, r.rootList())
}

// hit keeps the first limit the files went past: the compiler reports it
// as text, and the caller wants to know which limit to raise.
func (r *sourceResolver) hit(e *LimitError) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limit == nil {
		r.limit = e
	}
	return e
}

// read reads one file within the limits left.
func (r *sourceResolver) read(name string, f io.Reader) ([]byte, error) {
	r.mu.Lock()
	r.files++
	files, left := r.files, r.maxBytes-r.bytes
	r.mu.Unlock()
	if files > r.maxFiles {
		return nil, r.hit(&LimitError{Limit: "MaxFiles", Value: int64(r.maxFiles), What: fmt.Sprintf("%s: more than %d files to read", name, r.maxFiles)})
	}
	data, err := io.ReadAll(io.LimitReader(f, left+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r.mu.Lock()
	r.bytes += int64(len(data))
	over := r.bytes > r.maxBytes
	r.mu.Unlock()
	if over {
		return nil, r.hit(&LimitError{Limit: "MaxBytes", Value: r.maxBytes, What: fmt.Sprintf("%s: more than %d bytes of .proto files to read", name, r.maxBytes)})
	}
	return data, nil
}

// climbs reports whether a slash-separated path has a ".." element.
func climbs(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}
