package resource

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// APIVersion is the apiVersion Weft's resources carry. It is the only one
// accepted unless Options.APIVersions says otherwise; a v2 will be added
// there, next to v1, for as long as both are read.
const APIVersion = "weft.dev/v1"

// DefaultMaxFileSize is the size limit for one config file when
// Options.MaxFileSize is zero. Config files are small (a Kubernetes
// ConfigMap holds at most 1 MiB); the limit keeps a wrong path (a log, a
// dump) from being read into memory and parsed.
const DefaultMaxFileSize = 4 << 20

// Limits on walking a directory. Symlink loops are caught by comparing
// directories when the file system can (os.DirFS can); these limits stop
// the walk on file systems that cannot.
const (
	maxDirDepth = 32
	maxDirs     = 10000
)

// Options tune loading. The zero value loads weft.dev/v1 resources of any
// kind, without environment expansion.
type Options struct {
	// Env looks up environment variables for ${VAR} expansion in values;
	// os.LookupEnv is the usual choice. Nil disables expansion: values
	// are read as written, "$" included.
	Env func(name string) (string, bool)
	// MaxFileSize is the size limit of one file in bytes; zero means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// APIVersions lists the accepted apiVersions; nil means APIVersion.
	APIVersions []string
	// Kinds lists the accepted kinds; nil accepts any non-empty kind and
	// leaves the check to whoever dispatches on it.
	Kinds []string
	// DisplayRoot, when set, is joined in front of the file names that
	// documents and errors carry, so that loading os.DirFS("/etc/weft")
	// can report /etc/weft/upstreams.yaml rather than upstreams.yaml.
	DisplayRoot string
}

func (o Options) maxFileSize() int64 {
	if o.MaxFileSize > 0 {
		return o.MaxFileSize
	}
	return DefaultMaxFileSize
}

func (o Options) apiVersions() []string {
	if o.APIVersions != nil {
		return o.APIVersions
	}
	return []string{APIVersion}
}

func (o Options) display(name string) string {
	if o.DisplayRoot == "" {
		return name
	}
	return filepath.Join(o.DisplayRoot, filepath.FromSlash(name))
}

