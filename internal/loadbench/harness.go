package loadbench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weft-gateway/weft/internal/demo"
	"github.com/weft-gateway/weft/internal/demo/catalog"
	"github.com/weft-gateway/weft/internal/demo/shipping"
	"github.com/weft-gateway/weft/internal/fedbench"
)

// Limits of the harness's own waiting.
const (
	readyTimeout = 30 * time.Second
	checkTimeout = 10 * time.Second
	// wrkTimeout is wrk's per-request timeout: far above any latency a
	// healthy row has, so that a timeout in the table means a stuck request.
	wrkTimeout = "10s"
)

// Options configure Run.
type Options struct {
	// Self is this program, run as `Self upstream` and `Self proxy`.
	Self string
	// Weft is the gateway binary, run as `Weft serve`.
	Weft string
	// Wrk is the load generator.
	Wrk string
	// Duration is each row's measured run, Warmup the run before it whose
	// numbers are thrown away. Both are whole seconds (wrk's resolution);
	// Warmup may be zero.
	Duration, Warmup time.Duration
	// Connections and Threads are wrk's -c and -t.
	Connections, Threads int
	Cases                []Case
	// Merges are the gateway rows of each case, one per setting.
	Merges  []Merge
	Pinning Pinning
	// WorkDir holds the generated configs and wrk scripts.
	WorkDir string
	// Log receives progress lines and row failures as they happen.
	Log io.Writer
}

func (o Options) check() error {
	var errs []error
	if d := o.Duration; d < time.Second || d%time.Second != 0 {
		errs = append(errs, fmt.Errorf("duration %s: want whole seconds (wrk's resolution), at least 1s", d))
	}
	if d := o.Warmup; d < 0 || d%time.Second != 0 {
		errs = append(errs, fmt.Errorf("warm-up %s: want whole seconds (wrk's resolution), or 0", d))
	}
	if o.Connections < 1 || o.Threads < 1 || o.Threads > o.Connections {
		errs = append(errs, fmt.Errorf("%d connections, %d threads: want 1 <= threads <= connections", o.Connections, o.Threads))
	}
	if len(o.Cases) == 0 {
		errs = append(errs, errors.New("no cases"))
	}
	if len(o.Merges) == 0 {
		errs = append(errs, errors.New("no merge settings"))
	}
	for _, c := range o.Cases {
		if c.Products < 0 || c.Products > demo.MaxProducts {
			errs = append(errs, fmt.Errorf("case %s: %d products out of range [0, %d]", c.Name, c.Products, demo.MaxProducts))
		}
		if c.Supergraph && c.Baselines {
			errs = append(errs, fmt.Errorf("case %s: a supergraph case has no baselines: no single upstream answers its query", c.Name))
		}
	}
	return errors.Join(errs...)
}

// NewReport is the report of a run with opts before any row: the machine,
// the settings and the tools.
func NewReport(ctx context.Context, opts Options) *Report {
	return &Report{
		Machine: DetectMachine(),
		Settings: Settings{
			Duration: Duration(opts.Duration), Warmup: Duration(opts.Warmup),
			Connections: opts.Connections, Threads: opts.Threads, Pinning: opts.Pinning,
			Wrk: WrkVersion(ctx, opts.Wrk), Weft: opts.Weft,
		},
	}
}

// Run measures every case. It returns the report of the rows run so far
// also when it stops early (ctx done), with ctx's error. A row that fails
// is recorded with its error, reported to Log at once, and the run goes on.
func Run(ctx context.Context, opts Options) (*Report, error) {
	rep := NewReport(ctx, opts)
	defer rep.Compare()
	if err := opts.check(); err != nil {
		return rep, err
	}
	b := &bench{opts: opts, rep: rep, ticks: ClockTicks(ctx), client: &http.Client{Timeout: checkTimeout}}
	defer b.client.CloseIdleConnections()
	for _, c := range opts.Cases {
		if err := b.runCase(ctx, c); err != nil {
			return rep, err
		}
	}
	return rep, ctx.Err()
}

type bench struct {
	opts   Options
	rep    *Report
	ticks  int64 // clock ticks per second of /proc times
	client *http.Client
}

func (b *bench) logf(format string, args ...any) {
	if b.opts.Log != nil {
		fmt.Fprintf(b.opts.Log, format+"\n", args...)
	}
}

