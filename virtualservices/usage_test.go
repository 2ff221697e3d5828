package virtualservices_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/virtualservices"
)

// usageSink keeps the records a recorder flushes, or refuses them while
// fail is set.
type usageSink struct {
	mu      sync.Mutex
	records []virtualservices.UsageRecord
	fail    bool
}

func (s *usageSink) RecordUsage(_ context.Context, rs []virtualservices.UsageRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("store unavailable")
	}
	s.records = append(s.records, rs...)
	return nil
}

func (s *usageSink) take() []virtualservices.UsageRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.records
	s.records = nil
	sort.Slice(out, func(i, j int) bool {
		if out[i].VirtualService != out[j].VirtualService {
			return out[i].VirtualService < out[j].VirtualService
		}
		return out[i].OperationName < out[j].OperationName
	})
	return out
}

// TestUsageRecording: the demo gateway counts each operation per virtual
// service, one record per operation whatever the layout of its text, with
// the coordinates it touched, and a flush the sink refuses loses nothing.
func TestUsageRecording(t *testing.T) {
	g := startDemo(t)
	sink := &usageSink{}
	rec := virtualservices.NewUsageRecorder(sink, time.Hour, zerolog.Nop())
	g.server.RecordUsage(rec)

	g.query("", `query Product { product(upc: "1") { name price } }`, nil).noErrors(t)
	g.query("", "query Product {\n  product(upc: \"1\") {\n    name\n    price\n  }\n}", nil).noErrors(t)
	g.query("", `query Top($n: Int) { topProducts(first: $n) { upc } }`, map[string]any{"n": 2}).noErrors(t)
	g.query("mobile.localhost", `query Product { product(upc: "2") { name rating { count } } }`, nil).noErrors(t)
	// A query that fails validation ran no plan: nothing to count.
	if r := g.query("", `{ nope }`, nil); len(r.Errors) == 0 {
		t.Fatal("an invalid query was answered")
	}

	sink.fail = true
	if err := rec.Flush(context.Background()); err == nil || !strings.Contains(err.Error(), "store unavailable") {
		t.Fatalf("a refused flush returned %v", err)
	}
	sink.fail = false
	g.query("", `query Product { product(upc: "3") { name price } }`, nil).noErrors(t)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := sink.take()
	type row struct {
		vs, op string
		n      int64
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.VirtualService, r.OperationName, r.Count})
		if len(r.Signature) != 32 || !r.End.After(r.Start) {
			t.Errorf("record %+v: bad signature or window", r)
		}
	}
	want := []row{{"mobile", "Product", 1}, {"shop", "Product", 3}, {"shop", "Top", 1}}
	if !slices.Equal(rows, want) {
		t.Fatalf("records %+v, want %+v", rows, want)
	}
	if !slices.Contains(got[1].Coordinates, "Query.product(upc:)") || !slices.Contains(got[1].Coordinates, "Product.price") {
		t.Errorf("shop Product touched %v", got[1].Coordinates)
	}
	if !slices.Contains(got[0].Coordinates, "Product.rating") {
		t.Errorf("mobile Product touched %v", got[0].Coordinates)
	}
	if got[1].Signature == got[0].Signature && !slices.Equal(got[1].Coordinates, got[0].Coordinates) {
		t.Errorf("two operations share signature %s", got[0].Signature)
	}

	// Nothing ran since: an empty flush sends nothing.
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rs := sink.take(); len(rs) != 0 {
		t.Fatalf("an idle flush sent %+v", rs)
	}
}

// TestUsageRecorderFlushesOnShutdown: Run flushes what was counted when
// its context ends.
func TestUsageRecorderFlushesOnShutdown(t *testing.T) {
	g := startDemo(t)
	sink := &usageSink{}
	rec := virtualservices.NewUsageRecorder(sink, time.Hour, zerolog.Nop())
	g.server.RecordUsage(rec)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rec.Run(ctx); close(done) }()
	g.query("", `{ products { upc } }`, nil).noErrors(t)
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if rs := sink.take(); len(rs) != 1 || rs[0].Count != 1 {
		t.Fatalf("shutdown flushed %+v", rs)
	}
}
