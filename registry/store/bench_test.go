package store

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/weft-gateway/weft/internal/pgtest"
)

// benchBackends runs fn against a fresh database of each kind.
func benchBackends(b *testing.B, fn func(b *testing.B, db testDB)) {
	b.Run("sqlite", func(b *testing.B) {
		fn(b, testDB{kind: "sqlite", dsn: filepath.Join(b.TempDir(), "registry.db")})
	})
	b.Run("postgres", func(b *testing.B) {
		srv := pgtest.Start(b)
		fn(b, testDB{kind: "postgres", dsn: srv.NewDatabase(b), srv: srv})
	})
}

// BenchmarkPush pushes a version of ten 4 KiB files: one transaction with
// the version, its files, the activation, the revision and the audit.
func BenchmarkPush(b *testing.B) {
	benchBackends(b, func(b *testing.B, db testDB) {
		s := db.open(b, Options{})
		f := map[string][]byte{}
		for i := range 10 {
			f[fmt.Sprintf("catalog/part%d.graphql", i)] = bytes.Repeat([]byte("x"), 4<<10)
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			f["catalog/version.txt"] = []byte(fmt.Sprint(i))
			if _, err := s.Push(b.Context(), PushRequest{Subject: "Upstream/catalog", Author: "bench", Files: f}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkActive reads the whole config: 50 subjects of 5 files each.
func BenchmarkActive(b *testing.B) {
	benchBackends(b, func(b *testing.B, db testDB) {
		s := db.open(b, Options{})
		for i := range 50 {
			f := map[string][]byte{}
			for j := range 5 {
				f[fmt.Sprintf("s%d/f%d.graphql", i, j)] = bytes.Repeat([]byte("y"), 2<<10)
			}
			push(b, s, PushRequest{Subject: fmt.Sprintf("Upstream/s%d", i), Files: f})
		}
		b.ReportAllocs()
		for b.Loop() {
			st, err := s.Active(b.Context())
			if err != nil || len(st.Versions) != 50 {
				b.Fatal(len(st.Versions), err)
			}
		}
	})
}

// BenchmarkRecordUsage flushes a batch of 200 operations touching 10
// coordinates each, into counts that already exist (the steady state).
func BenchmarkRecordUsage(b *testing.B) {
	benchBackends(b, func(b *testing.B, db testDB) {
		now := time.Now()
		s := db.open(b, Options{Now: func() time.Time { return now }})
		batch := make([]UsageRecord, 200)
		for i := range batch {
			coords := make([]string, 10)
			for j := range coords {
				coords[j] = fmt.Sprintf("Type%d.field%d", (i+j)%40, j)
			}
			batch[i] = UsageRecord{Signature: fmt.Sprintf("sig%03d", i), OperationName: "Op", VirtualService: "shop", Coordinates: coords, Count: 1}
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := s.RecordUsage(b.Context(), batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthenticate checks a token's secret, as every registry API
// call does.
func BenchmarkAuthenticate(b *testing.B) {
	benchBackends(b, func(b *testing.B, db testDB) {
		s := db.open(b, Options{})
		secret, err := s.CreateToken(b.Context(), TokenSpec{Name: "ci", Scopes: []Scope{{ActionPush, AnySubject}}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Authenticate(b.Context(), secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