// runCase measures one case's rows on one upstream process. It returns an
// error only when the run must stop (ctx done).
func (b *bench) runCase(ctx context.Context, c Case) error {
	rows := b.plannedRows(c)
	fail := func(err error) error {
		b.logf("[%s] FAILED every row: %s", c.Name, err)
		for _, r := range rows {
			r.Error = err.Error()
			b.add(r.Row)
		}
		return ctx.Err()
	}
	body, err := json.Marshal(map[string]string{"query": c.Query})
	if err != nil {
		return fail(fmt.Errorf("encoding the query: %w", err))
	}
	script := filepath.Join(b.opts.WorkDir, c.Name+".lua")
	if err := os.WriteFile(script, []byte(WrkScript(body)), 0o644); err != nil {
		return fail(fmt.Errorf("writing the wrk script: %w", err))
	}
	if c.Supergraph {
		b.logf("[%s] starting the upstreams (%d products) and the federation subgraphs", c.Name, catalog.SeedProducts+c.Products)
	} else {
		b.logf("[%s] starting the upstreams (%d products)", c.Name, catalog.SeedProducts+c.Products)
	}
	up, ep, err := b.startUpstreams(ctx, c)
	if err != nil {
		return fail(err)
	}
	defer up.stop()
	in := rowInput{c: c, body: body, script: script, upstream: up, ep: ep}

	for _, r := range rows {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var err error
		switch r.Target {
		case TargetDirect:
			err = b.measure(ctx, in, r.Row, ep.CatalogURL, nil)
		case TargetProxy:
			err = b.measureProxy(ctx, in, r.Row, ep)
		case TargetWeft:
			err = b.measureWeft(ctx, in, r.Row, ep, r.merge)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Error = err.Error()
			b.logf("[%s] FAILED %s: %s", c.Name, r.Label(), r.Error)
		}
		b.add(r.Row)
	}
	return ctx.Err()
}

func (b *bench) add(r *Row) { b.rep.Rows = append(b.rep.Rows, *r) }

// plannedRow is a row to measure; merge is the gateway's setting.
type plannedRow struct {
	*Row
	merge Merge
}

// plannedRows are a case's rows: the baselines when they apply, then one
// gateway row per merge setting.
func (b *bench) plannedRows(c Case) []plannedRow {
	var rows []plannedRow
	if c.Baselines {
		rows = append(rows,
			plannedRow{Row: &Row{Case: c.Name, Target: TargetDirect, Baselines: true}},
			plannedRow{Row: &Row{Case: c.Name, Target: TargetProxy, Baselines: true}})
	}
	for _, m := range b.opts.Merges {
		rows = append(rows, plannedRow{Row: &Row{Case: c.Name, Target: TargetWeft, Merge: m.String(), Baselines: c.Baselines}, merge: m})
	}
	return rows
}

// rowInput is what every row of a case shares.
type rowInput struct {
	c        Case
	body     []byte
	script   string
	upstream *process
	ep       Endpoints
}

// startUpstreams runs `Self upstream` on four free loopback ports, and
// four more for the federation subgraphs of a supergraph case, pinned with
// the load.
func (b *bench) startUpstreams(ctx context.Context, c Case) (*process, Endpoints, error) {
	catAddr, err := freeAddr()
	if err != nil {
		return nil, Endpoints{}, err
	}
	revAddr, err := freeAddr()
	if err != nil {
		return nil, Endpoints{}, err
	}
	invAddr, err := freeAddr()
	if err != nil {
		return nil, Endpoints{}, err
	}
	shipAddr, err := freeAddr()
	if err != nil {
		return nil, Endpoints{}, err
	}
	argv := []string{
		b.opts.Self, "upstream", "--products", strconv.Itoa(c.Products),
		"--catalog-listen", catAddr, "--reviews-listen", revAddr, "--inventory-listen", invAddr, "--shipping-listen", shipAddr,
	}
	addrs := []string{catAddr, revAddr, invAddr, shipAddr}
	var subgraphs map[string]string
	if c.Supergraph {
		subgraphs = map[string]string{}
		for _, name := range fedbench.SubgraphNames() {
			addr, err := freeAddr()
			if err != nil {
				return nil, Endpoints{}, err
			}
			argv = append(argv, SubgraphListenFlag(name), addr)
			addrs = append(addrs, addr)
			subgraphs[name] = "http://" + addr + fedbench.GraphQLPath
		}
	}
	p, err := startProcess("upstream", b.opts.Pinning.wrap(b.opts.Pinning.Load, argv))
	if err != nil {
		return nil, Endpoints{}, err
	}
	for _, addr := range addrs {
		if err := waitListening(ctx, p, addr); err != nil {
			p.stop()
			return nil, Endpoints{}, err
		}
	}
	return p, Endpoints{CatalogURL: "http://" + catAddr + "/graphql", ReviewsURL: "http://" + revAddr, InventoryTarget: invAddr,
		ShippingURL: "http://" + shipAddr + shipping.Path, Subgraphs: subgraphs}, nil
}

