package protoschema

import (
	"context"
	"errors"
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
// with consistent bindings, or, when nothing imports, a NothingError that
// says why each time.
func checkImport(t *testing.T, files *Files) {
	t.Helper()
	imp := func() *Result {
		res, err := Import(files, Options{Upstream: "u"})
		var nothing *NothingError
		switch {
		case errors.As(err, &nothing):
			if nothing.Result.Fields != 0 || len(nothing.Reasons) == 0 {
				t.Fatalf("nothing to import with %d fields, reasons %q", nothing.Result.Fields, nothing.Reasons)
			}
			return nothing.Result
		case err != nil:
			t.Fatal(err)
		case res.Fields == 0:
			t.Fatal("an import of no method gave no NothingError")
		}
		return res
	}
	res := imp()
	if res.Fields > 0 {
		s := parseSDL(t, "fuzz.graphql", res.SDL)
		checkBindings(t, s, res)
	}
	if again := imp(); again.SDL != res.SDL {
		t.Fatalf("second import differs:\n%s", diff(res.SDL, again.SDL))
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
