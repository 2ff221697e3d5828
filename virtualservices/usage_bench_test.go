package virtualservices

import (
	"context"
	"testing"

	"github.com/rs/zerolog"

	"github.com/weft-gateway/weft/planner"
)

type discardUsage struct{}

func (discardUsage) RecordUsage(context.Context, []UsageRecord) error { return nil }

// BenchmarkUsageCount is what recording usage adds to a request whose
// operation was counted before: a lookup and an atomic add.
func BenchmarkUsageCount(b *testing.B) {
	u := NewUsageRecorder(discardUsage{}, 0, zerolog.Nop())
	p := &planner.Plan{Signature: "0123456789abcdef0123456789abcdef", Name: "Q"}
	u.count("shop", p)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			u.count("shop", p)
		}
	})
}