// measureProxy runs a fresh reverse proxy to the catalog and measures it.
func (b *bench) measureProxy(ctx context.Context, in rowInput, r *Row, ep Endpoints) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	target := strings.TrimSuffix(ep.CatalogURL, "/graphql")
	p, err := startProcess("proxy", b.opts.Pinning.wrap(b.opts.Pinning.Target, []string{
		b.opts.Self, "proxy", "--target", target, "--listen", addr,
	}))
	if err != nil {
		return err
	}
	defer p.stop()
	if err := waitListening(ctx, p, addr); err != nil {
		return err
	}
	return b.measure(ctx, in, r, "http://"+addr+"/graphql", p)
}

// measureWeft writes the case's config for the row's merge setting, runs a
// fresh gateway on it and measures it.
func (b *bench) measureWeft(ctx context.Context, in rowInput, r *Row, ep Endpoints, m Merge) error {
	dir := filepath.Join(b.opts.WorkDir, in.c.Name+"-merge-"+m.String())
	if err := WriteConfig(dir, in.c, ep, m); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	p, err := startProcess("weft", b.opts.Pinning.wrap(b.opts.Pinning.Target, []string{
		b.opts.Weft, "serve", "--config", dir, "--listen", addr, "--log-level", "warn",
	}))
	if err != nil {
		return err
	}
	defer p.stop()
	if err := waitReady(ctx, b.client, p, "http://"+addr+"/readyz"); err != nil {
		return err
	}
	return b.measure(ctx, in, r, "http://"+addr+"/graphql", p)
}