// LoadDir loads every resource in the *.yaml and *.yml files under dir in
// fsys, descending into subdirectories and following symlinks. Files and
// directories whose names start with "." are skipped: a Kubernetes
// ConfigMap mount holds its files in ..data and ..<timestamp> directories
// and links each of them at the top, so reading both would load everything
// twice. A YAML file with none of a resource's top-level keys (apiVersion,
// kind, metadata, spec) is not config and is skipped: an OpenAPI document
// kept beside the config. Files are read in lexical order of their paths, documents in file
// order, so the result does not depend on the file system. If dir names a
// file, that file alone is loaded, whatever its extension.
//
// Every error found in any file is reported, as Errors sorted by position;
// a (kind, namespace, name) defined twice is one of them. On error the
// documents that loaded cleanly are returned too, so that a validator can
// check them further; they do not form a usable config.
func LoadDir(fsys fs.FS, dir string, opts Options) ([]*Document, error) {
	var errs Errors
	files := listFiles(fsys, dir, opts, &errs)
	var docs, named []*Document
	for _, name := range files {
		data, err := readFile(fsys, name, opts)
		if err == nil && data == nil {
			continue // not a file of resources
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ok, all, fileErrs := loadBytes(opts.display(name), data, opts)
		docs = append(docs, ok...)
		named = append(named, all...)
		errs = append(errs, fileErrs...)
	}
	errs = append(errs, AsErrors(CheckUnique(named))...)
	return docs, errs.Err()
}

// LoadBytes loads the resources in one file's content; file names it in
// documents and errors. It checks everything LoadDir checks, duplicates
// within the file included.
func LoadBytes(file string, data []byte, opts Options) ([]*Document, error) {
	if limit := opts.maxFileSize(); int64(len(data)) > limit {
		return nil, Errors{tooLarge(file, limit)}
	}
	ok, all, errs := loadBytes(file, data, opts)
	errs = append(errs, AsErrors(CheckUnique(all))...)
	return ok, errs.Err()
}

// CheckUnique reports every resource whose kind, namespace and name repeat
// those of an earlier one, naming both places. LoadDir and LoadBytes call
// it; callers that combine documents from several sources call it on the
// whole set.
func CheckUnique(docs []*Document) error {
	type key struct{ kind, namespace, name string }
	first := make(map[key]*Document, len(docs))
	var errs Errors
	for _, d := range docs {
		k := key{d.Kind, d.Namespace, d.Name}
		f, dup := first[k]
		if !dup {
			first[k] = d
			continue
		}
		line, col := f.Pos("metadata.name")
		errs = append(errs, d.Errorf("metadata.name", "duplicate %s %s: already defined at %s:%d:%d",
			d.Kind, strconv.Quote(qualifiedName(d)), f.File, line, col))
	}
	return errs.Err()
}

func qualifiedName(d *Document) string {
	if d.Namespace != "" {
		return d.Namespace + "/" + d.Name
	}
	return d.Name
}

// listFiles returns the config files under dir in walk order.
func listFiles(fsys fs.FS, dir string, opts Options, errs *Errors) []string {
	info, err := fs.Stat(fsys, dir)
	if err != nil {
		*errs = append(*errs, &Error{File: opts.display(dir), Msg: fmt.Sprintf("cannot read config: %v", err), Err: err})
		return nil
	}
	if !info.IsDir() {
		return []string{dir}
	}
	w := &walker{fsys: fsys, opts: opts, errs: errs}
	w.walk(dir, path.Clean(dir), []fs.FileInfo{info})
	return w.files
}

type walker struct {
	fsys  fs.FS
	opts  Options
	errs  *Errors
	files []string
	dirs  int
}

func (w *walker) fail(name string, err error, format string, args ...any) {
	*w.errs = append(*w.errs, &Error{File: w.opts.display(name), Msg: fmt.Sprintf(format, args...), Err: err})
}

// walk lists dir, whose path with symlinks resolved (as far as the file
// system can say) is real; ancestors holds the directories above it and dir
// itself. Both serve to catch symlinks that lead back up.
func (w *walker) walk(dir, real string, ancestors []fs.FileInfo) {
	w.dirs++
	if w.dirs > maxDirs {
		if w.dirs == maxDirs+1 {
			w.fail(dir, nil, "more than %d directories under the config directory; is there a symlink loop?", maxDirs)
		}
		return
	}
	entries, err := fs.ReadDir(w.fsys, dir)
	if err != nil {
		w.fail(dir, err, "cannot read directory: %v", err)
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := path.Join(dir, name)
		childReal := path.Join(real, name)
		var info fs.FileInfo
		if e.Type()&fs.ModeSymlink != 0 {
			// fs.Stat follows the link, as Open does.
			info, err = fs.Stat(w.fsys, p)
			if err != nil {
				w.fail(p, err, "cannot follow symlink: %v", err)
				continue
			}
			if target, ok := w.linkTarget(p, real); ok {
				childReal = target
			}
		} else if e.IsDir() {
			info, err = e.Info()
			if err != nil {
				w.fail(p, err, "cannot read directory: %v", err)
				continue
			}
		}
		switch {
		case info != nil && info.IsDir():
			if isWithin(real, childReal) || slices.ContainsFunc(ancestors, func(a fs.FileInfo) bool { return os.SameFile(a, info) }) {
				w.fail(p, nil, "symlink loop: the directory contains itself")
				continue
			}
			if len(ancestors) > maxDirDepth {
				w.fail(p, nil, "directories nested more than %d deep; is there a symlink loop?", maxDirDepth)
				continue
			}
			w.walk(p, childReal, append(slices.Clip(ancestors), info))
		case info != nil && !info.Mode().IsRegular():
			// Sockets, devices and the like are not config.
		case isYAMLName(name):
			w.files = append(w.files, p)
		}
	}
}

// linkTarget resolves the symlink at p, which lives in the directory whose
// resolved path is dir, when the file system can read links and the target
// is relative (absolute targets leave the file system's view).
func (w *walker) linkTarget(p, dir string) (string, bool) {
	rl, ok := w.fsys.(fs.ReadLinkFS)
	if !ok {
		return "", false
	}
	target, err := rl.ReadLink(p)
	if err != nil || path.IsAbs(target) {
		return "", false
	}
	return path.Join(dir, target), true
}

// isWithin reports whether dir is anc or lies below it.
func isWithin(dir, anc string) bool {
	return anc == "." || dir == anc || strings.HasPrefix(dir, anc+"/")
}

// sniffBytes is how much of a YAML file readFile reads before it decides
// whether the file holds resources: enough for the first document's
// top-level keys, however long its comments.
const sniffBytes = 64 << 10

// resourceLine is a line that makes a YAML file a file of resources: one
// of a resource's top-level keys, or a flow mapping (a resource written as
// JSON).
var resourceLine = regexp.MustCompile(`(?m)^(["']?(apiVersion|kind|metadata|spec)["']?\s*:|\{)`)

func isYAMLName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// readFile reads a config file within the size limit, once. A YAML file
// with none of a resource's top-level keys (apiVersion, kind, metadata,
// spec) and no flow mapping (a resource written as JSON) is not config
// (an OpenAPI document kept beside the config, which an Upstream reads as
// its source): it is skipped, however large, and readFile returns nil
// data and no error.
func readFile(fsys fs.FS, name string, opts Options) ([]byte, *Error) {
	display := opts.display(name)
	limit := opts.maxFileSize()
	f, err := fsys.Open(name)
	if err != nil {
		return nil, &Error{File: display, Msg: fmt.Sprintf("cannot read file: %v", err), Err: err}
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, sniffBytes))
	if err != nil {
		return nil, &Error{File: display, Msg: fmt.Sprintf("cannot read file: %v", err), Err: err}
	}
	if !resourceLine.Match(head) && isYAMLName(name) {
		return nil, nil
	}
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > limit {
		return nil, tooLarge(display, limit)
	}
	// Read one byte past the limit: Stat sizes can be wrong (procfs,
	// files growing while read), the reader cannot.
	rest, err := io.ReadAll(io.LimitReader(f, limit+1-int64(len(head))))
	if err != nil {
		return nil, &Error{File: display, Msg: fmt.Sprintf("cannot read file: %v", err), Err: err}
	}
	data := append(head, rest...)
	if int64(len(data)) > limit {
		return nil, tooLarge(display, limit)
	}
	return data, nil
}

