// Package hosts is the set of hosts behind one upstream: it picks the host
// of each call, checks the hosts' health actively (a probe every interval)
// and ejects, for a while, a host whose calls keep failing (outlier
// detection, passive). The kinds own the protocol: an HTTP upstream probes
// GET <host><path>, a gRPC upstream grpc.health.v1.Health/Check; this
// package owns the state and the timing.
//
// # Picking
//
// Pick goes round robin over the usable hosts: healthy (or not checked) and
// not ejected. When no host is usable, it goes round robin over all of them
// ("panic mode", as Envoy calls it): a health check that is wrong (a path
// that moved, a service name mistyped) or an outage of the checks' own path
// must not take down every call, and a call that goes to a host that really
// is down fails as it would have anyway. Envoy enters panic mode below 50%
// usable hosts by default; here it is only when none is usable, since
// ejection is already capped by MaxEjectionPercent. With a single host,
// neither checks nor ejection can stop a call: they feed Stats (metrics and
// alerts) only.
//
// Pick takes no lock: the usable hosts are an immutable list swapped
// atomically whenever a host changes state (rare), and the round robin is
// one atomic counter.
//
// # Active health checks
//
// Each host is probed every Interval (plus up to Jitter, so that the
// probes of many gateways do not fall in step), each probe bounded by
// Timeout. A healthy host turns unhealthy after UnhealthyThreshold
// consecutive failed probes, an unhealthy one healthy again after
// HealthyThreshold consecutive successes, as in Envoy. Hosts start healthy,
// so that loading a config never waits on the network, and are probed at
// once; the first probe's result counts at once, as Envoy needs a single
// check of a new host: a host that is down at load is out after one probe
// rather than UnhealthyThreshold intervals.
//
// # Outlier ejection
//
// Callers Report every call's outcome. A host whose ConsecutiveFailures
// last calls failed is ejected for BaseEjectionTime times the number of
// times it has been ejected, at most MaxEjectionTime; the multiplier falls
// by one for every BaseEjectionTime the host has since spent back in
// service, so a host that failed once long ago starts over. A host is not
// ejected when that would put more than MaxEjectionPercent of the hosts out
// at once, counted after the ejection, as Envoy counts it since
// envoyproxy/envoy#27909 (earlier versions, and newer ones with
// always_eject_one_host, always let one host go): with two hosts and 50%
// one may be out, with one host and anything below 100% none. A
// successful probe does not end an ejection (Envoy's
// successful_active_health_check_uneject_host does by default): a health
// endpoint that answers says the process is up, not that its calls
// succeed, which is what ejected it.
//
// # Ownership
//
// New starts the probes; Close stops them and waits for any probe running.
// Probes and ejection expiries run on timers (Clock.AfterFunc), so an idle
// set holds no goroutine. Pick and Report stay safe after Close (calls of
// a replaced config may still be running); hosts then keep their last
// state.
package hosts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Outcome is what a call's result says about its host.
type Outcome uint8

// The outcomes a caller reports.
const (
	// Success: the host answered (any answer that is not a server error:
	// a 404 or a GraphQL error is the host working).
	Success Outcome = iota
	// Failure: the host failed the call: no connection, a reset, a
	// timeout of the upstream's own deadline, a 5xx, a gRPC UNAVAILABLE or
	// INTERNAL.
	Failure
)

// Probe checks one host; nil means healthy. It must return once ctx is
// done (its Timeout, or Close).
type Probe func(ctx context.Context, h *Host) error

// HealthCheck configures the active checks. Every field must be set (the
// config layer gives the defaults).
type HealthCheck struct {
	Probe Probe
	// Interval is the time between the end of one probe and the start of
	// the next.
	Interval time.Duration
	// Jitter is the most added to each Interval, drawn at random.
	Jitter time.Duration
	// Timeout bounds one probe.
	Timeout time.Duration
	// HealthyThreshold consecutive successes make an unhealthy host
	// healthy; UnhealthyThreshold consecutive failures make a healthy
	// one unhealthy.
	HealthyThreshold   int
	UnhealthyThreshold int
}

// Outlier configures outlier ejection. Every field must be set (the config
// layer gives the defaults).
type Outlier struct {
	// ConsecutiveFailures in a row eject a host.
	ConsecutiveFailures int
	// BaseEjectionTime is the first ejection's length; the n-th is n times
	// as long, at most MaxEjectionTime.
	BaseEjectionTime time.Duration
	MaxEjectionTime  time.Duration
	// MaxEjectionPercent of the hosts may be ejected at once (0 to 100).
	MaxEjectionPercent int
}

// Options configure a Set; nil parts are off.
type Options struct {
	HealthCheck *HealthCheck
	Outlier     *Outlier
	// Clock is the time source (nil: the system clock).
	Clock Clock
}

// Clock is the time the Set reads and waits on; tests give a fake one.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed; stop
	// cancels that, reporting whether it did so before f started.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Host is one host of a Set.
type Host struct {
	addr  string
	index int

	// consecutive counts the failed calls in a row; calls touch it
	// without the Set's lock.
	consecutive atomic.Int64
	successes   atomic.Uint64
	failures    atomic.Uint64

	// The rest is guarded by Set.mu.
	healthy      bool
	checked      bool // a probe has finished
	probeOK      int  // consecutive successful probes
	probeFail    int  // consecutive failed probes
	probes       uint64
	probeErrors  uint64
	lastProbeErr string
	ejected      bool
	ejectedUntil time.Time
	ejections    uint64 // since New
	multiplier   int    // the last ejection's length, in BaseEjectionTimes
	returned     time.Time
	refused      uint64 // ejections MaxEjectionPercent refused
	stopProbe    func() bool
	stopEject    func() bool
}

