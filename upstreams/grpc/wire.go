package grpc

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// misfit finds a field of an answer that came with a wire type its
// declaration does not allow: a string sent as a varint, say. Protobuf's
// decoder keeps such a field among the unknown fields (as it would a field
// of a newer schema) and leaves the declared field unset, so the answer
// would be served with zero values and no error. A field number the
// message declares, among its unknown fields, can only be that.
func misfit(m protoreflect.Message) error {
	if unknown := m.GetUnknown(); len(unknown) > 0 {
		fields := m.Descriptor().Fields()
		for b := []byte(unknown); len(b) > 0; {
			num, typ, n := protowire.ConsumeField(b)
			if n < 0 {
				return fmt.Errorf("%s: unreadable unknown fields: %w", m.Descriptor().FullName(), protowire.ParseError(n))
			}
			if fd := fields.ByNumber(num); fd != nil {
				return fmt.Errorf("field %s (number %d) came as wire type %d, which its type %s cannot be", fd.FullName(), num, typ, fd.Kind())
			}
			b = b[n:]
		}
	}
	// Over the declared message fields rather than m.Range: no closure
	// per message, so no allocation; BenchmarkMisfit: 8 µs for 100 nested
	// messages (30 µs with Range), beside 200 µs to write them as protojson.
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Message() == nil || !m.Has(fd) {
			continue
		}
		v := m.Get(fd)
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				continue
			}
			var err error
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				err = misfit(mv.Message())
				return err == nil
			})
			if err != nil {
				return err
			}
		case fd.IsList():
			l := v.List()
			for k := range l.Len() {
				if err := misfit(l.Get(k).Message()); err != nil {
					return err
				}
			}
		default:
			if err := misfit(v.Message()); err != nil {
				return err
			}
		}
	}
	return nil
}