func tooLarge(file string, limit int64) *Error {
	return &Error{File: file, Msg: fmt.Sprintf("file is larger than the limit of %d bytes", limit)}
}

// loadBytes parses one file. It returns the documents without errors, the
// documents whose envelope is sound (for the duplicate check, which should
// see a resource even when its spec has errors), and the errors.
func loadBytes(file string, data []byte, opts Options) (ok, named []*Document, errs Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	index := 0
	for {
		var doc yaml.Node
		err := decodeNode(dec, &doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// The parser cannot resume after a syntax error, so the
			// rest of the file is not read.
			errs = append(errs, syntaxError(file, data, err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.ShortTag() == tagNull {
			continue // "---" alone, or only comments
		}
		d, derrs := loadDocument(file, index, root, opts)
		index++
		if d != nil {
			named = append(named, d)
			if len(derrs) == 0 {
				ok = append(ok, d)
			}
		}
		errs = append(errs, derrs...)
	}
	return ok, named, errs
}

// decodeNode reads the next document. The parser signals internal errors by
// panicking; a config file must never take the process down, so such a
// panic becomes an error about the file.
func decodeNode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: cannot parse: %v", r)
		}
	}()
	return dec.Decode(n)
}

// envelope is the part of a resource that every kind shares.
type envelope struct {
	APIVersion string     `yaml:"apiVersion" weft:"required"`
	Kind       string     `yaml:"kind" weft:"required"`
	Metadata   metadata   `yaml:"metadata" weft:"required"`
	Spec       *yaml.Node `yaml:"spec"`
}

