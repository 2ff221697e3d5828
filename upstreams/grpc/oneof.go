package grpc

import (
	"strings"

	"github.com/valyala/fastjson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// oneofs are the @oneOf input fields the importer made of messages'
// oneofs: message full name to the GraphQL field names that stand for one.
type oneofs map[protoreflect.FullName]map[string]bool

// needs reports whether a request of message md may hold an @oneOf field,
// in itself or in a message below it, so requests without one skip the
// rewrite.
func (o oneofs) needs(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) bool {
	if len(o) == 0 || seen[md.FullName()] {
		return false
	}
	seen[md.FullName()] = true
	if len(o[md.FullName()]) > 0 {
		return true
	}
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		if m := fd.Message(); m != nil && !fd.IsMap() && o.needs(m, seen) {
			return true
		}
	}
	return false
}

// lift rewrites a request in protojson form: the member inside each @oneOf
// field moves up into the message, where protojson has it. It works on the
// parsed value in place.
func (o oneofs) lift(v *fastjson.Value, md protoreflect.MessageDescriptor) {
	obj, err := v.Object()
	if err != nil || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return // well-known types have JSON forms of their own
	}
	for key := range o[md.FullName()] {
		w := obj.Get(key)
		if w == nil {
			continue
		}
		obj.Del(key)
		if members, err := w.Object(); err == nil {
			members.Visit(func(k []byte, m *fastjson.Value) { obj.Set(string(k), m) })
		}
	}
	obj.Visit(func(k []byte, child *fastjson.Value) {
		fd := md.Fields().ByJSONName(string(k))
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(k))
		}
		if fd == nil || fd.Message() == nil || fd.IsMap() {
			return
		}
		if fd.IsList() {
			for _, item := range child.GetArray() {
				o.lift(item, fd.Message())
			}
			return
		}
		o.lift(child, fd.Message())
	})
}
