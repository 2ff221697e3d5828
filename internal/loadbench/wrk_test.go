package loadbench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// wrkOutput is what Debian's wrk 4.1.0 prints for a run, with the script's
// result line at the end.
const wrkOutput = `Running 8s test @ http://127.0.0.1:41235/graphql
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.43ms    1.10ms  31.20ms   91.02%
    Req/Sec    13.24k     0.92k   14.71k    72.50%
  105377 requests in 8.00s, 18.89MB read
Requests/sec:  13171.48
Transfer/sec:      2.36MB
weft-bench-result {"requests":105377,"duration_us":8000412,"bytes":19808112,"errors":{"connect":0,"read":1,"write":2,"timeout":3,"status":4},"latency_us":{"p50":2210,"p95":4102,"p99":6875,"max":31204,"mean":2431.7}}
`

func TestParseWrk(t *testing.T) {
	good := func(r WrkResult) WrkResult { return r }
	want := good(WrkResult{Requests: 105377, DurationUS: 8000412, Bytes: 19808112,
		Errors: WrkErrors{Connect: 0, Read: 1, Write: 2, Timeout: 3, Status: 4}})
	want.Latency.P50, want.Latency.P95, want.Latency.P99, want.Latency.Max, want.Latency.Mean = 2210, 4102, 6875, 31204, 2431.7

	tests := []struct {
		name    string
		out     string
		want    WrkResult
		wantErr string
	}{
		{"wrk output", wrkOutput, want, ""},
		{"CRLF and indentation", strings.ReplaceAll(strings.Replace(wrkOutput, "weft-bench-result", "  weft-bench-result", 1), "\n", "\r\n"), want, ""},
		{"last result line wins", strings.Replace(wrkOutput, "Running", `weft-bench-result {"requests":1,"duration_us":1,"bytes":1,"errors":{"connect":0,"read":0,"write":0,"timeout":0,"status":0},"latency_us":{"p50":1,"p95":1,"p99":1,"max":1,"mean":1}}`+"\nRunning", 1), want, ""},
		{"no result line", "Running 8s test @ http://x\nunable to connect to 127.0.0.1:1 Connection refused\n", WrkResult{}, "no \"weft-bench-result\" line"},
		{"empty", "", WrkResult{}, "no \"weft-bench-result\" line"},
		{"not JSON", "weft-bench-result {requests: 3}\n", WrkResult{}, "invalid character"},
		{"unknown field", strings.Replace(wrkOutput, `"bytes"`, `"bites"`, 1), WrkResult{}, "unknown field"},
		{"trailing data", strings.Replace(wrkOutput, `2431.7}}`, `2431.7}} {}`, 1), WrkResult{}, "trailing data"},
		{"negative", strings.Replace(wrkOutput, `"read":1`, `"read":-1`, 1), WrkResult{}, "negative"},
		{"zero duration", strings.Replace(wrkOutput, `"duration_us":8000412`, `"duration_us":0`, 1), WrkResult{}, "zero duration"},
		{"percentiles out of order", strings.Replace(wrkOutput, `"p95":4102`, `"p95":9999`, 1), WrkResult{}, "out of order"},
		{"fractional count", strings.Replace(wrkOutput, `"requests":105377`, `"requests":1.5`, 1), WrkResult{}, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWrk([]byte(tt.out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWrkResultNumbers(t *testing.T) {
	r, err := ParseWrk([]byte(wrkOutput))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.RequestsPerSecond(), 105377/8.000412; got < want-0.001 || got > want+0.001 {
		t.Errorf("RequestsPerSecond %f, want %f", got, want)
	}
	if got := r.Errors.Total(); got != 10 {
		t.Errorf("Errors.Total %d, want 10", got)
	}
	if got := (WrkResult{}).RequestsPerSecond(); got != 0 {
		t.Errorf("RequestsPerSecond of an empty result %f", got)
	}
}

func TestLuaString(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `""`},
		{`{"query":"{ a }"}`, `"{\"query\":\"{ a }\"}"`},
		{`back\slash`, `"back\\slash"`},
		{"line\nbreak\ttab", `"line\010break\009tab"`},
		{"\x001", `"\0001"`}, // a digit after an escape stays a digit
		{"é", `"\195\169"`},
		{"'single' [[long]]", `"'single' [[long]]"`},
	}
	for _, tt := range tests {
		if got := LuaString(tt.in); got != tt.want {
			t.Errorf("LuaString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestWrkScript(t *testing.T) {
	body := []byte(`{"query":"{ product(upc: \"1\") { upc } }"}`)
	s := WrkScript(body)
	for _, want := range []string{
		`wrk.method = "POST"`,
		"wrk.body = " + LuaString(string(body)) + "\n",
		`wrk.headers["Content-Type"] = "application/json"`,
		"function done(summary, latency, requests)",
		resultPrefix,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
}

// TestWrkScriptRuns runs the generated script in real wrk, when it is
// installed, against a server that checks every request: the script must
// be valid Lua for wrk's interpreter, send the body byte for byte, and
// print a result ParseWrk reads.
func TestWrkScriptRuns(t *testing.T) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed (scripts/bench.sh installs it)")
	}
	body := []byte("{\"query\":\"{ product(upc: \\\"1\\\") { name } }\",\"x\":\"é\\n\\\\\"}")
	var (
		mu       sync.Mutex
		got, bad int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got++
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || !bytes.Equal(b, body) {
			bad++
		}
		mu.Unlock()
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	script := filepath.Join(t.TempDir(), "s.lua")
	if err := os.WriteFile(script, []byte(WrkScript(body)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(context.Background(), wrk, "-t1", "-c2", "-d1s", "-s", script, srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	res, err := ParseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if bad != 0 || got == 0 {
		t.Errorf("server saw %d requests, %d not as the script says", got, bad)
	}
	// wrk counts the answers it read; requests still in flight when it
	// stops reached the server but are not counted.
	if res.Requests == 0 || res.Requests > int64(got) || res.Errors.Total() != 0 {
		t.Errorf("wrk result %+v, server saw %d requests", res, got)
	}
}

func FuzzParseWrk(f *testing.F) {
	f.Add([]byte(wrkOutput))
	f.Add([]byte("weft-bench-result {}"))
	f.Add([]byte("weft-bench-result null\n"))
	f.Fuzz(func(t *testing.T, out []byte) {
		r, err := ParseWrk(out)
		if err != nil {
			return
		}
		if r.DurationUS <= 0 || r.Requests < 0 || r.Errors.Total() < 0 || r.Latency.P50 > r.Latency.P99 {
			t.Errorf("accepted an impossible result %+v", r)
		}
	})
}
