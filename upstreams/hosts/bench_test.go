package hosts_test

import (
	"testing"

	"github.com/weft-gateway/weft/upstreams/hosts"
)

func benchSet(b *testing.B) *hosts.Set {
	s, err := hosts.New([]string{"a:1", "b:1", "c:1", "d:1"}, hosts.Options{Outlier: outlier(5, 50), Clock: newFakeClock()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// BenchmarkPick is the hot path of every call to a multi-host upstream.
func BenchmarkPick(b *testing.B) {
	s := benchSet(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Pick()
	}
}

func BenchmarkPickParallel(b *testing.B) {
	s := benchSet(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = s.Pick()
		}
	})
}

// BenchmarkPickReport is a call's whole cost: pick, then report a success.
func BenchmarkPickReportParallel(b *testing.B) {
	s := benchSet(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Report(s.Pick(), hosts.Success)
		}
	})
}
