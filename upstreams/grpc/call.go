package grpc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"

	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	// Registered so that protojson can write the standard error details
	// (google.rpc.ErrorInfo, BadRequest, RetryInfo, ...) of a status.
	_ "google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/weft-gateway/weft/internal/jsonwrite"
	"github.com/weft-gateway/weft/upstreams"
	"github.com/weft-gateway/weft/upstreams/hosts"
)

// prepared is a call ready to send.
type prepared struct {
	method *method
	// request is the request message in protojson form.
	request []byte
	md      metadata.MD
}

// method is a method the upstream can call.
type method struct {
	desc protoreflect.MethodDescriptor
	// path is the HTTP/2 path, "/pkg.Service/Method".
	path string
	// read says the method only reads (a Query field), so identical calls
	// in flight may share one.
	read bool
	// lift says a request may hold @oneOf fields to rewrite.
	lift bool
}

// Prepare evaluates the request template into protojson and sets the key.
func (u *Upstream) Prepare(c *upstreams.Call) error {
	g, _ := c.Binding.Request.(*Binding)
	if g == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "field %s has no gRPC binding", c.Binding.FieldRef)
	}
	name, tmplReq := g.form(c.Batch)
	m := u.methods[name]
	if m == nil {
		return upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "upstream has no method %s", name)
	}
	req := []byte("{}")
	if tmplReq != nil {
		var err error
		if req, err = tmplReq.AppendJSON(make([]byte, 0, 64), c.Scope); err != nil {
			return upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the request: %v", err)
		}
	}
	md := u.metadata(c)
	c.Prepared = &prepared{method: m, request: req, md: md}
	key := make([]byte, 0, len(name)+len(req)+32)
	key = append(key, name...)
	key = append(key, 0)
	key = append(key, req...)
	for _, h := range u.opts.ForwardHeaders {
		for _, v := range md.Get(h) {
			key = append(key, 0)
			key = append(key, v...)
		}
	}
	c.Key = string(key)
	return nil
}

// metadata builds a call's outgoing metadata: the upstream's static
// headers, the client headers it forwards, and the request id.
func (u *Upstream) metadata(c *upstreams.Call) metadata.MD {
	md := make(metadata.MD, len(u.opts.Headers)+len(u.opts.ForwardHeaders)+1)
	for k, v := range u.opts.Headers {
		md.Set(k, v)
	}
	for _, name := range u.opts.ForwardHeaders {
		if vs := c.ClientHeader.Values(name); len(vs) > 0 {
			md.Set(name, vs...)
		}
	}
	if c.RequestID != "" {
		md.Set("x-request-id", c.RequestID)
	}
	return md
}

// request decodes a prepared request into a message of the method's type.
func (u *Upstream) request(p *prepared) (*dynamicpb.Message, error) {
	in := dynamicpb.NewMessage(p.method.desc.Input())
	req := p.request
	if p.method.lift {
		parser := u.parsers.Get()
		v, err := parser.ParseBytes(req)
		if err != nil {
			u.parsers.Put(parser)
			return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the %s request: %v", p.method.desc.Input().FullName(), err)
		}
		u.oneofs.lift(v, p.method.desc.Input())
		req = v.MarshalTo(nil)
		u.parsers.Put(parser)
	}
	if err := (protojson.UnmarshalOptions{Resolver: u.types}).Unmarshal(req, in); err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, err, "cannot build the %s request: %v", p.method.desc.Input().FullName(), err)
	}
	return in, nil
}

// Do sends a unary call and returns the answer as protojson. Identical
// reads in flight at the same moment share one call (Options.MergeInFlight).
func (u *Upstream) Do(ctx context.Context, c *upstreams.Call) (*upstreams.Result, error) {
	p, ok := c.Prepared.(*prepared)
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "call was not prepared")
	}
	in, err := u.request(p)
	if err != nil {
		return nil, err
	}
	var b []byte
	if p.method.read && u.merge && c.Key != "" {
		b, err = u.shared(ctx, c.Key, p, in)
	} else {
		u.calls.Add(1)
		b, err = u.invoke(ctx, p, in)
		u.calls.Done()
	}
	if err != nil {
		return nil, err
	}
	return u.result(b, c.Raw)
}

// invoke makes one call and writes its answer as protojson. The caller
// counts it in u.calls.
func (u *Upstream) invoke(ctx context.Context, p *prepared, in proto.Message) ([]byte, error) {
	caller := ctx
	ctx, cancel := context.WithTimeout(metadata.NewOutgoingContext(ctx, p.md), u.opts.Timeout)
	defer cancel()
	out := dynamicpb.NewMessage(p.method.desc.Output())
	conn, host := u.pick()
	err := conn.Invoke(ctx, p.method.path, in, out, u.callOptions...)
	// A merged call (shared) runs here once: its outcome counts once.
	u.report(host, caller, err)
	if err != nil {
		return nil, u.statusError(ctx, err)
	}
	if err := misfit(out); err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "the answer does not fit %s: %v", out.Descriptor().FullName(), err)
	}
	// EmitUnpopulated: a field the server left at its zero value is
	// still a value the schema promises (non-null on output).
	b, err := protojson.MarshalOptions{EmitUnpopulated: true, Resolver: u.types}.Marshal(out)
	if err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "cannot read the answer: %v", err)
	}
	return b, nil
}

