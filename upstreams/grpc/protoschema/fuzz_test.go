package protoschema

import (
	"context"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

// FuzzCompile feeds arbitrary .proto text to the compiler and what
// compiles to the importer: neither may panic or hang, and what imports
// must be deterministic and parse as GraphQL with consistent bindings.
func FuzzCompile(f *testing.F) {
	for _, file := range append([]string{"common/v1/money.proto", "inventory/v1/scalars.proto"}, fixtureFiles...) {
		data, err := os.ReadFile("testdata/proto/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("syntax = \"proto3\";\nservice S { rpc M(A) returns (A); }\nmessage A { A a = 1; map<string, A> m = 2; oneof o { int64 x = 3; } }\n"))
	f.Add([]byte("syntax = \"proto2\";\nmessage A { optional group G = 1 { required int32 x = 2; } extensions 10 to max; }\n"))
	f.Add([]byte("edition = \"2023\";\nenum E { option features.enum_type = CLOSED; A = 1; }\nservice S { rpc M(M) returns (stream M); }\nmessage M { E e = 1; }\n"))
	f.Add([]byte("syntax = \"proto3\";\nimport \"google/protobuf/any.proto\";\nservice __S { rpc __m(google.protobuf.Any) returns (google.protobuf.Any); }\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		type out struct {
			files *Files
			err   error
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done := make(chan out, 1)
		fsys := fstest.MapFS{"fuzz.proto": {Data: data}}
		go func() {
			files, err := Compile(ctx, []string{"fuzz.proto"}, CompileOptions{FS: fsys})
			done <- out{files, err}
		}()
		var files *Files
		select {
		case o := <-done:
			if o.err != nil {
				return
			}
			files = o.files
		case <-time.After(15 * time.Second):
			t.Fatalf("no answer after 15s for %q", data)
		}
		checkImport(t, files)
	})
}

// checkImport imports files twice: the same SDL each time, a valid schema
// with consistent bindings.
func checkImport(t *testing.T, files *Files) {
	t.Helper()
	res, err := Import(files, Options{Upstream: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Fields > 0 {
		s := parseSDL(t, "fuzz.graphql", res.SDL)
		checkBindings(t, s, res)
	}
	again, err := Import(files, Options{Upstream: "u"})
	if err != nil || again.SDL != res.SDL {
		t.Fatalf("second import differs (%v):\n%s", err, diff(res.SDL, again.SDL))
	}
}

// FuzzImport feeds arbitrary bytes to the descriptor set reader and what
// links to the importer.
func FuzzImport(f *testing.F) {
	f.Add(descriptorSet(f, compileFixtures(f), false))
	f.Add(descriptorSet(f, compileFixtures(f, "warehouse/v1/warehouse.proto"), true))
	f.Add(descriptorSet(f, compileFixtures(f, "catalog/v1/catalog.proto", "legacy/v1/legacy.proto"), true))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		files, err := DescriptorSet(data, SetOptions{})
		if err != nil {
			return
		}
		checkImport(t, files)
	})
}
