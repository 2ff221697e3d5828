package protoschema

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// The well-known types' descriptors come from their generated
	// packages, so that a descriptor set or a server that leaves them out
	// still resolves them.
	_ "google.golang.org/protobuf/types/known/anypb"
	_ "google.golang.org/protobuf/types/known/apipb"
	_ "google.golang.org/protobuf/types/known/durationpb"
	_ "google.golang.org/protobuf/types/known/emptypb"
	_ "google.golang.org/protobuf/types/known/fieldmaskpb"
	_ "google.golang.org/protobuf/types/known/sourcecontextpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/timestamppb"
	_ "google.golang.org/protobuf/types/known/typepb"
	_ "google.golang.org/protobuf/types/known/wrapperspb"
)

// Default limits on the descriptors one load reads.
const (
	DefaultMaxFiles = 10000
	DefaultMaxBytes = 64 << 20
)

// Files are the descriptors of one gRPC upstream: every file the services
// need, and which services to import.
type Files struct {
	// Registry holds every file: the ones named and their dependencies.
	// The runtime builds its dynamic messages from it
	// (dynamicpb.NewTypes(Registry) also resolves google.protobuf.Any).
	Registry *protoregistry.Files
	// Services are the services to import, by full name: those of the
	// files compiled, of every file of a descriptor set, or those a server
	// lists.
	Services []protoreflect.FullName
	// Origin says where the descriptors came from.
	Origin Origin
	// Warnings are problems met while loading that did not stop it (a
	// service a server lists but cannot describe); Import repeats them.
	Warnings []Warning
	// disk maps a file's proto path to the file it was read from, for
	// positions that an editor can open.
	disk map[string]string
}

// Origin is where a set of descriptors came from; UpstreamYAML writes it
// back as the Upstream's spec.
type Origin struct {
	// Kind is OriginProto, OriginDescriptorSet or OriginReflection.
	Kind string
	// Files are the .proto files compiled, relative to an import path.
	Files []string
	// ImportPaths are the directories imports were searched in.
	ImportPaths []string
	// DescriptorSet is the descriptor set's file, when it was read from one.
	DescriptorSet string
	// Target is the server asked by reflection.
	Target string
}

// The kinds of Origin.
const (
	OriginProto         = "proto"
	OriginDescriptorSet = "descriptorSet"
	OriginReflection    = "reflection"
)

// Path returns where the file with the given proto path was read from: a
// path on disk for compiled files, else the proto path itself.
func (f *Files) Path(protoPath string) string {
	if p, ok := f.disk[protoPath]; ok {
		return p
	}
	return protoPath
}

// standardFiles are the files every protobuf compiler ships; they resolve
// even when a descriptor set or a server leaves them out.
var standardFiles = map[string]bool{
	"google/protobuf/any.proto":            true,
	"google/protobuf/api.proto":            true,
	"google/protobuf/descriptor.proto":     true,
	"google/protobuf/duration.proto":       true,
	"google/protobuf/empty.proto":          true,
	"google/protobuf/field_mask.proto":     true,
	"google/protobuf/source_context.proto": true,
	"google/protobuf/struct.proto":         true,
	"google/protobuf/timestamp.proto":      true,
	"google/protobuf/type.proto":           true,
	"google/protobuf/wrappers.proto":       true,
}

// standardFile returns the linked-in descriptor of a standard file.
func standardFile(path string) (protoreflect.FileDescriptor, bool) {
	if !standardFiles[path] {
		return nil, false
	}
	fd, err := protoregistry.GlobalFiles.FindFileByPath(path)
	return fd, err == nil
}

// LimitError is a set of files that goes past a limit of SetOptions or
// CompileOptions; the caller says how to raise it.
type LimitError struct {
	// Limit is the option: "MaxFiles" or "MaxBytes".
	Limit string
	// Value is the limit's value.
	Value int64
	// What says what went past it.
	What string
}

func (e *LimitError) Error() string { return e.What }

// SetOptions bound the reading of a descriptor set.
type SetOptions struct {
	// MaxFiles and MaxBytes bound the set (defaults DefaultMaxFiles and
	// DefaultMaxBytes).
	MaxFiles int
	MaxBytes int64
}

func (o SetOptions) limits() (int, int64) {
	files, bytes := o.MaxFiles, o.MaxBytes
	if files <= 0 {
		files = DefaultMaxFiles
	}
	if bytes <= 0 {
		bytes = DefaultMaxBytes
	}
	return files, bytes
}