// flight is a call that identical calls wait on instead of making their own.
type flight struct {
	done chan struct{}
	// answer is read-only once done: every waiter parses it for itself.
	answer []byte
	err    error
	// waiters counts the callers waiting for the answer (under
	// u.flightsMu); the last one to give up cancels the call.
	waiters int
	cancel  context.CancelFunc
}

// shared joins the identical call in flight, or starts it. The call runs
// apart from any one caller's cancellation, bounded by the upstream's
// timeout, so a caller that gives up does not fail the others; when every
// caller has given up (each one's deadline, a binding's timeout, passed),
// nobody needs the answer and the call is cancelled.
func (u *Upstream) shared(ctx context.Context, key string, p *prepared, in proto.Message) ([]byte, error) {
	u.flightsMu.Lock()
	f := u.flights[key]
	if f == nil {
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		u.flights[key] = f
		// Counted before the goroutine starts: a caller that gives up
		// returns before the call ends, and Close, called after it, must
		// still wait for the call.
		u.calls.Add(1)
		go func() {
			defer u.calls.Done()
			defer cancel()
			f.answer, f.err = u.invoke(callCtx, p, in)
			u.flightsMu.Lock()
			if u.flights[key] == f {
				delete(u.flights, key)
			}
			u.flightsMu.Unlock()
			close(f.done)
		}()
	}
	f.waiters++
	u.flightsMu.Unlock()
	select {
	case <-f.done:
		return f.answer, f.err
	case <-ctx.Done():
		u.flightsMu.Lock()
		if f.waiters--; f.waiters == 0 {
			// The next identical call starts afresh rather than joining
			// a cancelled one.
			if u.flights[key] == f {
				delete(u.flights, key)
			}
			f.cancel()
		}
		u.flightsMu.Unlock()
		if ctx.Err() == context.DeadlineExceeded {
			// As the call's own deadline reports it (statusError), so that
			// a timeout reads the same whether the call was shared or not.
			e := upstreams.Errorf(upstreams.CodeTimeout, u.name, ctx.Err(), "timed out")
			e.Extensions = map[string]any{"grpcCode": codeName(codes.DeadlineExceeded)}
			return nil, e
		}
		return nil, upstreams.TransportError(u.name, ctx.Err())
	}
}

// result wraps an answer written as protojson, the value model of every
// kind.
func (u *Upstream) result(b []byte, raw bool) (*upstreams.Result, error) {
	if raw {
		return upstreams.NewRawResult(b, 0, nil), nil
	}
	p := u.parsers.Get()
	v, err := p.ParseBytes(b)
	if err != nil {
		u.parsers.Put(p)
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, u.name, err, "cannot read the answer: %v", err)
	}
	return upstreams.NewResult(v, 0, func() { u.parsers.Put(p) }), nil
}

// Stream is a server-streaming call in progress.
type Stream struct {
	u      *Upstream
	s      grpclib.ClientStream
	desc   protoreflect.MessageDescriptor
	cancel context.CancelFunc
	ctx    context.Context
	// host is where the stream went; its outcome is reported once, when
	// the stream ends (a stream cut by the caller reports nothing).
	host *hosts.Host
}

// Stream starts a server-streaming call; Recv reads its messages.
func (u *Upstream) Stream(ctx context.Context, c *upstreams.Call) (*Stream, error) {
	p, ok := c.Prepared.(*prepared)
	if !ok {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "call was not prepared")
	}
	if !p.method.desc.IsStreamingServer() {
		return nil, upstreams.Errorf(upstreams.CodeBadRequest, u.name, nil, "%s is not a server-streaming method", p.method.desc.FullName())
	}
	in, err := u.request(p)
	if err != nil {
		return nil, err
	}
	// A stream counts as a call in flight, so Close lets it end first.
	u.calls.Add(1)
	ctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, p.md))
	cancel = func(cancelCtx context.CancelFunc) context.CancelFunc {
		var once sync.Once
		return func() { cancelCtx(); once.Do(u.calls.Done) }
	}(cancel)
	conn, host := u.pick()
	s, err := conn.NewStream(ctx, &grpclib.StreamDesc{ServerStreams: true}, p.method.path, u.callOptions...)
	if err == nil {
		err = s.SendMsg(in)
	}
	if err == nil {
		err = s.CloseSend()
	}
	if err != nil {
		u.report(host, ctx, err)
		cancel()
		return nil, u.statusError(ctx, err)
	}
	return &Stream{u: u, s: s, desc: p.method.desc.Output(), cancel: cancel, ctx: ctx, host: host}, nil
}