type metadata struct {
	Name        string            `yaml:"name" weft:"required"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// loadDocument checks one document's envelope. It returns nil when the
// envelope is too broken to name the resource.
func loadDocument(file string, index int, root *yaml.Node, opts Options) (*Document, Errors) {
	d := &Document{
		File:   file,
		Line:   root.Line,
		Column: root.Column,
		Index:  index,
		Root:   root,
		nodes:  countNodes(root),
		bad:    map[*yaml.Node]bool{},
	}
	if root.Kind != yaml.MappingNode {
		return nil, Errors{newError(file, root.Line, root.Column, "",
			"expected a resource, a mapping with apiVersion, kind, metadata and spec; got %s", describe(root))}
	}
	var errs Errors
	if opts.Env != nil {
		expandNode(root, "", opts.Env, file, &errs, d.bad)
	}
	var env envelope
	// failed holds the paths whose decoding failed: checking their
	// (zero) values as well would report one mistake twice.
	failed := map[string]bool{}
	if err := d.Decode(root, "", &env); err != nil {
		es := AsErrors(err)
		if es == nil {
			es = Errors{newError(file, root.Line, root.Column, "", "%w", err)}
		}
		for _, e := range es {
			failed[e.Path] = true
		}
		errs = append(errs, es...)
	}
	written := func(path string) bool { return !failed[path] && d.hasValue(path) }
	d.APIVersion = env.APIVersion
	d.Kind = env.Kind
	d.Name = env.Metadata.Name
	d.Namespace = env.Metadata.Namespace
	d.Labels = env.Metadata.Labels
	d.Annotations = env.Metadata.Annotations
	d.Spec = env.Spec

	nameOK := true
	check := func(path string, problem string) {
		if problem == "" {
			return
		}
		if path == "metadata.name" || path == "kind" {
			nameOK = false
		}
		errs = append(errs, d.Errorf(path, "%s", problem))
	}
	if written("apiVersion") {
		if !slices.Contains(opts.apiVersions(), d.APIVersion) {
			check("apiVersion", fmt.Sprintf("unsupported apiVersion %s; supported: %s", strconv.Quote(d.APIVersion), strings.Join(opts.apiVersions(), ", ")))
		}
	}
	if written("kind") {
		check("kind", checkKind(d.Kind, opts.Kinds))
	}
	if written("metadata.name") {
		check("metadata.name", checkName(d.Name))
	}
	if written("metadata.namespace") && d.Namespace != "" {
		check("metadata.namespace", checkNamespace(d.Namespace))
	}
	for _, k := range sortedKeys(d.Labels) {
		p := JoinField("metadata.labels", k)
		check(p, checkQualifiedName("label", k))
		check(p, checkLabelValue(d.Labels[k]))
	}
	for _, k := range sortedKeys(d.Annotations) {
		check(JoinField("metadata.annotations", k), checkQualifiedName("annotation", k))
	}
	if d.Kind == "" || d.Name == "" || !nameOK {
		return nil, errs
	}
	return d, errs
}

// hasValue reports whether path holds a value that can be checked:
// present, not null, and not a failed environment expansion (reported
// already).
func (d *Document) hasValue(path string) bool {
	n := d.Node(path)
	if n == nil {
		return false
	}
	n = deref(n)
	return !d.bad[n] && !(n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func checkKind(kind string, kinds []string) string {
	if kind == "" {
		return "kind is empty"
	}
	if len(kinds) == 0 || slices.Contains(kinds, kind) {
		return ""
	}
	msg := "unknown kind " + strconv.Quote(kind)
	if s := suggest(kind, kinds); s != "" {
		msg += " (did you mean " + strconv.Quote(s) + "?)"
	}
	return msg + "; known kinds: " + strings.Join(kinds, ", ")
}

var (
	// dns1123Subdomain is the Kubernetes rule for object names.
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// dns1123Label is the Kubernetes rule for namespaces.
	dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// qualifiedNamePart is the name part of a label or annotation key,
	// and the form of a non-empty label value.
	qualifiedNamePart = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
)

// checkName applies the Kubernetes rule for object names (a DNS-1123
// subdomain), so resources can be applied to a cluster unchanged and names
// are safe in URLs, metrics labels and log fields.
func checkName(name string) string {
	if len(name) > 253 || !dns1123Subdomain.MatchString(name) {
		return fmt.Sprintf("invalid name %s: use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit", strconv.Quote(shortText(name)))
	}
	return ""
}

func checkNamespace(ns string) string {
	if len(ns) > 63 || !dns1123Label.MatchString(ns) {
		return fmt.Sprintf("invalid namespace %s: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit", strconv.Quote(shortText(ns)))
	}
	return ""
}

// checkQualifiedName applies the Kubernetes rule for label and annotation
// keys: an optional DNS subdomain prefix and '/', then a name of at most 63
// characters.
func checkQualifiedName(what, key string) string {
	prefix, name, hasPrefix := strings.Cut(key, "/")
	if !hasPrefix {
		prefix, name = "", key
	}
	bad := len(name) > 63 || !qualifiedNamePart.MatchString(name)
	if hasPrefix && (prefix == "" || len(prefix) > 253 || !dns1123Subdomain.MatchString(prefix)) {
		bad = true
	}
	if bad {
		return fmt.Sprintf("invalid %s key %s: use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit", what, strconv.Quote(shortText(key)))
	}
	return ""
}

func checkLabelValue(v string) string {
	if v == "" || (len(v) <= 63 && qualifiedNamePart.MatchString(v)) {
		return ""
	}
	return fmt.Sprintf("invalid label value %s: use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit", strconv.Quote(shortText(v)))
}
