package store

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

func TestContentHash(t *testing.T) {
	base := files("a.graphql", "type Query { a: Int }", "a.yaml", "kind: Upstream")
	if ContentHash(base) != ContentHash(files("a.yaml", "kind: Upstream", "a.graphql", "type Query { a: Int }")) {
		t.Error("the hash depends on the map's order")
	}
	differ := []map[string][]byte{
		files("ab", "c"),
		files("a", "bc"),
		files("a", "b", "c", ""),
		files("a", "", "bc", ""),
		files("a", "b\x00c"),
		{},
	}
	seen := map[string]int{}
	for i, f := range differ {
		h := ContentHash(f)
		if j, ok := seen[h]; ok {
			t.Errorf("files #%d %q and #%d %q hash alike", i, f, j, differ[j])
		}
		seen[h] = i
	}
}

func TestContentHashEncoding(t *testing.T) {
	// The documented encoding, written out: length-prefixed path, then
	// length-prefixed content, paths in byte order.
	enc := func(s string) string {
		var b [8]byte
		n := len(s)
		for i := 7; i >= 0; i-- {
			b[i] = byte(n)
			n >>= 8
		}
		return string(b[:]) + s
	}
	input := enc("B") + enc("2") + enc("a") + enc("1")
	if got, want := ContentHash(files("a", "1", "B", "2")), sha256Hex(input); got != want {
		t.Errorf("ContentHash = %s; want sha256 of the documented encoding, %s", got, want)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestValidSubject(t *testing.T) {
	tests := []struct {
		subject string
		ok      bool
		want    string
	}{
		{"Upstream/catalog", true, ""},
		{"VirtualService/shop", true, ""},
		{"Upstream/team-a/users.v2", true, ""},
		{"", false, "empty"},
		{"catalog", false, "Kind/name"},
		{"Upstream/", false, "name"},
		{"/catalog", false, "kind"},
		{"upstream/catalog", false, "kind"},
		{"Upstream/Catalog", false, "name"},
		{"Upstream/cat_alog", false, "name"},
		{"Upstream/-a", false, "name"},
		{"Upstream/a/b/c", false, "Kind/name"},
		{"Upstream/Team/a", false, "namespace"},
		{"Upstream/a.b/c", false, "namespace"},
		{"Upstream/" + strings.Repeat("a", 254), false, "name"},
		{"Upstream/" + strings.Repeat("a", 253), true, ""},
	}
	for _, tt := range tests {
		err := ValidSubject(tt.subject)
		if tt.ok != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("ValidSubject(%q) = %v; want ok %v, or an error with %q", tt.subject, err, tt.ok, tt.want)
		}
	}
}

func TestValidPath(t *testing.T) {
	tests := []struct {
		path string
		want string // "" for valid
	}{
		{"catalog.graphql", ""},
		{"upstreams/catalog/schema.graphql", ""},
		{"protos/acme/v1/orders.proto", ""},
		{"dir with space/é.yaml", ""},
		{"", "empty"},
		{".", "config root"},
		{"/abs", "not relative"},
		{"a/", "not relative"},
		{"a//b", "not relative"},
		{"a/./b", "not relative"},
		{"../a", "not relative"},
		{"a/..", "not relative"},
		{`a\b`, "backslash"},
		{"a\nb", "control"},
		{"a\x00b", "control"},
		{"\xff", "UTF-8"},
		{strings.Repeat("a", 1025), "longer"},
	}
	for _, tt := range tests {
		err := ValidPath(tt.path)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("ValidPath(%q) = %v; want %q", tt.path, err, tt.want)
		}
	}
}

func FuzzValidPath(f *testing.F) {
	for _, s := range []string{"a", "a/b.graphql", "../x", "/x", "a//b", `a\b`, ".", "", "\xff", "a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		err := ValidPath(p)
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Errorf("error %q is not valid UTF-8", err)
			}
			return
		}
		// An accepted path names a file under the config root.
		if !fs.ValidPath(p) || p == "." || strings.ContainsAny(p, "\\\x00") || len(p) > maxPath {
			t.Errorf("ValidPath accepted %q", p)
		}
	})
}

