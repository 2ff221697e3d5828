package store

import (
	"os"
	"strings"
	"testing"
)

func TestOpenSQLiteErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path, want string
	}{
		{"", "empty"},
		{":memory:", "file's path"},
		{"file:x.db", "file's path"},
		{dir + "/a?b.db", "'?'"},
		{dir + "/missing/dir/x.db", "x.db"},
	}
	for _, tt := range tests {
		_, err := OpenSQLite(ctx(t), tt.path, Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("OpenSQLite(%q) error = %v; want one with %q", tt.path, err, tt.want)
		}
	}
	// A file that is not a database is refused, and left alone.
	junk := dir + "/junk.db"
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSQLite(ctx(t), junk, Options{}); err == nil {
		t.Error("OpenSQLite of a file that is not a database succeeded")
	}
	if b, err := os.ReadFile(junk); err != nil || !strings.HasPrefix(string(b), "not a database") {
		t.Errorf("the file was changed: %q, %v", b[:min(len(b), 40)], err)
	}
}
