package protoschema

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// ReflectOptions steer Reflect.
type ReflectOptions struct {
	// Upstream and Target name the server in errors; Target defaults to
	// the connection's own target when it has one (a *grpc.ClientConn).
	Upstream, Target string
	// Services, when set, are the only services imported (full names);
	// the others the server lists are left alone.
	Services []string
	// Internal keeps the reflection and health services, which are left
	// out by default: they are the server's machinery, not its API.
	Internal bool
	// Timeout bounds the whole exchange (default 10s), within ctx.
	Timeout time.Duration
	// MaxFiles and MaxBytes bound the descriptors fetched (defaults
	// DefaultMaxFiles and DefaultMaxBytes).
	MaxFiles int
	MaxBytes int64
}

// internalServices are the services a server runs for its own sake.
var internalServices = map[string]bool{
	"grpc.reflection.v1.ServerReflection":      true,
	"grpc.reflection.v1alpha.ServerReflection": true,
	"grpc.health.v1.Health":                    true,
}

// The reflection protocol's method, in its two versions. The v1alpha
// messages are the v1 messages under another package name, field for
// field, so one client speaks both.
const (
	reflectionV1      = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
	reflectionV1Alpha = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"
)

// Reflect asks a server for its services and their descriptors with gRPC
// server reflection: grpc.reflection.v1, else v1alpha for servers that
// only have the older one. Every file the services need is fetched, and
// the well-known types resolve even when the server leaves them out. A
// failure is an error naming the upstream and its target.
func Reflect(ctx context.Context, conn grpc.ClientConnInterface, opts ReflectOptions) (*Files, error) {
	target := opts.Target
	if target == "" {
		if t, ok := conn.(interface{ Target() string }); ok {
			target = t.Target()
		}
	}
	where := "server reflection of " + target
	if opts.Upstream != "" {
		where = fmt.Sprintf("server reflection of upstream %s (%s)", opts.Upstream, target)
	}
	if conn == nil {
		return nil, fmt.Errorf("%s: no connection", where)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	maxFiles, maxBytes := SetOptions{MaxFiles: opts.MaxFiles, MaxBytes: opts.MaxBytes}.limits()
	r := &reflector{conn: conn, maxFiles: maxFiles, maxBytes: maxBytes, fdps: map[string]*descriptorpb.FileDescriptorProto{}}
	files, err := r.run(ctx, opts)
	if r.stream != nil {
		r.stream.CloseSend()
	}
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) || status.Code(err) == codes.DeadlineExceeded {
			return nil, fmt.Errorf("%s: no answer within %s: %w", where, timeout, err)
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	files.Origin = Origin{Kind: OriginReflection, Target: target}
	return files, nil
}

type reflector struct {
	conn     grpc.ClientConnInterface
	stream   grpc.ClientStream
	maxFiles int
	maxBytes int64
	bytes    int64
	fdps     map[string]*descriptorpb.FileDescriptorProto
}

func (r *reflector) run(ctx context.Context, opts ReflectOptions) (*Files, error) {
	listed, err := r.listServices(ctx)
	if err != nil {
		return nil, err
	}
	var warnings []Warning
	var names []string
	if len(opts.Services) > 0 {
		have := map[string]bool{}
		for _, s := range listed {
			have[s] = true
		}
		for _, s := range opts.Services {
			if have[s] {
				names = append(names, s)
			} else {
				warnings = append(warnings, Warning{Element: s, Msg: "the server does not list this service"})
			}
		}
	} else {
		for _, s := range listed {
			if opts.Internal || !internalServices[s] {
				names = append(names, s)
			}
		}
	}
	sort.Strings(names)
	names = dedupe(names)
	var services []string
	for _, name := range names {
		resp, err := r.ask(&reflectionpb.ServerReflectionRequest{
			MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: name}})
		if err != nil {
			return nil, err
		}
		if e := resp.GetErrorResponse(); e != nil {
			warnings = append(warnings, Warning{Element: name, Msg: fmt.Sprintf("the server lists this service but cannot describe it (%s): not imported", e.GetErrorMessage())})
			continue
		}
		if err := r.add(resp); err != nil {
			return nil, err
		}
		services = append(services, name)
	}
	if err := r.fetchDependencies(); err != nil {
		return nil, err
	}
	list := make([]*descriptorpb.FileDescriptorProto, 0, len(r.fdps))
	for _, fdp := range r.fdps {
		list = append(list, fdp)
	}
	reg, err := buildRegistry(list)
	if err != nil {
		return nil, err
	}
	files := &Files{Registry: reg, Warnings: warnings}
	for _, name := range services {
		d, err := reg.FindDescriptorByName(protoreflect.FullName(name))
		if _, ok := d.(protoreflect.ServiceDescriptor); err != nil || !ok {
			files.Warnings = append(files.Warnings, Warning{Element: name, Msg: "the server's descriptors do not define this service: not imported"})
			continue
		}
		files.Services = append(files.Services, protoreflect.FullName(name))
	}
	return files, nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// listServices opens the stream, v1 first, and lists the services.
func (r *reflector) listServices(ctx context.Context) ([]string, error) {
	list := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: "*"}}
	var resp *reflectionpb.ServerReflectionResponse
	var err error
	for _, method := range []string{reflectionV1, reflectionV1Alpha} {
		if r.stream != nil {
			r.stream.CloseSend()
		}
		r.stream, err = r.conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, method)
		if err == nil {
			resp, err = r.ask(list)
		}
		if status.Code(err) != codes.Unimplemented {
			break
		}
	}
	if status.Code(err) == codes.Unimplemented {
		return nil, fmt.Errorf("the server does not offer reflection (neither grpc.reflection.v1 nor v1alpha): %w", err)
	}
	if err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, fmt.Errorf("listing services: %s", e.GetErrorMessage())
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	return names, nil
}

