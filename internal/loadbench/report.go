package loadbench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The targets a row measures.
const (
	TargetDirect = "direct" // wrk calls the upstream itself
	TargetProxy  = "proxy"  // through httputil.ReverseProxy
	TargetWeft   = "weft"   // through the gateway
)

// Row is one measured (case, target) pair.
type Row struct {
	Case   string `json:"case"`
	Target string `json:"target"`
	// Merge is the gateway's in-flight merging setting; empty for baselines.
	Merge string `json:"merge,omitempty"`
	// Baselines says whether the case has direct and proxy rows.
	Baselines bool `json:"baselines"`
	// ResponseBytes is the size of the body of the checked answer.
	ResponseBytes int `json:"responseBytes"`
	// Wrk is the measured run; nil when the row failed before it.
	Wrk               *WrkResult `json:"wrk,omitempty"`
	RequestsPerSecond float64    `json:"requestsPerSecond"`
	// PeakRSSKiB and CPUSeconds are the process under test's (the proxy or
	// the gateway; zero for direct rows): its peak resident memory over its
	// life, and its CPU time during the measured run.
	PeakRSSKiB int64   `json:"peakRssKiB,omitempty"`
	CPUSeconds float64 `json:"cpuSeconds,omitempty"`
	// UpstreamCPUSeconds is the upstream process's CPU time during the
	// measured run.
	UpstreamCPUSeconds float64 `json:"upstreamCpuSeconds"`
	// WrkCPUSeconds is wrk's CPU time during the measured run. With the
	// upstream's, it shows whether the load side had CPU to spare.
	WrkCPUSeconds float64 `json:"wrkCpuSeconds"`
	// OtherCPUSeconds is the CPU time every other program on the machine
	// used during the measured run: a busy machine makes a row unreliable.
	OtherCPUSeconds float64 `json:"otherCpuSeconds"`
	// VsProxyPercent is, for gateway rows of cases with baselines, the
	// gateway's throughput as a percentage of the proxy's.
	VsProxyPercent *float64 `json:"vsProxyPercent,omitempty"`
	// P99AddedUS is, for gateway rows of cases with baselines, the gateway's
	// p99 latency minus the direct row's, in microseconds.
	P99AddedUS *int64 `json:"p99AddedUs,omitempty"`
	// SubgraphCalls is, for rows of supergraph cases, the number of
	// requests the federation subgraphs received during the measured run;
	// SubgraphCallsPerRequest divides it by wrk's requests (nil when wrk
	// completed none, or the case has no subgraphs).
	SubgraphCalls           int64    `json:"subgraphCalls,omitempty"`
	SubgraphCallsPerRequest *float64 `json:"subgraphCallsPerRequest,omitempty"`
	// Error says why the row failed; its numbers are then meaningless.
	Error string `json:"error,omitempty"`
}

// SetSubgraphCalls records calls subgraph requests over requests gateway
// requests.
func (r *Row) SetSubgraphCalls(calls, requests int64) {
	r.SubgraphCalls, r.SubgraphCallsPerRequest = calls, nil
	if requests > 0 {
		v := float64(calls) / float64(requests)
		r.SubgraphCallsPerRequest = &v
	}
}

// Label names the row's target in the table.
func (r Row) Label() string {
	if r.Target == TargetWeft && r.Merge != "" {
		return r.Target + " merge=" + r.Merge
	}
	return r.Target
}

// Settings are the load parameters of a run.
type Settings struct {
	Duration    Duration `json:"duration"`
	Warmup      Duration `json:"warmup"`
	Connections int      `json:"connections"`
	Threads     int      `json:"threads"`
	Pinning     Pinning  `json:"pinning"`
	// Wrk is wrk's version; Weft the gateway binary's path.
	Wrk  string `json:"wrk"`
	Weft string `json:"weft"`
}

// Duration marshals as text ("8s") in JSON.
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a duration such as "8s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// Report is a whole run.
type Report struct {
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	Rows     []Row    `json:"rows"`
}

// Failed reports whether any row failed.
func (r *Report) Failed() bool {
	for _, row := range r.Rows {
		if row.Error != "" {
			return true
		}
	}
	return false
}

// Compare fills each gateway row's comparison with the baselines of its
// case. Rows whose baseline failed or is missing get none.
func (r *Report) Compare() {
	for i := range r.Rows {
		row := &r.Rows[i]
		row.VsProxyPercent, row.P99AddedUS = nil, nil
		if row.Target != TargetWeft || !row.Baselines || row.Error != "" || row.Wrk == nil {
			continue
		}
		if p := r.find(row.Case, TargetProxy); p != nil && p.RequestsPerSecond > 0 {
			v := 100 * row.RequestsPerSecond / p.RequestsPerSecond
			row.VsProxyPercent = &v
		}
		if d := r.find(row.Case, TargetDirect); d != nil {
			v := row.Wrk.Latency.P99 - d.Wrk.Latency.P99
			row.P99AddedUS = &v
		}
	}
}

// find returns the successful row of a case and target.
func (r *Report) find(c, target string) *Row {
	for i := range r.Rows {
		if row := &r.Rows[i]; row.Case == c && row.Target == target && row.Error == "" && row.Wrk != nil {
			return row
		}
	}
	return nil
}

// WriteJSON saves the report to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving the report: %w", err)
	}
	return nil
}

