package registry_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-gateway/weft/internal/registrytest"
	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// TestRefusalCap floods the Service with anonymous refusals, of calls and
// of requests the API refused: the audit log gets the cap's worth and one
// entry counting the rest, while refusals of a token that authenticates
// are all written.
func TestRefusalCap(t *testing.T) {
	for _, tt := range []struct {
		name    string
		limit   registry.RefusalLimit
		flood   int
		written int // anonymous refusals in the log
		dropped int // counted by the summary
	}{
		// A rate this low refills nothing during the test: what is
		// written is the burst, and Close writes the count.
		{"over the burst", registry.RefusalLimit{Rate: 0.001, Burst: 3}, 12, 3, 9},
		{"within the default burst", registry.RefusalLimit{}, 12, 12, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.OpenSQLite(ctx(t), filepath.Join(t.TempDir(), "registry.db"), store.Options{Log: testLog(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			f := newFixture(t, st)
			svc := registry.NewService(st, registrytest.Builder{}, registry.ServiceOptions{Log: testLog(t), Refusals: tt.limit})
			for i := range tt.flood {
				if i%2 == 0 {
					svc.AuditRequestRefusal(ctx(t), "", "malformed JSON body: unexpected EOF")
				} else if _, err := svc.Revision(ctx(t), ""); code(err) != registry.CodeUnauthenticated {
					t.Fatalf("Revision with no token: %v", err)
				}
			}
			// Refusals of tokens that authenticate are not capped.
			if _, err := svc.History(ctx(t), f.reader, "VirtualService/api", 0); code(err) != registry.CodeForbidden {
				t.Fatalf("History out of scope: %v", err)
			}
			svc.AuditRequestRefusal(ctx(t), f.reader, "query does not validate: x")
			svc.Close()
			svc.Close() // a second Close writes nothing more

			no := false
			log, err := st.AuditLog(ctx(t), store.AuditFilter{Allowed: &no})
			if err != nil {
				t.Fatal(err)
			}
			var written, summaries, dropped int
			var byReader []string
			for _, e := range log {
				switch {
				case e.Action == registry.AuditRefusalsDropped:
					summaries++
					var n int
					if _, err := fmt.Sscanf(e.Reason, "%d refusal(s) of anonymous requests", &n); err != nil || e.Actor != registry.Anonymous {
						t.Errorf("summary %+v: %v", e, err)
					}
					dropped += n
				case e.Actor == registry.Anonymous:
					written++
				case e.Actor == "dashboard":
					byReader = append(byReader, e.Action)
				}
			}
			wantSummaries := 0
			if tt.dropped > 0 {
				wantSummaries = 1
			}
			if written != tt.written || dropped != tt.dropped || summaries != wantSummaries {
				t.Errorf("written %d, dropped %d in %d summaries; want %d, %d in %d", written, dropped, summaries, tt.written, tt.dropped, wantSummaries)
			}
			if strings.Join(byReader, ",") != registry.AuditRequest+","+registry.AuditRead {
				t.Errorf("the reader's refusals audited: %v; want the request, then the read", byReader)
			}
		})
	}
}