func FuzzValidSubject(f *testing.F) {
	for _, s := range []string{"Upstream/a", "VirtualService/ns/a", "a", "Upstream/A", "Upstream/a/b/c", "/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidSubject(s) != nil {
			return
		}
		// An accepted subject is ASCII, has two or three parts, and is
		// short enough to be a key in both databases.
		parts := strings.Split(s, "/")
		if len(parts) < 2 || len(parts) > 3 || len(s) > 63+1+63+1+253 {
			t.Errorf("ValidSubject accepted %q", s)
		}
		for _, r := range s {
			if r > 0x7e || r < 0x21 {
				t.Errorf("ValidSubject accepted %q with %q", s, r)
			}
		}
	})
}

func TestTokenAllows(t *testing.T) {
	tok := Token{Scopes: []Scope{
		{ActionPush, "Upstream/catalog"},
		{ActionCheck, "Upstream/users"},
		{ActionRead, AnySubject},
	}}
	admin := Token{Scopes: []Scope{{ActionAdmin, AnySubject}}}
	revoked := tok
	revoked.Revoked = tok.Created.AddDate(2000, 0, 0)
	tests := []struct {
		tok     Token
		action  Action
		subject string
		want    bool
	}{
		{tok, ActionPush, "Upstream/catalog", true},
		{tok, ActionCheck, "Upstream/catalog", true}, // push allows check
		{tok, ActionRead, "Upstream/catalog", true},
		{tok, ActionAdmin, "Upstream/catalog", false},
		{tok, ActionPush, "Upstream/users", false},
		{tok, ActionCheck, "Upstream/users", true},
		{tok, ActionCheck, "Upstream/orders", false},
		{tok, ActionRead, "Upstream/orders", true}, // read on every subject
		{tok, "deploy", "Upstream/catalog", false},
		{tok, "", "Upstream/catalog", false},
		{admin, ActionAdmin, "*", true},
		{admin, ActionPush, "VirtualService/shop", true},
		{revoked, ActionRead, "Upstream/catalog", false},
		{Token{}, ActionRead, "Upstream/catalog", false},
		{Token{Scopes: []Scope{{"bogus", AnySubject}}}, ActionRead, "Upstream/a", false},
	}
	for _, tt := range tests {
		if got := tt.tok.Allows(tt.action, tt.subject); got != tt.want {
			t.Errorf("%v.Allows(%s, %s) = %v; want %v", tt.tok.Scopes, tt.action, tt.subject, got, tt.want)
		}
	}
}

func TestLoadMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string // error text; "" for none
	}{
		{"in order", fstest.MapFS{
			"migrations/x/0001_init.sql": file("a"), "migrations/x/0002_more.sql": file("b"),
		}, ""},
		{"gap", fstest.MapFS{
			"migrations/x/0001_init.sql": file("a"), "migrations/x/0003_more.sql": file("b"),
		}, "migrations/x/0003_more.sql: migration 3 follows 1; want 0002"},
		{"not from one", fstest.MapFS{"migrations/x/0002_init.sql": file("a")}, "want 0001"},
		{"bad name", fstest.MapFS{"migrations/x/0001-init.sql": file("a")}, "NNNN_what.sql"},
		{"stray file", fstest.MapFS{"migrations/x/0001_init.sql": file("a"), "migrations/x/README": file("")}, "README"},
		{"hidden file", fstest.MapFS{"migrations/x/.keep": file("")}, "NNNN_what.sql"},
		{"empty", fstest.MapFS{"migrations/x": &fstest.MapFile{Mode: fs.ModeDir}}, "no migrations"},
		{"missing", fstest.MapFS{}, "migrations/x"},
	}
	for _, tt := range tests {
		ms, err := loadMigrations(tt.fs, "x")
		if tt.want == "" {
			if err != nil || len(ms) != 2 || ms[1].version != 2 || ms[1].sql != "b" {
				t.Errorf("%s: loadMigrations = %+v, %v; want two in order", tt.name, ms, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v; want one with %q", tt.name, err, tt.want)
		}
	}
}

// TestMigrationsMatch holds the two databases' migrations in step: the
// same numbers and names, so the stores stay one schema in two dialects.
func TestMigrationsMatch(t *testing.T) {
	sqlite, err := loadMigrations(migrationFiles, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	postgres, err := loadMigrations(migrationFiles, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	if len(sqlite) != len(postgres) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL ones", len(sqlite), len(postgres))
	}
	for i := range sqlite {
		if sqlite[i].name != postgres[i].name {
			t.Errorf("migration %d: %s for SQLite, %s for PostgreSQL", i+1, sqlite[i].name, postgres[i].name)
		}
	}
}
