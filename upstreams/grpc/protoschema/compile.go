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
	// ImportPaths are the directories searched, in order, for the files
	// and their imports, as protoc's -I; none means the current directory.
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
}

func (e *CompileError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Compile compiles .proto files, with their imports, into descriptors; no
// protoc is needed. Each file is named relative to an import path (as in an
// import statement), or by a path inside one of them. The well-known types
// (google/protobuf/*.proto) resolve without being in an import path. The
// services of the named files are the ones to import. Errors (syntax, a
// missing import, an unknown type) are a *CompileError whose diagnostics
// carry file:line:col.
func Compile(ctx context.Context, files []string, opts CompileOptions) (*Files, error) {
	if len(files) == 0 {
		return nil, errors.New("no .proto file to compile")
	}
	res := &sourceResolver{opts: opts, disk: map[string]string{}}
	res.maxFiles, res.maxBytes = SetOptions{MaxFiles: opts.MaxFiles, MaxBytes: opts.MaxBytes}.limits()
	if len(opts.ImportPaths) == 0 {
		res.importPaths = []string{"."}
	} else {
		res.importPaths = opts.ImportPaths
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = res.protoPath(f)
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
		return nil, &CompileError{Diagnostics: diags}
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
	out := &Files{Registry: reg, Origin: Origin{Kind: OriginProto, Files: names, ImportPaths: opts.ImportPaths}, disk: res.disk}
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

// sourceResolver reads .proto sources from the import paths, within the
// limits, and remembers where each file was found.
type sourceResolver struct {
	opts        CompileOptions
	importPaths []string
	maxFiles    int
	maxBytes    int64

	mu    sync.Mutex
	files int
	bytes int64
	disk  map[string]string
}

// protoPath turns a file given to Compile into its name relative to an
// import path.
func (r *sourceResolver) protoPath(file string) string {
	if r.opts.FS != nil {
		clean := path.Clean(file)
		for _, ip := range r.importPaths {
			ip = path.Clean(ip)
			if ip == "." {
				return clean
			}
			if rest, ok := strings.CutPrefix(clean, ip+"/"); ok {
				return rest
			}
		}
		return clean
	}
	abs, err := filepath.Abs(file)
	if err == nil {
		for _, ip := range r.importPaths {
			ipAbs, err := filepath.Abs(ip)
			if err != nil {
				continue
			}
			if rel, err := filepath.Rel(ipAbs, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				if _, err := os.Stat(abs); err == nil {
					return filepath.ToSlash(rel)
				}
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(file))
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
	for _, ip := range r.importPaths {
		var (
			f    io.ReadCloser
			disk string
			err  error
		)
		if r.opts.FS != nil {
			disk = path.Join(ip, name)
			if !fs.ValidPath(disk) {
				return protocompile.SearchResult{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
			}
			f, err = r.opts.FS.Open(disk)
		} else {
			disk = filepath.Join(ip, filepath.FromSlash(name))
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
		r.mu.Unlock()
		return protocompile.SearchResult{Source: bytes.NewReader(data)}, nil
	}
	return protocompile.SearchResult{}, fmt.Errorf("%s: %w in %s", name, fs.ErrNotExist, strings.Join(r.importPaths, ", "))
}

// read reads one file within the limits left.
func (r *sourceResolver) read(name string, f io.Reader) ([]byte, error) {
	r.mu.Lock()
	r.files++
	files, left := r.files, r.maxBytes-r.bytes
	r.mu.Unlock()
	if files > r.maxFiles {
		return nil, fmt.Errorf("%s: more than %d files to read", name, r.maxFiles)
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
		return nil, fmt.Errorf("%s: more than %d bytes of .proto files to read", name, r.maxBytes)
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