// Recv returns the next message as a parsed value, or io.EOF at the end.
func (s *Stream) Recv() (*upstreams.Result, error) {
	out := dynamicpb.NewMessage(s.desc)
	if err := s.s.RecvMsg(out); err != nil {
		// A stream cut by Close (or the caller's context) may still read
		// as a clean end: only a stream the server ended is io.EOF.
		cut := s.ctx.Err() != nil
		if errors.Is(err, io.EOF) && !cut {
			s.u.report(s.host, s.ctx, nil)
		} else {
			s.u.report(s.host, s.ctx, err)
		}
		s.host = nil
		s.cancel()
		if errors.Is(err, io.EOF) && !cut {
			return nil, io.EOF
		}
		if cut {
			err = status.FromContextError(s.ctx.Err()).Err()
		}
		return nil, s.u.statusError(s.ctx, err)
	}
	if err := misfit(out); err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, s.u.name, err, "a message does not fit %s: %v", out.Descriptor().FullName(), err)
	}
	b, err := protojson.MarshalOptions{EmitUnpopulated: true, Resolver: s.u.types}.Marshal(out)
	if err != nil {
		return nil, upstreams.Errorf(upstreams.CodeBadResponse, s.u.name, err, "cannot read the message: %v", err)
	}
	return s.u.result(b, false)
}

// Close ends the stream.
func (s *Stream) Close() { s.cancel() }

// statusError maps a gRPC status to an upstream error: the code that says
// what a client can do about it, the gRPC code, and its message and
// details (which clients see where the upstream exposes its errors).
func (u *Upstream) statusError(ctx context.Context, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return upstreams.TransportError(u.name, err)
	}
	if st.Code() == codes.DeadlineExceeded || ctx.Err() == context.DeadlineExceeded && st.Code() == codes.Canceled {
		e := upstreams.Errorf(upstreams.CodeTimeout, u.name, err, "timed out")
		e.Extensions = map[string]any{"grpcCode": codeName(codes.DeadlineExceeded)}
		return e
	}
	code := upstreams.CodeError
	msg := codeName(st.Code())
	switch st.Code() {
	case codes.Unavailable, codes.Canceled, codes.Aborted:
		code = upstreams.CodeUnavailable
	case codes.ResourceExhausted:
		// grpc-go's own limits: the request it would not send, the
		// answer it would not read.
		switch m := st.Message(); {
		case strings.HasPrefix(m, "trying to send message larger than max"):
			code, msg = upstreams.CodeBadRequest, "request is larger than the message size limit"
		case strings.Contains(m, "larger than max"):
			code, msg = upstreams.CodeBadResponse, "answer is larger than the message size limit"
		}
	case codes.Internal:
		if strings.Contains(st.Message(), "unmarshal") {
			code, msg = upstreams.CodeBadResponse, "answer does not decode as the method's response type"
		}
	}
	e := upstreams.Errorf(code, u.name, err, "%s", msg)
	e.NullIfNullable = st.Code() == codes.NotFound
	e.Extensions = map[string]any{"grpcCode": codeName(st.Code())}
	e.Detail = st.Message()
	if details := st.Proto().GetDetails(); len(details) > 0 {
		var out []byte
		out = append(out, '[')
		for i, d := range details {
			if i > 0 {
				out = append(out, ',')
			}
			b, err := protojson.Marshal(d)
			if err != nil {
				out = jsonwrite.String(out, string(d.GetTypeUrl()))
				continue
			}
			out = append(out, b...)
		}
		out = append(out, ']')
		if json.Valid(out) {
			e.Relay("details", out)
		}
	}
	return e
}

// ExposeErrors reports whether clients see a failed call's status message
// and details (spec.exposeErrors).
func (u *Upstream) ExposeErrors() bool { return u.opts.ExposeErrors }

// codeName is a status code's canonical name, as google.rpc.Code and every
// gRPC implementation spell it (NOT_FOUND, DEADLINE_EXCEEDED), rather than
// grpc-go's Go-style String (NotFound); a code outside the table is its
// number.
func codeName(c codes.Code) string {
	return rpccode.Code(c).String()
}

// Idempotent reports whether a call reads only: its method was imported as
// a Query field (or made one), so the resilience policy may retry or hedge
// it.
func (u *Upstream) Idempotent(c *upstreams.Call) bool {
	g, _ := c.Binding.Request.(*Binding)
	if g == nil {
		return false
	}
	name, _ := g.form(c.Batch)
	m := u.methods[name]
	return m != nil && m.read
}
