package hosts_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/weft-gateway/weft/upstreams/hosts"
)

// Every test closes the sets it opens: no probe or timer outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var addrs3 = []string{"a:1", "b:1", "c:1"}

// probes answers each host's probe from a switch the test flips.
type probes struct {
	down  sync.Map // addr -> bool
	count sync.Map // addr -> *atomic.Int64
}

func (p *probes) probe(_ context.Context, h *hosts.Host) error {
	c, _ := p.count.LoadOrStore(h.Addr(), new(atomic.Int64))
	c.(*atomic.Int64).Add(1)
	if d, _ := p.down.Load(h.Addr()); d == true {
		return errors.New("503 from " + h.Addr())
	}
	return nil
}

func (p *probes) set(addr string, down bool) { p.down.Store(addr, down) }

func (p *probes) n(addr string) int64 {
	c, ok := p.count.Load(addr)
	if !ok {
		return 0
	}
	return c.(*atomic.Int64).Load()
}

func newSet(t *testing.T, addrs []string, opts hosts.Options) *hosts.Set {
	t.Helper()
	s, err := hosts.New(addrs, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// picks counts the hosts n picks go to.
func picks(s *hosts.Set, n int) map[string]int {
	out := map[string]int{}
	for range n {
		out[s.Pick().Addr()]++
	}
	return out
}

func healthCheck(p *probes) *hosts.HealthCheck {
	return &hosts.HealthCheck{Probe: p.probe, Interval: 10 * time.Second, Timeout: time.Second, HealthyThreshold: 2, UnhealthyThreshold: 3}
}

func TestPickRoundRobin(t *testing.T) {
	s := newSet(t, addrs3, hosts.Options{})
	var got []string
	for range 6 {
		got = append(got, s.Pick().Addr())
	}
	if want := "[a:1 b:1 c:1 a:1 b:1 c:1]"; fmt.Sprint(got) != want {
		t.Errorf("picks %v, want %v", got, want)
	}
	for i := range addrs3 {
		if h := s.Host(i); h.Index() != i || h.Addr() != addrs3[i] {
			t.Errorf("Host(%d) = %d %s", i, h.Index(), h.Addr())
		}
	}
}

func TestHealthThresholds(t *testing.T) {
	clock := newFakeClock()
	p := &probes{}
	p.set("b:1", true)
	s := newSet(t, addrs3, hosts.Options{HealthCheck: healthCheck(p), Clock: clock})
	healthy := func() string {
		var out []bool
		for _, h := range s.Stats().Hosts {
			out = append(out, h.Healthy)
		}
		return fmt.Sprint(out)
	}
	if got := healthy(); got != "[true true true]" {
		t.Fatalf("before the first probe: %s, want every host healthy", got)
	}
	clock.Advance(0)
	// The first probe counts at once: b is out without waiting for three.
	if got := healthy(); got != "[true false true]" {
		t.Fatalf("after the first probes: %s", got)
	}
	if got := picks(s, 6); got["b:1"] != 0 || got["a:1"] != 3 || got["c:1"] != 3 {
		t.Fatalf("picks with b unhealthy: %v", got)
	}
	p.set("b:1", false)
	clock.Advance(10 * time.Second)
	if got := healthy(); got != "[true false true]" {
		t.Fatalf("one success of the two needed: %s", got)
	}
	clock.Advance(10 * time.Second)
	if got := healthy(); got != "[true true true]" {
		t.Fatalf("two successes: %s", got)
	}
	p.set("c:1", true)
	for i := 1; i <= 2; i++ {
		clock.Advance(10 * time.Second)
		if got := healthy(); got != "[true true true]" {
			t.Fatalf("%d failures of the three needed: %s", i, got)
		}
	}
	clock.Advance(10 * time.Second)
	if got := healthy(); got != "[true true false]" {
		t.Fatalf("three failures: %s", got)
	}
	st := s.Stats().Hosts[2]
	if st.Probes != 6 || st.ProbeFailures != 3 || st.LastProbeError != "503 from c:1" {
		t.Errorf("c's probe counts: %+v", st)
	}
	if n := p.n("a:1"); n != 6 {
		t.Errorf("a was probed %d times in 50s at a 10s interval, want 6", n)
	}
}

func TestJitterKeepsProbesWithinTheInterval(t *testing.T) {
	clock := newFakeClock()
	var at []time.Time
	hc := &hosts.HealthCheck{
		Probe: func(context.Context, *hosts.Host) error {
			at = append(at, clock.Now()) // probes run inside Advance
			return nil
		},
		Interval: 10 * time.Second, Jitter: 2 * time.Second, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 1,
	}
	newSet(t, []string{"a:1"}, hosts.Options{HealthCheck: hc, Clock: clock})
	for range 1000 {
		clock.Advance(100 * time.Millisecond)
	}
	if len(at) < 100/12 {
		t.Fatalf("%d probes in 100s", len(at))
	}
	spread := map[time.Duration]bool{}
	for i := 1; i < len(at); i++ {
		gap := at[i].Sub(at[i-1])
		if gap < hc.Interval || gap >= hc.Interval+hc.Jitter {
			t.Fatalf("probe %d came %v after the one before, want [%v, %v)", i, gap, hc.Interval, hc.Interval+hc.Jitter)
		}
		spread[gap] = true
	}
	if len(spread) < 2 {
		t.Errorf("every gap is the same: %v", spread)
	}
}

func TestPanicModeWhenNoHostIsUsable(t *testing.T) {
	clock := newFakeClock()
	p := &probes{}
	for _, a := range addrs3 {
		p.set(a, true)
	}
	s := newSet(t, addrs3, hosts.Options{HealthCheck: healthCheck(p), Clock: clock})
	clock.Advance(0)
	st := s.Stats()
	if !st.Panic || st.Usable != 0 {
		t.Fatalf("every probe failed: %+v", st)
	}
	if got := picks(s, 9); got["a:1"] != 3 || got["b:1"] != 3 || got["c:1"] != 3 {
		t.Fatalf("panic mode picks %v, want every host in turn", got)
	}
	p.set("a:1", false)
	clock.Advance(10 * time.Second)
	clock.Advance(10 * time.Second)
	if got := picks(s, 4); got["a:1"] != 4 {
		t.Fatalf("one host back: picks %v, want it alone", got)
	}
	if s.Stats().Panic {
		t.Error("still in panic mode with a usable host")
	}
}

func outlier(failures, percent int) *hosts.Outlier {
	return &hosts.Outlier{ConsecutiveFailures: failures, BaseEjectionTime: 10 * time.Second, MaxEjectionTime: 25 * time.Second, MaxEjectionPercent: percent}
}

func fail(s *hosts.Set, h *hosts.Host, n int) {
	for range n {
		s.Report(h, hosts.Failure)
	}
}

func TestEjection(t *testing.T) {
	clock := newFakeClock()
	s := newSet(t, addrs3, hosts.Options{Outlier: outlier(3, 50), Clock: clock})
	a := s.Host(0)
	fail(s, a, 2)
	s.Report(a, hosts.Success)
	fail(s, a, 2)
	if st := s.Stats().Hosts[0]; st.Ejected || st.ConsecutiveFailures != 2 || st.Failures != 4 || st.Successes != 1 {
		t.Fatalf("a success broke the run of failures, yet: %+v", st)
	}
	s.Report(a, hosts.Failure)
	st := s.Stats().Hosts[0]
	if !st.Ejected || st.Ejections != 1 || !st.EjectedUntil.Equal(clock.Now().Add(10*time.Second)) {
		t.Fatalf("three failures in a row: %+v", st)
	}
	if got := picks(s, 6); got["a:1"] != 0 {
		t.Fatalf("an ejected host was picked: %v", got)
	}
	clock.Advance(10*time.Second - 1)
	if !s.Stats().Hosts[0].Ejected {
		t.Fatal("back before its ejection time")
	}
	clock.Advance(1)
	if st := s.Stats().Hosts[0]; st.Ejected || st.ConsecutiveFailures != 0 {
		t.Fatalf("not back, or back with old failures, after its ejection time: %+v", st)
	}
	if got := picks(s, 6); got["a:1"] != 2 {
		t.Fatalf("a is back but picked %v", got)
	}
	// Ejected again at once: twice as long, then capped at 25s.
	for i, want := range []time.Duration{20 * time.Second, 25 * time.Second, 25 * time.Second} {
		fail(s, a, 3)
		st := s.Stats().Hosts[0]
		if got := st.EjectedUntil.Sub(clock.Now()); !st.Ejected || got != want {
			t.Fatalf("ejection %d: %v, ejected %v; want %v", i+2, got, st.Ejected, want)
		}
		clock.Advance(want)
	}
	// Three base ejection times in service bring the multiplier from
	// three (capped) down to zero.
	clock.Advance(30 * time.Second)
	fail(s, a, 3)
	if got := s.Stats().Hosts[0].EjectedUntil.Sub(clock.Now()); got != 10*time.Second {
		t.Fatalf("after 30s in service the ejection lasts %v, want the base 10s", got)
	}
	if got := s.Stats().Hosts[0].Ejections; got != 5 {
		t.Errorf("%d ejections counted, want 5", got)
	}
}

func TestMaxEjectionPercent(t *testing.T) {
	for _, tc := range []struct {
		hosts, percent, ejected int
	}{
		{1, 50, 0},
		{1, 99, 0},
		{1, 100, 1},
		{2, 50, 1},
		{3, 50, 1},
		{3, 67, 2},
		{4, 50, 2},
		{4, 0, 0},
		{5, 100, 5},
		{10, 10, 1},
	} {
		t.Run(fmt.Sprintf("%d hosts at %d%%", tc.hosts, tc.percent), func(t *testing.T) {
			var addrs []string
			for i := range tc.hosts {
				addrs = append(addrs, fmt.Sprintf("h%d:1", i))
			}
			s := newSet(t, addrs, hosts.Options{Outlier: outlier(1, tc.percent), Clock: newFakeClock()})
			for i := range tc.hosts {
				s.Report(s.Host(i), hosts.Failure)
			}
			st := s.Stats()
			ejected, refused := 0, 0
			for _, h := range st.Hosts {
				if h.Ejected {
					ejected++
				}
				refused += int(h.EjectionsRefused)
			}
			if ejected != tc.ejected || refused != tc.hosts-tc.ejected {
				t.Fatalf("%d ejected, %d refused; want %d ejected", ejected, refused, tc.ejected)
			}
			if tc.ejected == tc.hosts {
				if !st.Panic {
					t.Fatal("every host ejected but no panic mode")
				}
				if got := picks(s, tc.hosts); len(got) != tc.hosts {
					t.Fatalf("panic mode picks %v, want every host", got)
				}
			}
		})
	}
}

func TestEjectionAndHealthTogether(t *testing.T) {
	clock := newFakeClock()
	p := &probes{}
	s := newSet(t, addrs3, hosts.Options{HealthCheck: healthCheck(p), Outlier: outlier(2, 100), Clock: clock})
	clock.Advance(0)
	// b fails its calls but answers its probes: it stays out for the
	// whole ejection, probes or not.
	fail(s, s.Host(1), 2)
	clock.Advance(9 * time.Second)
	clock.Advance(time.Second - 1)
	if st := s.Stats().Hosts[1]; !st.Ejected || !st.Healthy || st.Probes != 1 {
		t.Fatalf("b: %+v", st)
	}
	clock.Advance(1)
	if st := s.Stats().Hosts[1]; st.Ejected || st.Probes != 2 {
		t.Fatalf("b after its ejection time: %+v", st)
	}
	if got := picks(s, 3); got["b:1"] != 1 {
		t.Fatalf("b is back but picks are %v", got)
	}
}

func TestCloseStopsProbesAndTimers(t *testing.T) {
	clock := newFakeClock()
	p := &probes{}
	s, err := hosts.New(addrs3, hosts.Options{HealthCheck: healthCheck(p), Outlier: outlier(1, 100), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(0)
	s.Report(s.Host(0), hosts.Failure)
	if clock.Pending() != 4 {
		t.Fatalf("%d timers pending, want 3 probes and 1 ejection", clock.Pending())
	}
	s.Close()
	if clock.Pending() != 0 {
		t.Fatalf("%d timers pending after Close", clock.Pending())
	}
	clock.Advance(time.Hour)
	if n := p.n("a:1"); n != 1 {
		t.Fatalf("probed %d times, want only the one before Close", n)
	}
	// Calls of a replaced config may still finish after Close.
	s.Report(s.Host(1), hosts.Failure)
	s.Report(s.Host(2), hosts.Success)
	if h := s.Pick(); h == nil {
		t.Fatal("no pick after Close")
	}
	if clock.Pending() != 0 {
		t.Fatal("an ejection after Close started a timer")
	}
	s.Close()
}

// A probe in flight when Close comes is cancelled and waited for; with the
// system clock, the set's goroutines are gone when Close returns.
func TestCloseWaitsForAProbeInFlight(t *testing.T) {
	before := runtime.NumGoroutine()
	entered := make(chan struct{}, 1)
	var returned atomic.Bool
	s, err := hosts.New([]string{"a:1"}, hosts.Options{HealthCheck: &hosts.HealthCheck{
		Probe: func(ctx context.Context, _ *hosts.Host) error {
			select {
			case entered <- struct{}{}:
			default:
			}
			<-ctx.Done()
			returned.Store(true)
			return ctx.Err()
		},
		Interval: time.Millisecond, Timeout: time.Hour, HealthyThreshold: 1, UnhealthyThreshold: 1,
	}})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	s.Close()
	if !returned.Load() {
		t.Fatal("Close returned before the probe in flight")
	}
	if st := s.Stats().Hosts[0]; !st.Healthy || st.Probes != 0 {
		t.Errorf("a probe cut by Close counted: %+v", st)
	}
	if err := goleak.Find(); err != nil {
		t.Fatal(err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after Close", before, after)
	}
}

// Pick, Report, probes and ejections at once, with the system clock: for
// the race detector, and for Pick never returning nil while lists change.
func TestConcurrentUse(t *testing.T) {
	var flip atomic.Int64
	s := newSet(t, addrs3, hosts.Options{
		HealthCheck: &hosts.HealthCheck{
			Probe: func(_ context.Context, h *hosts.Host) error {
				if (flip.Add(1)+int64(h.Index()))%2 == 0 {
					return errors.New("down")
				}
				return nil
			},
			Interval: time.Millisecond, Jitter: time.Millisecond, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 1,
		},
		Outlier: &hosts.Outlier{ConsecutiveFailures: 2, BaseEjectionTime: time.Millisecond, MaxEjectionTime: 3 * time.Millisecond, MaxEjectionPercent: 100},
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				h := s.Pick()
				if h == nil {
					t.Error("nil pick")
					return
				}
				o := hosts.Success
				if (i+g)%3 != 0 {
					o = hosts.Failure
				}
				s.Report(h, o)
				if i%100 == 0 {
					_ = s.Stats()
				}
			}
		})
	}
	wg.Wait()
	var calls uint64
	for _, h := range s.Stats().Hosts {
		calls += h.Successes + h.Failures
	}
	if calls != 8*2000 {
		t.Fatalf("%d calls reported, want %d", calls, 8*2000)
	}
}

func TestNewRejects(t *testing.T) {
	probe := func(context.Context, *hosts.Host) error { return nil }
	good := hosts.HealthCheck{Probe: probe, Interval: time.Second, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 1}
	for name, tc := range map[string]struct {
		addrs []string
		opts  hosts.Options
	}{
		"no host":         {nil, hosts.Options{}},
		"twice":           {[]string{"a:1", "a:1"}, hosts.Options{}},
		"no probe":        {addrs3, hosts.Options{HealthCheck: &hosts.HealthCheck{Interval: time.Second, Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 1}}},
		"no interval":     {addrs3, hosts.Options{HealthCheck: func() *hosts.HealthCheck { h := good; h.Interval = 0; return &h }()}},
		"zero threshold":  {addrs3, hosts.Options{HealthCheck: func() *hosts.HealthCheck { h := good; h.HealthyThreshold = 0; return &h }()}},
		"zero failures":   {addrs3, hosts.Options{Outlier: outlier(0, 50)}},
		"percent over":    {addrs3, hosts.Options{Outlier: outlier(1, 101)}},
		"max under base":  {addrs3, hosts.Options{Outlier: &hosts.Outlier{ConsecutiveFailures: 1, BaseEjectionTime: time.Minute, MaxEjectionTime: time.Second}}},
		"no base":         {addrs3, hosts.Options{Outlier: &hosts.Outlier{ConsecutiveFailures: 1, MaxEjectionTime: time.Second}}},
		"negative jitter": {addrs3, hosts.Options{HealthCheck: func() *hosts.HealthCheck { h := good; h.Jitter = -1; return &h }()}},
	} {
		if s, err := hosts.New(tc.addrs, tc.opts); err == nil {
			s.Close()
			t.Errorf("%s: no error", name)
		}
	}
}