// ask sends one request and reads its answer.
func (r *reflector) ask(req *reflectionpb.ServerReflectionRequest) (*reflectionpb.ServerReflectionResponse, error) {
	if err := r.stream.SendMsg(req); err != nil {
		// The reason a send fails is read from the stream.
		resp := new(reflectionpb.ServerReflectionResponse)
		if rerr := r.stream.RecvMsg(resp); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	resp := new(reflectionpb.ServerReflectionResponse)
	if err := r.stream.RecvMsg(resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// add keeps the file descriptors of an answer, within the limits.
func (r *reflector) add(resp *reflectionpb.ServerReflectionResponse) error {
	for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		r.bytes += int64(len(raw))
		if r.bytes > r.maxBytes {
			return fmt.Errorf("more than %d bytes of descriptors", r.maxBytes)
		}
		fdp := new(descriptorpb.FileDescriptorProto)
		if err := proto.Unmarshal(raw, fdp); err != nil {
			return fmt.Errorf("a file descriptor the server sent: %w", err)
		}
		if _, ok := r.fdps[fdp.GetName()]; ok {
			continue
		}
		if len(r.fdps) >= r.maxFiles {
			return fmt.Errorf("more than %d files of descriptors", r.maxFiles)
		}
		r.fdps[fdp.GetName()] = fdp
	}
	return nil
}

// fetchDependencies asks for the files that the ones received import and
// that the server has not sent yet.
func (r *reflector) fetchDependencies() error {
	asked := map[string]bool{}
	for {
		var missing []string
		for _, fdp := range r.fdps {
			for _, dep := range fdp.GetDependency() {
				if _, ok := r.fdps[dep]; !ok && !asked[dep] {
					missing = append(missing, dep)
					asked[dep] = true
				}
			}
		}
		if len(missing) == 0 {
			return nil
		}
		sort.Strings(missing)
		for _, dep := range missing {
			resp, err := r.ask(&reflectionpb.ServerReflectionRequest{
				MessageRequest: &reflectionpb.ServerReflectionRequest_FileByFilename{FileByFilename: dep}})
			if err != nil {
				return err
			}
			if e := resp.GetErrorResponse(); e != nil {
				if _, ok := standardFile(dep); ok {
					continue
				}
				return fmt.Errorf("file %s, which the services import: %s", dep, e.GetErrorMessage())
			}
			if err := r.add(resp); err != nil {
				return err
			}
		}
	}
}