// measure checks one answer from url, warms up, then runs wrk and reads the
// CPU and memory of the process under test (nil for direct rows) and of
// the upstream.
func (b *bench) measure(ctx context.Context, in rowInput, r *Row, url string, target *process) error {
	size, err := b.checkAnswer(ctx, url, in.body, in.c.Answer)
	if err != nil {
		return err
	}
	r.ResponseBytes = size
	b.logf("[%s] %s: answer OK (%d bytes); warm-up %s, then %s measured", in.c.Name, r.Label(), size, b.opts.Warmup, b.opts.Duration)
	if b.opts.Warmup > 0 {
		if _, _, err := b.runWrk(ctx, in.c, in.script, url, b.opts.Warmup); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	// The subgraphs' counters bracket the measured run: what wrk's
	// requests made the gateway call.
	var callsBefore int64
	if in.c.Supergraph {
		if callsBefore, err = b.subgraphRequests(ctx, in.ep); err != nil {
			return err
		}
	}
	before, err := b.sampleCPU(in.upstream, target)
	if err != nil {
		return err
	}
	res, wrkCPU, err := b.runWrk(ctx, in.c, in.script, url, b.opts.Duration)
	if err != nil {
		return err
	}
	after, err := b.sampleCPU(in.upstream, target)
	if err != nil {
		return err
	}
	if in.c.Supergraph {
		callsAfter, err := b.subgraphRequests(ctx, in.ep)
		if err != nil {
			return err
		}
		r.SetSubgraphCalls(callsAfter-callsBefore, res.Requests)
	}
	r.Wrk = &res
	r.RequestsPerSecond = res.RequestsPerSecond()
	r.CPUSeconds = b.seconds(after.target - before.target)
	r.UpstreamCPUSeconds = b.seconds(after.upstream - before.upstream)
	r.WrkCPUSeconds = wrkCPU.Seconds()
	// What the machine did besides this run: other programs, which make the
	// row's numbers less trustworthy.
	ours := after.target - before.target + after.upstream - before.upstream + after.self - before.self
	r.OtherCPUSeconds = max(0, b.seconds(after.system-before.system-ours)-r.WrkCPUSeconds)
	if target != nil {
		if r.PeakRSSKiB, err = procPeakRSS(target.pid()); err != nil {
			return err
		}
	}
	b.logf("[%s] %s: %.0f req/s, p99 %s, %d errors", in.c.Name, r.Label(), r.RequestsPerSecond, formatMicros(res.Latency.P99), res.Errors.Total())
	if target != nil && target.exited() {
		return target.failure()
	}
	return nil
}

// cpuSample is the CPU time, in clock ticks, of the processes in a row and
// of the whole machine at one moment.
type cpuSample struct {
	target, upstream, self, system int64
}

func (b *bench) sampleCPU(upstream, target *process) (cpuSample, error) {
	var s cpuSample
	var err error
	if s.system, err = systemBusy(); err != nil {
		return s, err
	}
	if s.self, err = procCPU(os.Getpid()); err != nil {
		return s, err
	}
	if s.upstream, err = procCPU(upstream.pid()); err != nil {
		return s, err
	}
	if target != nil {
		if s.target, err = procCPU(target.pid()); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (b *bench) seconds(ticks int64) float64 { return float64(ticks) / float64(b.ticks) }

// checkAnswer sends the row's request once and insists on a 200 without
// GraphQL errors, and on want when it is set: a benchmark of error (or
// wrong) answers measures nothing.
func (b *bench) checkAnswer(ctx context.Context, url string, body, want []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("checking the answer: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("checking the answer: %w", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("checking the answer: %w", err)
	}
	if err := CheckAnswer(resp.StatusCode, out); err != nil {
		return 0, fmt.Errorf("checking the answer from %s: %w", url, err)
	}
	if want != nil {
		if err := SameAnswer(out, want); err != nil {
			return 0, fmt.Errorf("checking the answer from %s: %w", url, err)
		}
	}
	return len(out), nil
}

// CheckAnswer accepts an HTTP 200 GraphQL answer with data and no errors.
func CheckAnswer(status int, body []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", status, clip(body, 500))
	}
	if bytes.Contains(body, []byte(`"errors"`)) {
		return fmt.Errorf("the answer has errors: %s", clip(body, 500))
	}
	if !bytes.HasPrefix(bytes.TrimSpace(body), []byte(`{"data":`)) {
		return fmt.Errorf("not a GraphQL answer with data: %s", clip(body, 500))
	}
	return nil
}

// runWrk runs wrk against url for d with the case's script, and returns
// its result and the CPU time wrk itself used.
func (b *bench) runWrk(ctx context.Context, c Case, script, url string, d time.Duration) (WrkResult, time.Duration, error) {
	conns, threads := b.opts.Connections, b.opts.Threads
	if c.Connections > 0 {
		conns, threads = c.Connections, min(threads, c.Connections)
	}
	p, err := startProcess("wrk", b.opts.Pinning.wrap(b.opts.Pinning.Load, []string{
		b.opts.Wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(int(d/time.Second)) + "s", "--timeout", wrkTimeout, "-s", script, url,
	}))
	if err != nil {
		return WrkResult{}, 0, err
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop()
		return WrkResult{}, 0, ctx.Err()
	}
	if p.err != nil {
		return WrkResult{}, 0, p.failure()
	}
	// taskset execs wrk, so the reaped process is wrk itself.
	cpu := p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
	res, err := ParseWrk([]byte(p.output()))
	if err != nil {
		return WrkResult{}, 0, err
	}
	if res.Requests == 0 {
		return res, 0, fmt.Errorf("wrk completed no request:\n%s", indentLines(strings.TrimSpace(p.output()), "    "))
	}
	return res, cpu, nil
}

// WrkVersion is the first line of `wrk -v` ("wrk 4.1.0 [epoll] ..."), or
// "" if wrk does not answer.
func WrkVersion(ctx context.Context, wrk string) string {
	// wrk -v prints its version and exits 1.
	out, _ := exec.CommandContext(ctx, wrk, "-v").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 2 && f[0] == "wrk" {
		return f[0] + " " + f[1]
	}
	return ""
}

// freeAddr finds a free loopback port for a child to listen on. The port is
// free when the child binds it unless another program takes it in between,
// which the readiness wait then reports.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	return addr, nil
}

// waitListening waits until addr accepts connections or p exits.
func waitListening(ctx context.Context, p *process, addr string) error {
	return poll(ctx, p, addr, func(ctx context.Context) bool {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return false
		}
		_ = c.Close()
		return true
	})
}

// waitReady waits until url answers 200 or p exits.
func waitReady(ctx context.Context, client *http.Client, p *process, url string) error {
	return poll(ctx, p, url, func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func poll(ctx context.Context, p *process, what string, ready func(context.Context) bool) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if p.exited() {
			return p.failure()
		}
		if ready(ctx) {
			return nil
		}
		select {
		case <-ctx.Done():
			if p.exited() {
				return p.failure()
			}
			return fmt.Errorf("%s not ready at %s after %s: %w; its output:\n%s", p.name, what, readyTimeout, ctx.Err(), indentLines(p.output(), "    "))
		case <-p.done:
		case <-tick.C:
		}
	}
}
