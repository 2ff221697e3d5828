package grpc

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/weft-gateway/weft/internal/grpctest"
)

func TestMisfit(t *testing.T) {
	files, err := grpctest.Files(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	desc := func(name string) protoreflect.MessageDescriptor {
		d, err := files.FindDescriptorByName(protoreflect.FullName("weft.test.v1." + name))
		if err != nil {
			t.Fatal(err)
		}
		return d.(protoreflect.MessageDescriptor)
	}
	str := func(b []byte, num protowire.Number, s string) []byte {
		return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
	}
	varint := func(b []byte, num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
	}
	nested := func(b []byte, num protowire.Number, inner []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), inner)
	}
	tests := []struct {
		name, msg string
		wire      []byte
		want      string
	}{
		{"fits", "Item", varint(str(nil, 1, "x"), 3, 40), ""},
		{"a newer server's field", "Item", varint(str(nil, 1, "x"), 99, 7), ""},
		{"string as a varint", "Item", varint(nil, 1, 5), "weft.test.v1.Item.id (number 1) came as wire type 0"},
		{"int64 as a string", "Item", str(nil, 3, "forty"), "weft.test.v1.Item.price (number 3)"},
		{"nested", "Inner", nested(str(nil, 1, "a"), 3, nested(nil, 3, varint(nil, 2, 1)[:0])), ""},
		{"nested misfit", "Inner", nested(str(nil, 1, "a"), 3, nested(nil, 3, str(nil, 2, "two"))), "weft.test.v1.Inner.level (number 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := dynamicpb.NewMessage(desc(tt.msg))
			if err := proto.Unmarshal(tt.wire, m); err != nil {
				t.Fatalf("the fixture does not decode: %v", err)
			}
			err := misfit(m)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("misfit = %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("misfit = %v, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkMisfit measures the check on an answer of 100 nested messages,
// beside the protojson writing every answer goes through anyway.
func BenchmarkMisfit(b *testing.B) {
	files, err := grpctest.Files(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	d, err := files.FindDescriptorByName("weft.test.v1.Inner")
	if err != nil {
		b.Fatal(err)
	}
	var wire []byte
	for range 100 {
		inner := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "child")
		wire = protowire.AppendBytes(protowire.AppendTag(wire, 3, protowire.BytesType), protowire.AppendVarint(protowire.AppendTag(inner, 2, protowire.VarintType), 7))
		wire = append(protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "parent"), protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), wire)...)
	}
	m := dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
	if err := proto.Unmarshal(wire, m); err != nil {
		b.Fatal(err)
	}
	b.Run("misfit", func(b *testing.B) {
		for b.Loop() {
			if err := misfit(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("protojson", func(b *testing.B) {
		for b.Loop() {
			if _, err := (protojson.MarshalOptions{EmitUnpopulated: true}).Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
