package grpc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/weft-gateway/weft/schema"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
	"github.com/weft-gateway/weft/upstreams/transport"
)

// Defaults of the options.
const (
	defaultTimeout         = 10 * time.Second
	defaultMaxMessageBytes = 16 << 20
	// defaultKeepAlive is as often as grpc-go servers accept pings by
	// default (their enforcement policy's MinTime): pinging more often gets
	// the connection closed with too_many_pings.
	defaultKeepAlive = 5 * time.Minute
)

// Build is the upstreams.Builder of the grpc kind: it opens the upstream's
// connection, reads its descriptors (compiling .proto files, reading a
// descriptor set or asking the server's reflection service), and imports
// its services as generated SDL that bindings are checked against and that
// a VirtualService can include.
func Build(ctx context.Context, src *upstreams.Source) (upstreams.Upstream, schema.UpstreamInfo, error) {
	d := src.Doc
	var spec Spec
	if err := d.DecodeSpec(&spec); err != nil {
		return nil, schema.UpstreamInfo{}, err
	}
	if e := checkSpec(&spec); e != nil {
		return nil, schema.UpstreamInfo{}, d.Errorf(e.path, "%s", e.msg)
	}
	conns, callOpts, e := dial(&spec, transport.FileReader(src.ReadFile))
	if e != nil {
		return nil, schema.UpstreamInfo{}, d.Errorf(e.path, "%s", e.msg)
	}
	fail := func(path string, err error) (upstreams.Upstream, schema.UpstreamInfo, error) {
		closeAll(conns)
		return nil, schema.UpstreamInfo{}, d.Errorf(path, "%v", err)
	}
	g := &spec.GRPC
	files, where, err := descriptors(ctx, src, g, conns)
	if err != nil {
		return fail(where, err)
	}
	res, err := protoschema.Import(files, protoschema.Options{Upstream: d.Name, Services: g.Services, Kinds: g.Methods, Prefix: g.Prefix})
	var nothing *protoschema.NothingError
	switch {
	case errors.As(err, &nothing) && len(g.Services) > 0:
		return fail("spec.grpc.services", err)
	case errors.As(err, &nothing):
		// An upstream without a method serves nothing: say so where its
		// descriptors come from.
		return fail(where, err)
	case err != nil:
		return fail("spec.grpc", err)
	}
	for _, w := range res.Warnings {
		src.Log.Warn().Str("upstream", d.Name).Msg(w.String())
	}
	src.Log.Info().Str("upstream", d.Name).Str("source", files.Origin.Kind).Strs("services", res.Services).
		Int("methods", res.Fields).Int("skipped", res.Skipped).Int("warnings", len(res.Warnings)).Msg("gRPC services imported")
	for _, name := range sortedKeys(g.Methods) {
		if _, ok := res.Methods[name]; !ok {
			return fail("spec.grpc.methods."+name, fmt.Errorf("the services imported have no method %s", name))
		}
	}
	info, err := upstreamInfo(d.Name, where, res)
	if err != nil {
		return fail("spec.grpc", err)
	}
	methods, err := resolveMethods(files, res)
	if err != nil {
		return fail("spec.grpc", err)
	}
	oo := oneofs{}
	for msg, fields := range res.Oneofs {
		set := map[string]bool{}
		for f := range fields {
			set[f] = true
		}
		oo[protoreflect.FullName(msg)] = set
	}
	for _, m := range methods {
		m.lift = oo.needs(m.desc.Input(), map[protoreflect.FullName]bool{})
	}
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	spec.Options.Timeout = timeout
	u := &Upstream{name: d.Name, opts: spec.Options, conns: conns, methods: methods, callOptions: callOpts,
		types: dynamicpb.NewTypes(files.Registry), oneofs: oo, merge: spec.MergeInFlight == nil || *spec.MergeInFlight, flights: map[string]*flight{}}
	// Last, so that nothing above fails with probes running.
	if err := u.startHosts(g, src.Checking); err != nil {
		return fail("spec.grpc", err)
	}
	return u, info, nil
}

// specError is an option that cannot be used, at its path in the spec.
type specError struct{ path, msg string }