// ReadDescriptorSet reads a binary FileDescriptorSet (protoc -o FILE
// --include_imports, buf build -o FILE.binpb) from a file.
func ReadDescriptorSet(path string, opts SetOptions) (*Files, error) {
	_, maxBytes := opts.limits()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("descriptor set: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("descriptor set %s: %w", path, err)
	}
	files, err := DescriptorSet(data, opts)
	if err != nil {
		return nil, fmt.Errorf("descriptor set %s: %w", path, err)
	}
	files.Origin.DescriptorSet = path
	return files, nil
}

// DescriptorSet reads a binary FileDescriptorSet. Its files' services are
// the ones to import. Dependencies the set leaves out are an error, except
// the well-known types (google/protobuf/*.proto), which resolve anyway.
func DescriptorSet(data []byte, opts SetOptions) (*Files, error) {
	maxFiles, maxBytes := opts.limits()
	if int64(len(data)) > maxBytes {
		return nil, &LimitError{Limit: "MaxBytes", Value: maxBytes, What: fmt.Sprintf("larger than %d bytes", maxBytes)}
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("not a FileDescriptorSet: %w", err)
	}
	if len(set.File) > maxFiles {
		return nil, &LimitError{Limit: "MaxFiles", Value: int64(maxFiles), What: fmt.Sprintf("%d files, more than the limit of %d", len(set.File), maxFiles)}
	}
	if len(set.File) == 0 {
		return nil, errors.New("the descriptor set holds no file")
	}
	reg, err := buildRegistry(set.File)
	if err != nil {
		return nil, err
	}
	files := &Files{Registry: reg, Origin: Origin{Kind: OriginDescriptorSet}}
	for _, fdp := range set.File {
		fd, err := reg.FindFileByPath(fdp.GetName())
		if err != nil {
			return nil, err
		}
		files.Services = appendServices(files.Services, fd)
	}
	return files, nil
}

func appendServices(list []protoreflect.FullName, fd protoreflect.FileDescriptor) []protoreflect.FullName {
	for i := 0; i < fd.Services().Len(); i++ {
		list = append(list, fd.Services().Get(i).FullName())
	}
	return list
}

// buildRegistry links file descriptor protos into a registry, each file
// after its dependencies.
func buildRegistry(fdps []*descriptorpb.FileDescriptorProto) (*protoregistry.Files, error) {
	byName := make(map[string]*descriptorpb.FileDescriptorProto, len(fdps))
	for _, fdp := range fdps {
		name := fdp.GetName()
		if name == "" {
			return nil, errors.New("a file descriptor has no name")
		}
		if prev, ok := byName[name]; ok && !proto.Equal(prev, fdp) {
			return nil, fmt.Errorf("two different descriptors of file %s", name)
		}
		byName[name] = fdp
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Strings(names)
	reg := new(protoregistry.Files)
	b := &linker{byName: byName, reg: reg, state: map[string]int{}}
	for _, name := range names {
		if err := b.link(name, nil); err != nil {
			return nil, err
		}
	}
	return reg, nil
}

type linker struct {
	byName map[string]*descriptorpb.FileDescriptorProto
	reg    *protoregistry.Files
	state  map[string]int // 1 linking, 2 done
}

func (l *linker) link(name string, chain []string) error {
	switch l.state[name] {
	case 1:
		return fmt.Errorf("import cycle: %s -> %s", strings.Join(chain, " -> "), name)
	case 2:
		return nil
	}
	fdp, ok := l.byName[name]
	if !ok {
		if fd, ok := standardFile(name); ok {
			l.state[name] = 2
			return l.reg.RegisterFile(fd)
		}
		if len(chain) > 0 {
			return fmt.Errorf("%s imports %s, which is missing", chain[len(chain)-1], name)
		}
		return fmt.Errorf("file %s is missing", name)
	}
	l.state[name] = 1
	chain = append(chain, name)
	for _, dep := range fdp.GetDependency() {
		if err := l.link(dep, chain); err != nil {
			return err
		}
	}
	fd, err := protodesc.NewFile(fdp, l.reg)
	if err != nil {
		return fmt.Errorf("file %s: %w", name, err)
	}
	if err := l.reg.RegisterFile(fd); err != nil {
		return fmt.Errorf("file %s: %w", name, err)
	}
	l.state[name] = 2
	return nil
}

// registryOf collects fds and everything they import into a registry.
func registryOf(fds []protoreflect.FileDescriptor) (*protoregistry.Files, error) {
	reg := new(protoregistry.Files)
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor) error
	add = func(fd protoreflect.FileDescriptor) error {
		if seen[fd.Path()] {
			return nil
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			if err := add(imports.Get(i).FileDescriptor); err != nil {
				return err
			}
		}
		if err := reg.RegisterFile(fd); err != nil {
			return fmt.Errorf("file %s: %w", fd.Path(), err)
		}
		return nil
	}
	for _, fd := range fds {
		if err := add(fd); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
