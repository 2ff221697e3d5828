package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// errorFixtures writes the inputs the failure cases read, into one
// directory: a config with errors, API descriptions that are broken, miss a
// file they include, or span more files than an import reads.
func errorFixtures(t *testing.T) string {
	t.Helper()
	files := map[string]string{
		"a-file":            "not a directory\n",
		"bad/weft.yaml":     badConfig["weft.yaml"],
		"bad/api.graphql":   badConfig["api.graphql"],
		"openapi/gone.yaml": "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    post:\n      requestBody: {$ref: \"missing.yaml\"}\n      responses: {\"204\": {description: done}}\n",
		"wsdl/bad.wsdl":     "<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">\n  <types>\n</definitions>\n",
		"wsdl/gone.wsdl":    "<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:root\">\n  <import namespace=\"urn:x\" location=\"missing.wsdl\"/>\n</definitions>\n",
		"proto/bad.proto":   "syntax = \"proto3\";\npackage x;\nmessage M {\n  strin name = 1;\n}\n",
		"proto/gone.proto":  "syntax = \"proto3\";\npackage x;\nimport \"missing.proto\";\n",
		"proto/ok.proto":    "syntax = \"proto3\";\npackage ok;\nmessage M { string name = 1; }\nservice S { rpc Get(M) returns (M); }\n",
		"openapi/ok.yaml":   "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses: {\"200\": {description: ok, content: {application/json: {schema: {type: string}}}}}\n",
		"sg/plain.graphql":  "type Query { a: Int }\n",
		"sg/syntax.graphql": "type Query {\n  a: Int\n  b Int\n}\n",
	}
	// One file more than each import reads: 256 for OpenAPI and WSDL
	// (with --max-files 256), 1000 for .proto files (--max-files 1000).
	var refs, imports, protoImports strings.Builder
	for i := range 257 {
		fmt.Fprintf(&refs, "    S%d: {$ref: \"s%d.yaml\"}\n", i, i)
		files[fmt.Sprintf("openapi/many/s%d.yaml", i)] = "type: string\n"
		fmt.Fprintf(&imports, "  <import namespace=\"urn:i%d\" location=\"i%d.wsdl\"/>\n", i, i)
		files[fmt.Sprintf("wsdl/many/i%d.wsdl", i)] = fmt.Sprintf("<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:i%d\"/>\n", i)
	}
	for i := range 1001 {
		fmt.Fprintf(&protoImports, "import \"p%d.proto\";\n", i)
		files[fmt.Sprintf("proto/many/p%d.proto", i)] = fmt.Sprintf("syntax = \"proto3\";\npackage p%d;\n", i)
	}
	files["openapi/many/root.yaml"] = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n" + refs.String()
	files["wsdl/many/root.wsdl"] = "<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:root\">\n" + imports.String() + "</definitions>\n"
	files["proto/many/root.proto"] = "syntax = \"proto3\";\npackage root;\n" + protoImports.String()
	return writeFiles(t, files)
}

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestCommandErrors runs every command into its failure paths as a
// process: each error is printed on stderr exactly once, a usage error
// says where to read the usage, nothing goes to stdout, and the exit
// status is 1.
func TestCommandErrors(t *testing.T) {
	dir := errorFixtures(t)
	dead := deadAddr(t)
	tests := []struct {
		name string
		args []string
		// want are parts of the message, each to appear once ({dir} is
		// the fixtures' directory, {dead} an address nothing listens on).
		want []string
		// usage is the command whose help a usage error points to; empty
		// for an error that is not one of usage.
		usage string
	}{
		{"root: unknown command", []string{"bogus"}, []string{`unknown command "bogus" for "weft"`}, "weft"},
		{"root: misspelt command", []string{"serv"}, []string{`unknown command "serv" for "weft" (did you mean "serve"?)`}, "weft"},
		{"root: unknown flag", []string{"--bogus"}, []string{"unknown flag: --bogus"}, "weft"},
		{"help: unknown topic", []string{"help", "bogus"}, []string{`unknown help topic "bogus"`}, "weft help"},
		{"completion: unknown shell", []string{"completion", "tcsh"}, []string{`unknown command "tcsh" for "weft completion"`}, "weft completion"},

		{"serve: unknown flag", []string{"serve", "--bogus"}, []string{"unknown flag: --bogus"}, "weft serve"},
		{"serve: argument", []string{"serve", "shop"}, []string{`unexpected argument "shop" (weft serve takes no arguments, only flags)`}, "weft serve"},
		{"serve: missing config", []string{"serve", "--config", "{dir}/nonexistent"}, []string{"--config {dir}/nonexistent: no such directory"}, ""},
		{"serve: config is a file", []string{"serve", "--config", "{dir}/a-file"}, []string{"--config {dir}/a-file: not a directory"}, ""},
		{"serve: invalid config", []string{"serve", "--config", "{dir}/bad"}, []string{
			"Error: config {dir}/bad has 3 errors; nothing is served:\n",
			filepath.Join("{dir}", "bad", "api.graphql") + ":2:",
			filepath.Join("{dir}", "bad", "api.graphql") + ":3:",
			filepath.Join("{dir}", "bad", "weft.yaml") + ":6:",
		}, ""},
		{"serve: log format", []string{"serve", "--log-format", "xml"}, []string{`--log-format "xml": want json or console`}, "weft serve"},
		{"serve: log level", []string{"serve", "--log-level", "loud"}, []string{`--log-level "loud"`}, "weft serve"},
		{"serve: negative grace", []string{"serve", "--shutdown-grace", "-1s"}, []string{"--shutdown-grace -1s: want a duration of 0 or more"}, "weft serve"},
		{"serve: registry with a supergraph", []string{"serve", "--registry", "--supergraph", "x.graphql"}, []string{"--registry serves the config in its store, which --supergraph cannot give it"}, "weft serve"},
		{"serve: zero usage flush", []string{"serve", "--usage-flush", "0s"}, []string{"--usage-flush 0s: want a positive duration"}, "weft serve"},
		{"serve: grace not a duration", []string{"serve", "--shutdown-grace", "soon"}, []string{`invalid argument "soon" for "--shutdown-grace" flag`}, "weft serve"},
		{"serve: unknown fault", []string{"serve", "--demo-faults", "reviews=broken"}, []string{`"broken" is not a fault`}, "weft serve"},
		{"serve: fault of no upstream", []string{"serve", "--demo-faults", "billing=down"}, []string{`no demo upstream "billing"`}, "weft serve"},
		{"serve: fault without kind", []string{"serve", "--demo-faults", "reviews"}, []string{"want UPSTREAM=FAULT"}, "weft serve"},
		{"serve: faults without demo", []string{"serve", "--config", "{dir}/bad", "--demo-faults", "reviews=down"}, []string{"--demo-faults needs the demo's upstreams"}, "weft serve"},
		{"serve: base port out of range", []string{"serve", "--demo-base-port", "65532"}, []string{"--demo-base-port: port 65532 out of range [1, 65531]"}, "weft serve"},
		{"serve: base port without demo", []string{"serve", "--config", "{dir}/bad", "--demo-base-port", "4101"}, []string{"--demo-base-port needs the demo's upstreams"}, "weft serve"},
		{"serve: missing supergraph", []string{"serve", "--supergraph", "{dir}/sg/nope.graphql"}, []string{"--supergraph {dir}/sg/nope.graphql: no such file"}, ""},
		{"serve: supergraph is a directory", []string{"serve", "--supergraph", "{dir}/sg"}, []string{"--supergraph {dir}/sg: a directory"}, ""},
		{"serve: supergraph and config", []string{"serve", "--supergraph", "{dir}/sg/plain.graphql", "--config", "{dir}/bad"}, []string{"--supergraph and --config exclude each other"}, "weft serve"},
		{"serve: supergraph and demo", []string{"serve", "--supergraph", "{dir}/sg/plain.graphql", "--demo-upstreams"}, []string{"--demo-upstreams runs the demo shop's upstreams"}, "weft serve"},
		{"serve: not a supergraph", []string{"serve", "--supergraph", "{dir}/sg/plain.graphql"}, []string{"nothing is served", "plain.graphql: not a Federation v2 supergraph"}, ""},
		{"serve: supergraph syntax", []string{"serve", "--supergraph", "{dir}/sg/syntax.graphql"}, []string{"syntax.graphql:3:5: Expected :, found Name"}, ""},
		{"serve: bad Redis URL", []string{"serve", "--redis", "ftp://x"}, []string{"--redis: ", "invalid URL scheme"}, ""},

		{"validate: unknown flag", []string{"validate", "--bogus"}, []string{"unknown flag: --bogus"}, "weft validate"},
		{"validate: argument", []string{"validate", "{dir}/bad"}, []string{`unexpected argument "{dir}/bad"`}, "weft validate"},
		{"validate: missing config", []string{"validate", "--config", "{dir}/nonexistent"}, []string{"--config {dir}/nonexistent: no such directory"}, ""},
		{"validate: invalid config", []string{"validate", "--config", "{dir}/bad"}, []string{
			"Error: config {dir}/bad has 3 errors:\n",
			filepath.Join("{dir}", "bad", "api.graphql") + ":2:",
			filepath.Join("{dir}", "bad", "api.graphql") + ":3:",
			filepath.Join("{dir}", "bad", "weft.yaml") + ":6:",
		}, ""},
		{"validate: not a supergraph", []string{"validate", "--supergraph", "{dir}/sg/plain.graphql"}, []string{"plain.graphql: not a Federation v2 supergraph"}, ""},
		{"validate: base port without demo", []string{"validate", "--demo-base-port", "4101"}, []string{"--demo-base-port needs the demo's upstreams"}, "weft validate"},

		{"plan: unknown flag", []string{"plan", "--bogus"}, []string{"unknown flag: --bogus"}, "weft plan"},
		{"plan: argument", []string{"plan", "{ products { name } }"}, []string{`unexpected argument "{ products { name } }"`}, "weft plan"},
		{"plan: no query", []string{"plan"}, []string{"--query is required"}, "weft plan"},
		{"plan: invalid query", []string{"plan", "--query", "{ nope }"}, []string{`Cannot query field "nope" on type "Query"`}, ""},
		{"plan: unknown virtual service", []string{"plan", "--virtual-service", "nope", "--query", "{ products { name } }"}, []string{`--virtual-service "nope": no such VirtualService`}, "weft plan"},
		{"plan: missing config", []string{"plan", "--config", "{dir}/nonexistent", "--query", "{ x }"}, []string{"--config {dir}/nonexistent: no such directory"}, ""},
		{"plan: invalid config", []string{"plan", "--config", "{dir}/bad", "--query", "{ x }"}, []string{"Error: config {dir}/bad has 3 errors:\n", "api.graphql:2:", "api.graphql:3:", "weft.yaml:6:"}, ""},

		{"import: unknown kind", []string{"import", "bogus"}, []string{`unknown command "bogus" for "weft import"`}, "weft import"},
		{"import: misspelt kind", []string{"import", "opnapi"}, []string{`(did you mean "openapi"?)`}, "weft import"},

		{"openapi: unknown flag", []string{"import", "openapi", "--bogus", "{dir}/openapi/ok.yaml"}, []string{"unknown flag: --bogus"}, "weft import openapi"},
		{"openapi: no source", []string{"import", "openapi"}, []string{"missing SOURCE"}, "weft import openapi"},
		{"openapi: two sources", []string{"import", "openapi", "a.yaml", "b.yaml"}, []string{`unexpected argument "b.yaml" (weft import openapi takes SOURCE)`}, "weft import openapi"},
		{"openapi: missing file", []string{"import", "openapi", "{dir}/openapi/nope.yaml"}, []string{"Error: reading {dir}/openapi/nope.yaml: the file does not exist"}, ""},
		{"openapi: missing referenced file", []string{"import", "openapi", "{dir}/openapi/gone.yaml"}, []string{
			"warning: {dir}/openapi/gone.yaml:6:20: #/paths/~1a/post/requestBody: (POST /a) operation skipped: request body $ref {dir}/openapi/missing.yaml cannot be followed (the file does not exist)",
			"Error: {dir}/openapi/gone.yaml: nothing to import: no operation of the document can be called through a @rest binding (the warnings above say why)\n"}, ""},
		{"openapi: too many files", []string{"import", "openapi", "--max-files", "256", "{dir}/openapi/many/root.yaml"}, []string{"{dir}/openapi/many/root.yaml: the document spans more than 256 files (raise the limit with --max-files)"}, ""},
		{"openapi: bad operation kind", []string{"import", "openapi", "--operation", "getA=Read", "{dir}/openapi/ok.yaml"}, []string{`--operation "getA=Read": want OPERATION=Query or OPERATION=Mutation`}, "weft import openapi"},
		{"openapi: out is a file", []string{"import", "openapi", "--out", "{dir}/a-file", "{dir}/openapi/ok.yaml"}, []string{"--out: mkdir {dir}/a-file: not a directory"}, ""},

		{"proto: unknown flag", []string{"import", "proto", "--bogus"}, []string{"unknown flag: --bogus"}, "weft import proto"},
		{"proto: no files", []string{"import", "proto"}, []string{"missing FILE: name at least one .proto file, or --descriptor-set"}, "weft import proto"},
		{"proto: files and a set", []string{"import", "proto", "--descriptor-set", "x.binpb", "bad.proto"}, []string{"give .proto files or --descriptor-set, not both"}, "weft import proto"},
		{"proto: missing file", []string{"import", "proto", "-I", "{dir}/proto", "nope.proto"}, []string{"nope.proto: file does not exist in {dir}/proto"}, ""},
		{"proto: syntax", []string{"import", "proto", "-I", "{dir}/proto", "bad.proto"}, []string{"bad.proto:4:3:"}, ""},
		{"proto: missing import", []string{"import", "proto", "-I", "{dir}/proto", "gone.proto"}, []string{"gone.proto:3:8: missing.proto"}, ""},
		{"proto: too many files", []string{"import", "proto", "--max-files", "1000", "-I", "{dir}/proto/many", "root.proto"}, []string{"more than 1000 files to read (raise the limit with --max-files)"}, ""},
		{"proto: zero limit", []string{"import", "proto", "--max-bytes", "0", "x.proto"}, []string{"--max-files and --max-bytes must be positive"}, "weft import proto"},
		{"proto: bad method kind", []string{"import", "proto", "-I", "{dir}/proto", "--method", "ok.S/Get=Query2", "ok.proto"}, []string{`--method "ok.S/Get=Query2"`}, "weft import proto"},
		{"proto: missing descriptor set", []string{"import", "proto", "--descriptor-set", "{dir}/nope.binpb"}, []string{"descriptor set: open {dir}/nope.binpb: no such file or directory"}, ""},
		{"proto: missing file by path", []string{"import", "proto", "{dir}/proto/nope.proto"}, []string{"Error: {dir}/proto/nope.proto: file does not exist\n"}, ""},
		{"proto: outside every import path", []string{"import", "proto", "-I", "{dir}/proto/many", "{dir}/proto/ok.proto"}, []string{"Error: {dir}/proto/ok.proto is outside every import path ({dir}/proto/many)"}, ""},
		{"proto: bad virtual import path", []string{"import", "proto", "-I", "/x=y", "-I", "a/../../b={dir}/proto", "ok.proto"}, []string{`Error: import path "a/../../b={dir}/proto": the name before = (a/../../b) must be a relative path without ".."`}, ""},
		{"proto: nothing to import", []string{"import", "proto", "-I", "{dir}/proto/many", "p1.proto"}, []string{"0 services, 0 methods imported, 0 skipped, 0 warnings\nError: nothing to import: the files compiled declare no service\n"}, ""},

		{"grpc: unknown flag", []string{"import", "grpc", "--bogus", dead}, []string{"unknown flag: --bogus"}, "weft import grpc"},
		{"grpc: no address", []string{"import", "grpc"}, []string{"missing ADDRESS"}, "weft import grpc"},
		{"grpc: two addresses", []string{"import", "grpc", dead, dead}, []string{`unexpected argument "` + dead + `"`}, "weft import grpc"},
		{"grpc: no server", []string{"import", "grpc", "--name", "inventory", "--timeout", "2s", dead}, []string{"server reflection of upstream inventory (" + dead + ")"}, ""},
		{"grpc: certificate without key", []string{"import", "grpc", "--cert-file", "{dir}/a-file", dead}, []string{"--cert-file and --key-file go together"}, "weft import grpc"},
		{"grpc: missing CA file", []string{"import", "grpc", "--ca-file", "{dir}/ca.pem", dead}, []string{"{dir}/ca.pem: no such file or directory"}, ""},

		{"wsdl: unknown flag", []string{"import", "wsdl", "--bogus", "{dir}/wsdl/bad.wsdl"}, []string{"unknown flag: --bogus"}, "weft import wsdl"},
		{"wsdl: no source", []string{"import", "wsdl"}, []string{"missing SOURCE"}, "weft import wsdl"},
		{"wsdl: missing file", []string{"import", "wsdl", "{dir}/wsdl/nope.wsdl"}, []string{"nope.wsdl"}, ""},
		{"wsdl: malformed", []string{"import", "wsdl", "{dir}/wsdl/bad.wsdl"}, []string{"bad.wsdl:4"}, ""},
		{"wsdl: missing import, nothing else", []string{"import", "wsdl", "{dir}/wsdl/gone.wsdl"}, []string{
			"warning: {dir}/wsdl/gone.wsdl:3: import: {dir}/wsdl/missing.wsdl cannot be read (no such file or directory)",
			"Error: nothing to import: the WSDL declares no wsdl:binding; files that could not be read: {dir}/wsdl/missing.wsdl\n"}, ""},
		{"wsdl: a file, not a WSDL", []string{"import", "wsdl", "{dir}/proto/ok.proto"}, []string{"Error: {dir}/proto/ok.proto:1: malformed XML"}, ""},
		{"wsdl: too many files", []string{"import", "wsdl", "--max-files", "256", "{dir}/wsdl/many/root.wsdl"}, []string{"root.wsdl:258: import: {dir}/wsdl/many/root.wsdl: the document spans more than 256 files (raise the limit with --max-files)"}, ""},
		{"wsdl: too many bytes", []string{"import", "wsdl", "--max-bytes", "100", "{dir}/wsdl/bad.wsdl"}, []string{"the document's files are larger than the limit of 100 bytes (raise the limit with --max-bytes)"}, ""},
		{"wsdl: zero limit", []string{"import", "wsdl", "--max-files", "0", "{dir}/wsdl/bad.wsdl"}, []string{"--max-files and --max-bytes must be positive"}, "weft import wsdl"},
		{"wsdl: bad operation kind", []string{"import", "wsdl", "--operation", "GetQuote=Read", "{dir}/wsdl/bad.wsdl"}, []string{`--operation "GetQuote=Read"`}, "weft import wsdl"},
		{"wsdl: bad SOAP version", []string{"import", "wsdl", "--soap-version", "2", "{dir}/wsdl/bad.wsdl"}, []string{`--soap-version "2": want 1.1 or 1.2`}, "weft import wsdl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "{dir}", dir)
			}
			if args[0] == "serve" {
				// Never the default port, which another process may hold.
				args = append(args, "--listen", "127.0.0.1:0")
			}
			r := weft(t, args...)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", r.stdout)
			}
			if n := strings.Count(r.stderr, "Error: "); n != 1 {
				t.Errorf("stderr has %d errors, want 1", n)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "{dir}", dir)
				if n := strings.Count(r.stderr, w); n != 1 {
					t.Errorf("stderr has %q %d times, want once", w, n)
				}
			}
			hint := fmt.Sprintf("Run '%s --help' for usage.\n", tt.usage)
			switch {
			case tt.usage != "" && !strings.HasSuffix(r.stderr, hint):
				t.Errorf("stderr does not end with %q", hint)
			case tt.usage == "" && strings.Contains(r.stderr, "--help' for usage"):
				t.Errorf("stderr has a usage hint for an error that is not one of usage")
			}
			if strings.Contains(r.stderr, "still serving") {
				t.Errorf("stderr speaks of a previous config where there is none")
			}
			if t.Failed() {
				t.Logf("weft %s\nstderr:\n%s", strings.Join(args, " "), r.stderr)
			}
		})
	}
}

// TestHelpIsNoError: asking for help, or naming a command group alone,
// prints the help on stdout and exits 0.
func TestHelpIsNoError(t *testing.T) {
	for _, args := range [][]string{{}, {"--help"}, {"help"}, {"help", "serve"}, {"serve", "--help"}, {"import"}, {"import", "grpc", "-h"}} {
		r := weft(t, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("weft %s: %+v", strings.Join(args, " "), r)
		}
	}
	if r := weft(t, "help", "serve"); !strings.Contains(r.stdout, "--shutdown-grace") {
		t.Errorf("help serve does not list --shutdown-grace:\n%s", r.stdout)
	}
}