// checkSpec checks what decoding cannot: one descriptor source, known
// values, and sets the defaults.
func checkSpec(spec *Spec) *specError {
	g := &spec.GRPC
	if e := checkHosts(g); e != nil {
		return e
	}
	n := 0
	for _, set := range []bool{g.Proto != nil, g.DescriptorSet != "", g.Reflection} {
		if set {
			n++
		}
	}
	if n != 1 {
		return &specError{"spec.grpc", "set exactly one descriptor source: proto, descriptorSet or reflection"}
	}
	if g.Proto != nil && len(g.Proto.Files) == 0 {
		return &specError{"spec.grpc.proto.files", "name at least one .proto file"}
	}
	switch g.Compression {
	case "", "gzip", "identity":
	default:
		return &specError{"spec.grpc.compression", fmt.Sprintf("%q: want gzip or identity", g.Compression)}
	}
	switch g.LoadBalancing {
	case "":
		g.LoadBalancing = "round_robin"
	case "round_robin", "pick_first":
	default:
		return &specError{"spec.grpc.loadBalancing", fmt.Sprintf("%q: want round_robin or pick_first", g.LoadBalancing)}
	}
	for _, name := range sortedKeys(g.Methods) {
		switch g.Methods[name] {
		case "Query", "Mutation", "Subscription":
		default:
			return &specError{"spec.grpc.methods." + name, fmt.Sprintf("%q: want Query, Mutation or Subscription", g.Methods[name])}
		}
	}
	if g.MaxMessageBytes < 0 {
		return &specError{"spec.grpc.maxMessageBytes", "must not be negative"}
	}
	if g.MaxMessageBytes == 0 {
		g.MaxMessageBytes = defaultMaxMessageBytes
	}
	if g.KeepAlive == 0 {
		g.KeepAlive = defaultKeepAlive
	}
	if g.KeepAlive < 10*time.Second {
		// grpc-go raises shorter intervals to 10s; say so rather than
		// silently running with another value.
		return &specError{"spec.grpc.keepAlive", fmt.Sprintf("%s: at least 10s", g.KeepAlive)}
	}
	return nil
}

// dial makes the upstream's connections, one per host. grpc.NewClient
// connects lazily, so an unreachable server fails the first call (or
// reflection), not this.
func dial(spec *Spec, read func(string) ([]byte, error)) ([]*grpclib.ClientConn, []grpclib.CallOption, *specError) {
	g := &spec.GRPC
	creds := insecure.NewCredentials()
	if spec.TLS != nil {
		conf, err := spec.TLS.Config(read)
		if err != nil {
			return nil, nil, &specError{"spec.tls", err.Error()}
		}
		creds = credentials.NewTLS(conf)
	}
	opts := []grpclib.DialOption{
		grpclib.WithTransportCredentials(creds),
		grpclib.WithDefaultServiceConfig(fmt.Sprintf(`{"loadBalancingConfig":[{%q:{}}]}`, g.LoadBalancing)),
		grpclib.WithKeepaliveParams(keepalive.ClientParameters{Time: g.KeepAlive, Timeout: 20 * time.Second}),
		grpclib.WithUserAgent("weft"),
	}
	callOpts := []grpclib.CallOption{
		grpclib.MaxCallRecvMsgSize(g.MaxMessageBytes),
		grpclib.MaxCallSendMsgSize(g.MaxMessageBytes),
	}
	if g.Compression == "gzip" {
		callOpts = append(callOpts, grpclib.UseCompressor(gzip.Name))
	}
	var conns []*grpclib.ClientConn
	for i, addr := range g.addresses() {
		conn, err := grpclib.NewClient(addr, opts...)
		if err != nil {
			closeAll(conns)
			path := "spec.grpc.target"
			if len(g.Endpoints) > 0 {
				path = "spec.grpc.endpoints[" + strconv.Itoa(i) + "]"
			}
			return nil, nil, &specError{path, err.Error()}
		}
		conns = append(conns, conn)
	}
	return conns, callOpts, nil
}

