package loadbench

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", p, got, want)
	}
}

func wrkResult(requests, p50, p95, p99 int64, errs WrkErrors) *WrkResult {
	r := &WrkResult{Requests: requests, DurationUS: 8_000_000, Errors: errs}
	r.Latency.P50, r.Latency.P95, r.Latency.P99 = p50, p95, p99
	return r
}

func row(c, target, merge string, baselines bool, size int, w *WrkResult, rss int64, cpu, up, wrk, other float64) Row {
	r := Row{Case: c, Target: target, Merge: merge, Baselines: baselines, ResponseBytes: size, Wrk: w,
		PeakRSSKiB: rss, CPUSeconds: cpu, UpstreamCPUSeconds: up, WrkCPUSeconds: wrk, OtherCPUSeconds: other}
	if w != nil {
		r.RequestsPerSecond = w.RequestsPerSecond()
	}
	return r
}

func sampleReport() *Report {
	rep := &Report{
		Machine: Machine{CPU: "AMD EPYC 7B13", Cores: 2, Go: "go1.26.8", Kernel: "6.1.0-28-cloud-amd64", OS: "linux/amd64"},
		Settings: Settings{
			Duration: Duration(8 * time.Second), Warmup: Duration(2 * time.Second), Connections: 32, Threads: 1,
			Pinning: Pinning{Enabled: true, Load: "0", Target: "1"}, Wrk: "wrk debian/4.1.0-3+b2", Weft: ".bench/bin/weft",
		},
		Rows: []Row{
			row("small", TargetDirect, "", true, 61, wrkResult(220_000, 950, 2_100, 3_400, WrkErrors{}), 0, 0, 5.1, 2.8, 0.02),
			row("small", TargetProxy, "", true, 61, wrkResult(64_000, 3_900, 6_600, 8_000, WrkErrors{}), 16_200, 7.98, 1.9, 1.4, 0.05),
			row("small", TargetWeft, "on", true, 61, wrkResult(40_000, 6_100, 9_800, 12_500, WrkErrors{Read: 1, Status: 2}), 24_100, 8.0, 0.6, 1.0, 0.9),
			row("small", TargetWeft, "off", true, 61, nil, 0, 0, 0, 0, 0),
			row("large", TargetDirect, "", true, 82_332, wrkResult(48_000, 4_800, 9_000, 1_200_000, WrkErrors{}), 0, 0, 6.2, 1.7, 0),
			row("large", TargetProxy, "", true, 82_332, nil, 0, 0, 0, 0, 0),
			row("large", TargetWeft, "on", true, 82_332, wrkResult(9_000, 27_000, 41_000, 900_000, WrkErrors{}), 61_000, 8.0, 0.2, 0.3, 0),
			row("fanout", TargetWeft, "off", false, 966, wrkResult(8_000, 31_000, 45_000, 52_000, WrkErrors{}), 31_000, 8.0, 2.2, 0.2, 0),
		},
	}
	rep.Rows[3].Error = "checking the answer from http://127.0.0.1:1/graphql: the answer has errors: {\"errors\":[]}"
	rep.Rows[5].Error = "proxy exited"
	return rep
}

func TestWriteTable(t *testing.T) {
	rep := sampleReport()
	rep.Compare()
	var b strings.Builder
	if err := rep.WriteHeader(&b); err != nil {
		t.Fatal(err)
	}
	b.WriteString("\n")
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", b.String())
}

func TestCompare(t *testing.T) {
	rep := sampleReport()
	rep.Compare()
	byLabel := map[string]Row{}
	for _, r := range rep.Rows {
		byLabel[r.Case+" "+r.Label()] = r
	}
	on := byLabel["small weft merge=on"]
	if on.VsProxyPercent == nil || *on.VsProxyPercent != 62.5 {
		t.Errorf("small weft merge=on vs proxy = %v, want 62.5", on.VsProxyPercent)
	}
	if on.P99AddedUS == nil || *on.P99AddedUS != 12_500-3_400 {
		t.Errorf("small weft merge=on p99 added = %v, want %d", on.P99AddedUS, 12_500-3_400)
	}
	if r := byLabel["small weft merge=off"]; r.VsProxyPercent != nil || r.P99AddedUS != nil {
		t.Error("a failed row got a comparison")
	}
	large := byLabel["large weft merge=on"]
	if large.VsProxyPercent != nil {
		t.Error("compared with a failed proxy row")
	}
	if large.P99AddedUS == nil || *large.P99AddedUS != -300_000 {
		t.Errorf("large p99 added = %v, want -300000 (faster than direct is possible and shown)", large.P99AddedUS)
	}
	if r := byLabel["fanout weft merge=off"]; r.VsProxyPercent != nil || r.P99AddedUS != nil {
		t.Error("a case without baselines got a comparison")
	}
	if !rep.Failed() {
		t.Error("Failed() is false with failed rows")
	}
	if (&Report{Rows: []Row{byLabel["fanout weft merge=off"]}}).Failed() {
		t.Error("Failed() is true with no failed row")
	}
	if got := byLabel["small proxy"].Label(); got != "proxy" {
		t.Errorf("proxy label %q", got)
	}
}

func TestWriteJSON(t *testing.T) {
	rep := sampleReport()
	rep.Compare()
	p := filepath.Join(t.TempDir(), "r.json")
	if err := rep.WriteJSON(p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"duration": "8s"`, `"target": "weft"`, `"merge": "on"`, `"vsProxyPercent": 62.5`, `"p99": 12500`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	rep.Settings.Pinning.taskset = ""
	if !reflect.DeepEqual(&back, rep) {
		t.Errorf("JSON does not read back as the report:\n%+v\n%+v", back, *rep)
	}
	if err := rep.WriteJSON(filepath.Join(t.TempDir(), "missing", "r.json")); err == nil {
		t.Error("WriteJSON into a missing directory succeeded")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatBytes(61), "61 B"},
		{formatBytes(82_332), "80.4 KiB"},
		{formatBytes(3 << 20), "3.0 MiB"},
		{formatThousands(0), "0"},
		{formatThousands(999), "999"},
		{formatThousands(1000), "1,000"},
		{formatThousands(1234567), "1,234,567"},
		{formatThousands(-1234), "-1,234"},
		{formatMicros(999), "999µs"},
		{formatMicros(1000), "1.00ms"},
		{formatMicros(12_345), "12.35ms"},
		{formatSignedMicros(-1500), "-1.50ms"},
		{formatSignedMicros(20), "+20µs"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