// Addr is the host's address as it was given to New.
func (h *Host) Addr() string { return h.addr }

// Index is the host's position in the list given to New.
func (h *Host) Index() int { return h.index }

// Set is the hosts of one upstream. Its methods are safe for concurrent
// use.
type Set struct {
	hosts   []*Host
	hc      *HealthCheck
	outlier *Outlier
	clock   Clock

	// pick is the list Pick chooses from: the usable hosts, or every host
	// in panic mode.
	pick atomic.Pointer[pickList]
	next atomic.Uint64

	// ctx is cancelled by Close, ending probes in flight.
	ctx    context.Context
	cancel context.CancelFunc
	// timers counts the timer callbacks scheduled or running, so that
	// Close can wait for them.
	timers sync.WaitGroup

	mu      sync.Mutex
	ejected int
	closed  bool
}

type pickList struct {
	hosts []*Host
	panic bool
}

// New builds the set of these hosts (at least one, each named once) and
// starts their health checks.
func New(addrs []string, opts Options) (*Set, error) {
	if len(addrs) == 0 {
		return nil, errors.New("hosts: no host")
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	s := &Set{hc: opts.HealthCheck, outlier: opts.Outlier, clock: opts.Clock}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	seen := make(map[string]bool, len(addrs))
	for i, a := range addrs {
		if seen[a] {
			return nil, fmt.Errorf("hosts: %s is listed twice", a)
		}
		seen[a] = true
		s.hosts = append(s.hosts, &Host{addr: a, index: i, healthy: true})
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	s.rebuild()
	if s.hc != nil {
		for _, h := range s.hosts {
			s.scheduleProbe(h, 0)
		}
	}
	s.mu.Unlock()
	return s, nil
}

func (o *Options) check() error {
	if hc := o.HealthCheck; hc != nil {
		switch {
		case hc.Probe == nil:
			return errors.New("hosts: health check without a probe")
		case hc.Interval <= 0, hc.Timeout <= 0, hc.Jitter < 0:
			return errors.New("hosts: health check interval and timeout must be positive")
		case hc.HealthyThreshold < 1, hc.UnhealthyThreshold < 1:
			return errors.New("hosts: health check thresholds must be at least 1")
		}
	}
	if od := o.Outlier; od != nil {
		switch {
		case od.ConsecutiveFailures < 1:
			return errors.New("hosts: consecutive failures must be at least 1")
		case od.BaseEjectionTime <= 0, od.MaxEjectionTime < od.BaseEjectionTime:
			return errors.New("hosts: ejection times must be positive, the longest no shorter than the base")
		case od.MaxEjectionPercent < 0, od.MaxEjectionPercent > 100:
			return errors.New("hosts: max ejection percent must be between 0 and 100")
		}
	}
	return nil
}

// Len is the number of hosts.
func (s *Set) Len() int { return len(s.hosts) }

// Host returns the host at index i of the list given to New.
func (s *Set) Host(i int) *Host { return s.hosts[i] }

// Pick returns the host of the next call: round robin over the usable
// hosts, or over all of them when none is usable.
func (s *Set) Pick() *Host {
	l := s.pick.Load()
	if len(l.hosts) == 1 {
		return l.hosts[0]
	}
	return l.hosts[(s.next.Add(1)-1)%uint64(len(l.hosts))]
}

// Report records the outcome of a call to h, which came from Pick or
// Host. A call the caller gave up on (its own deadline, a cancelled
// hedge) says nothing about the host and is not reported.
func (s *Set) Report(h *Host, o Outcome) {
	if o == Success {
		h.successes.Add(1)
		// Most calls succeed: a load first keeps the host's cache line
		// shared rather than written on every call.
		if h.consecutive.Load() != 0 {
			h.consecutive.Store(0)
		}
		return
	}
	h.failures.Add(1)
	n := h.consecutive.Add(1)
	if s.outlier != nil && n >= int64(s.outlier.ConsecutiveFailures) {
		s.eject(h)
	}
}

// Close stops the health checks and ejection timers, waiting for a probe
// in flight to return.
func (s *Set) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, h := range s.hosts {
		for _, stop := range []*func() bool{&h.stopProbe, &h.stopEject} {
			if *stop != nil && (*stop)() {
				// Stopped before it ran: its callback will never mark
				// itself done.
				s.timers.Done()
			}
			*stop = nil
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.timers.Wait()
}

// rebuild publishes the hosts Pick chooses from. s.mu is held.
func (s *Set) rebuild() {
	usable := make([]*Host, 0, len(s.hosts))
	for _, h := range s.hosts {
		if h.healthy && !h.ejected {
			usable = append(usable, h)
		}
	}
	if len(usable) == 0 {
		s.pick.Store(&pickList{hosts: s.hosts, panic: true})
		return
	}
	s.pick.Store(&pickList{hosts: usable})
}

// after runs f on the clock after d, counted in s.timers, unless the set
// is closed; it returns the timer's stop. s.mu is held.
func (s *Set) after(d time.Duration, f func()) func() bool {
	if s.closed {
		return nil
	}
	s.timers.Add(1)
	return s.clock.AfterFunc(d, func() {
		defer s.timers.Done()
		f()
	})
}