// WriteHeader prints the machine and the load settings.
func (r *Report) WriteHeader(w io.Writer) error {
	m, s := r.Machine, r.Settings
	_, err := fmt.Fprintf(w, `Weft load benchmark
machine:  %s, %d cores, %s, kernel %s (%s)
load:     wrk, %d thread(s), %d connections, %s warm-up + %s measured per row
pinning:  %s
tools:    %s, weft at %s
upstream: demo catalog (GraphQL) and reviews (REST), memoized: each answer is computed once,
          then replayed, so the rows measure what sits between wrk and the upstream
`, m.CPU, m.Cores, m.Go, m.Kernel, m.OS,
		s.Threads, s.Connections, time.Duration(s.Warmup), time.Duration(s.Duration), s.Pinning,
		cmp.Or(s.Wrk, "wrk (version unknown)"), s.Weft)
	return err
}

// tableHeader are the table's columns; the first two are left-aligned.
func tableHeader() []string {
	return []string{"case", "target", "size", "req/s", "p50", "p95", "p99", "errors", "RSS MiB", "CPU s", "load CPU s", "other CPU s", "vs proxy", "p99 +direct"}
}

// noisyShare is the share of one CPU that other programs may use during a
// row before the table flags the row.
const noisyShare = 0.1

// WriteTable prints the rows as an aligned text table, then what the
// columns mean.
func (r *Report) WriteTable(w io.Writer) error {
	header := tableHeader()
	rows := [][]string{header}
	var failures []string
	for _, row := range r.Rows {
		rows = append(rows, tableRow(row))
		if row.Error != "" {
			failures = append(failures, fmt.Sprintf("FAILED %s %s: %s", row.Case, row.Label(), row.Error))
		}
	}
	widths := make([]int, len(header))
	for _, cells := range rows {
		for i, c := range cells {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, cells := range rows {
		var line strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i < 2 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	d := time.Duration(r.Settings.Duration)
	fmt.Fprintf(&b, `
size: body of one answer. errors: wrk's socket errors plus answers with status >= 400.
RSS MiB: peak resident memory of the process under test (proxy or weft), fresh per row.
CPU s: its CPU time during the %[1]s measured. load CPU s: wrk's and the upstream's (pinned
together: near %[1]s means the load side, not the process under test, set the pace).
other CPU s: every other program's; rows where it is high were measured on a busy machine.
vs proxy: weft's req/s as a share of the proxy's. p99 +direct: weft's p99 minus the direct row's.
n/a: the case makes weft do more than forward one call, so there is no baseline.
`, d)
	for _, row := range r.Rows {
		if row.SubgraphCallsPerRequest != nil {
			b.WriteString("CALLS: requests the federation subgraphs received (memo hits included) during the\nmeasured run, per request wrk completed.\n")
			break
		}
	}
	for _, row := range r.Rows {
		if row.Error == "" && row.Wrk != nil && row.Wrk.Errors.Total() > 0 {
			e := row.Wrk.Errors
			fmt.Fprintf(&b, "ERRORS %s %s: connect %d, read %d, write %d, timeout %d, status %d; its req/s counts failed requests\n",
				row.Case, row.Label(), e.Connect, e.Read, e.Write, e.Timeout, e.Status)
		}
		if row.Error == "" && row.Wrk != nil && row.SubgraphCallsPerRequest != nil {
			fmt.Fprintf(&b, "CALLS %s %s: %.2f subgraph calls per request (%s calls, %s requests)\n",
				row.Case, row.Label(), *row.SubgraphCallsPerRequest, formatThousands(row.SubgraphCalls), formatThousands(row.Wrk.Requests))
		}
		if row.Error == "" && row.OtherCPUSeconds > noisyShare*d.Seconds() {
			fmt.Fprintf(&b, "NOISY %s %s: other programs used %.2f CPU s while it was measured\n", row.Case, row.Label(), row.OtherCPUSeconds)
		}
	}
	for _, f := range failures {
		b.WriteString(f + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func tableRow(r Row) []string {
	cells := []string{r.Case, r.Label()}
	if r.Error != "" || r.Wrk == nil {
		cells = append(cells, "FAILED")
		for len(cells) < len(tableHeader()) {
			cells = append(cells, "")
		}
		return cells
	}
	l := r.Wrk.Latency
	cells = append(cells,
		formatBytes(r.ResponseBytes),
		formatThousands(int64(r.RequestsPerSecond+0.5)),
		formatMicros(l.P50), formatMicros(l.P95), formatMicros(l.P99),
		strconv.FormatInt(r.Wrk.Errors.Total(), 10),
	)
	if r.Target == TargetDirect {
		cells = append(cells, "-", "-")
	} else {
		cells = append(cells, fmt.Sprintf("%.1f", float64(r.PeakRSSKiB)/1024), fmt.Sprintf("%.2f", r.CPUSeconds))
	}
	cells = append(cells, fmt.Sprintf("%.2f", r.UpstreamCPUSeconds+r.WrkCPUSeconds), fmt.Sprintf("%.2f", r.OtherCPUSeconds))
	switch {
	case r.Target != TargetWeft:
		cells = append(cells, "", "")
	case !r.Baselines:
		cells = append(cells, "n/a", "n/a")
	default:
		vs, added := "-", "-"
		if r.VsProxyPercent != nil {
			vs = fmt.Sprintf("%.0f%%", *r.VsProxyPercent)
		}
		if r.P99AddedUS != nil {
			added = formatSignedMicros(*r.P99AddedUS)
		}
		cells = append(cells, vs, added)
	}
	return cells
}

func formatBytes(n int) string {
	switch {
	case n < 1024:
		return strconv.Itoa(n) + " B"
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1024*1024))
	}
}

func formatThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatMicros writes a latency: microseconds below one millisecond,
// milliseconds with two decimals above.
func formatMicros(us int64) string {
	if us < 1000 {
		return strconv.FormatInt(us, 10) + "µs"
	}
	return fmt.Sprintf("%.2fms", float64(us)/1000)
}

func formatSignedMicros(us int64) string {
	if us < 0 {
		return "-" + formatMicros(-us)
	}
	return "+" + formatMicros(us)
}
