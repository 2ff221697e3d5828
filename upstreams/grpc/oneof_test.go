package grpc

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/weft-gateway/weft/upstreams/grpc/protoschema"
)

func TestOneofLift(t *testing.T) {
	dir := t.TempDir()
	src := `syntax = "proto3";
package t;
message Outer { Inner inner = 1; repeated Inner list = 2; map<string, Inner> byKey = 3; string plain = 4; }
message Inner { oneof pick { string a = 1; int32 b = 2; Inner deeper = 3; } }
message Flat { string x = 1; }
service S { rpc Get(Outer) returns (Flat); rpc GetFlat(Flat) returns (Flat); }
`
	if err := os.WriteFile(filepath.Join(dir, "t.proto"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := protoschema.Compile(context.Background(), []string{"t.proto"}, protoschema.CompileOptions{ImportPaths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := protoschema.Import(files, protoschema.Options{Upstream: "u"})
	if err != nil {
		t.Fatal(err)
	}
	oo := oneofs{}
	for msg, fields := range res.Oneofs {
		oo[protoreflect.FullName(msg)] = map[string]bool{}
		for f := range fields {
			oo[protoreflect.FullName(msg)][f] = true
		}
	}
	desc := func(name string) protoreflect.MessageDescriptor {
		d, err := files.Registry.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatal(err)
		}
		return d.(protoreflect.MessageDescriptor)
	}
	if !oo.needs(desc("t.Outer"), map[protoreflect.FullName]bool{}) || oo.needs(desc("t.Flat"), map[protoreflect.FullName]bool{}) {
		t.Fatalf("needs: Outer should, Flat should not (oneofs %v)", res.Oneofs)
	}
	tests := []struct{ in, want string }{
		{`{"inner": {"pick": {"b": 2}}}`, `{"inner":{"b":2}}`},
		{`{"list": [{"pick": {"a": "x"}}, {}], "plain": "p"}`, `{"list":[{"a":"x"},{}],"plain":"p"}`},
		{`{"inner": {"pick": {"deeper": {"pick": {"a": "d"}}}}}`, `{"inner":{"deeper":{"a":"d"}}}`},
		{`{"inner": {"pick": null}}`, `{"inner":{}}`},
		// Maps are JSON on both sides: left alone.
		{`{"byKey": {"k": {"pick": {"a": "x"}}}}`, `{"byKey":{"k":{"pick":{"a":"x"}}}}`},
	}
	for _, tt := range tests {
		v := fastjson.MustParse(tt.in)
		oo.lift(v, desc("t.Outer"))
		if got := string(v.MarshalTo(nil)); got != tt.want {
			t.Errorf("lift(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