// descriptors reads the upstream's descriptors from its one source, and
// says which part of the spec a failure is about.
func descriptors(ctx context.Context, src *upstreams.Source, g *GRPCOptions, conns []*grpclib.ClientConn) (*protoschema.Files, string, error) {
	switch {
	case g.Proto != nil:
		paths := g.Proto.ImportPaths
		if len(paths) == 0 {
			paths = []string{"."}
		}
		for i, f := range g.Proto.Files {
			// Files are named relative to an import path, as an import
			// statement names them; Compile searches the paths. As in
			// protoc, such a name has no "..": with the import paths
			// inside the config directory, the files are too.
			if path.IsAbs(f) || filepath.IsAbs(f) || !fs.ValidPath(path.Clean(filepath.ToSlash(f))) {
				return nil, "spec.grpc.proto.files[" + strconv.Itoa(i) + "]", fmt.Errorf("%q: name files relative to an import path, without \"..\" (import paths are inside the config directory, and so are the files)", f)
			}
		}
		for _, l := range []struct {
			field string
			v     int64
		}{{"maxFiles", int64(g.Proto.MaxFiles)}, {"maxBytes", g.Proto.MaxBytes}} {
			if l.v < 0 {
				return nil, "spec.grpc.proto." + l.field, fmt.Errorf("%d: must not be negative (0 means the default)", l.v)
			}
		}
		opts := protoschema.CompileOptions{MaxFiles: g.Proto.MaxFiles, MaxBytes: g.Proto.MaxBytes}
		onDisk := src.LocalPath != nil
		if onDisk {
			_, err := src.LocalPath(".")
			onDisk = err == nil
		}
		// An import path is a directory, or VIRTUAL=DIR as protoc's -I: the
		// directory is resolved, and handed on with its "=" so that its
		// name is never split again.
		for i, p := range paths {
			where := "spec.grpc.proto.importPaths[" + strconv.Itoa(i) + "]"
			virtual, dir, err := protoschema.ParseImportPath(p)
			if err != nil {
				return nil, where, err
			}
			if onDisk {
				// On disk, errors name each file by its real path.
				if dir, err = src.LocalPath(dir); err != nil {
					return nil, where, err
				}
			} else {
				if path.IsAbs(dir) || !fs.ValidPath(path.Clean(dir)) {
					return nil, where, fmt.Errorf("%q: use a path relative to the resource's file", dir)
				}
				dir = path.Clean(dir)
			}
			opts.ImportPaths = append(opts.ImportPaths, virtual+"="+dir)
		}
		if !onDisk {
			opts.FS = src.FS()
		}
		files, err := protoschema.Compile(ctx, g.Proto.Files, opts)
		var le *protoschema.LimitError
		if errors.As(err, &le) {
			field := map[string]string{"MaxFiles": "maxFiles", "MaxBytes": "maxBytes"}[le.Limit]
			return nil, "spec.grpc.proto." + field, fmt.Errorf("%w (raise spec.grpc.proto.%s)", err, field)
		}
		return files, "spec.grpc.proto", err
	case g.DescriptorSet != "":
		data, path, err := src.ReadFile(g.DescriptorSet)
		if err != nil {
			return nil, "spec.grpc.descriptorSet", err
		}
		fs, err := protoschema.DescriptorSet(data, protoschema.SetOptions{})
		if err != nil {
			return nil, "spec.grpc.descriptorSet", fmt.Errorf("%s: %w", path, err)
		}
		fs.Origin.DescriptorSet = g.DescriptorSet
		return fs, "spec.grpc.descriptorSet", nil
	default:
		// Any host will do: the first that answers.
		var err error
		for i, addr := range g.addresses() {
			var fs *protoschema.Files
			fs, err = protoschema.Reflect(ctx, conns[i], protoschema.ReflectOptions{Upstream: src.Doc.Name, Target: addr, Services: g.Services})
			if err == nil {
				return fs, "spec.grpc.reflection", nil
			}
		}
		return nil, "spec.grpc.reflection", err
	}
}

// upstreamInfo describes the imported services to the schema builder: the
// generated SDL to check bindings against, the methods, and the fields a
// VirtualService may include.
func upstreamInfo(name, where string, res *protoschema.Result) (schema.UpstreamInfo, error) {
	scalars := make(map[string]string, len(res.Scalars))
	for _, sc := range res.Scalars {
		scalars[sc] = protoschema.ScalarDef(sc)
	}
	info, err := schema.GeneratedUpstream(name, Binder{}, where, res.SDL, res.Fragment, scalars)
	if err != nil {
		return info, err
	}
	sourceKeys(info.Schema)
	for full, m := range res.Methods {
		if m.Field != "" {
			info.Methods[full] = schema.Method{Operation: schema.RootOperation(m.Root), Field: m.Field, ServerStreaming: m.Streaming == protoschema.ServerStreaming}
		}
	}
	return info, nil
}

// sourceKeys names each field of the generated object types by the key
// protojson writes it under, which its @from(key:) gives where the key is
// not a GraphQL name ("legacy-id"). The schema builder checks a gateway
// type against a method's response by the gateway fields' source names
// (their own @from keys), which are JSON keys: named by their GraphQL
// names, the upstream's fields would never match such a key, and a gateway
// field named after the GraphQL name, which reads a key the answer does
// not have, would pass.
func sourceKeys(s *ast.Schema) {
	for _, def := range s.Types {
		if def.Kind != ast.Object || def.BuiltIn || def == s.Query || def == s.Mutation || def == s.Subscription {
			continue
		}
		for _, f := range def.Fields {
			if d := f.Directives.ForName("from"); d != nil {
				if a := d.Arguments.ForName("key"); a != nil && a.Value != nil && a.Value.Kind == ast.StringValue {
					f.Name = a.Value.Raw
				}
			}
		}
	}
}

// resolveMethods finds the descriptor of every method a field stands for.
func resolveMethods(files *protoschema.Files, res *protoschema.Result) (map[string]*method, error) {
	out := make(map[string]*method, len(res.Methods))
	for full, m := range res.Methods {
		if m.Skipped != "" {
			continue
		}
		svc, name, ok := strings.Cut(full, "/")
		if !ok {
			return nil, fmt.Errorf("method %q: want package.Service/Method", full)
		}
		d, err := files.Registry.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			return nil, fmt.Errorf("method %s: %w", full, err)
		}
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("method %s: %s is not a service", full, svc)
		}
		md := sd.Methods().ByName(protoreflect.Name(name))
		if md == nil {
			return nil, fmt.Errorf("service %s has no method %s", svc, name)
		}
		out[full] = &method{desc: md, path: "/" + full, read: m.Root == "Query"}
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
