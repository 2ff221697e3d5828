package hosts

import "time"

// Stats is a snapshot of a Set, for metrics: per host, a gauge of each
// state and counters of calls, probes and ejections.
type Stats struct {
	// Hosts are in the order given to New.
	Hosts []HostStats
	// Usable counts the hosts healthy and not ejected.
	Usable int
	// Panic says no host is usable, so calls go to all of them.
	Panic bool
}

// HostStats is one host's state and counters. Counters run from New.
type HostStats struct {
	Addr string
	// Healthy is the active checks' verdict (true without checks, and
	// until the first probe).
	Healthy bool
	// Ejected says outlier detection has the host out of rotation, until
	// EjectedUntil.
	Ejected      bool
	EjectedUntil time.Time
	// Ejections counts the times the host was ejected; EjectionsRefused
	// the times MaxEjectionPercent kept it in though its failures called
	// for an ejection.
	Ejections        uint64
	EjectionsRefused uint64
	// ConsecutiveFailures is the current run of failed calls.
	ConsecutiveFailures int64
	// Successes and Failures count the calls reported.
	Successes, Failures uint64
	// Probes counts the health checks made, ProbeFailures those that
	// failed; LastProbeError is the last failure's message while the
	// host keeps failing, empty after a success.
	Probes, ProbeFailures uint64
	LastProbeError        string
}

// Stats returns the set's current state.
func (s *Set) Stats() Stats {
	out := Stats{Hosts: make([]HostStats, len(s.hosts))}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, h := range s.hosts {
		out.Hosts[i] = HostStats{
			Addr:                h.addr,
			Healthy:             h.healthy,
			Ejected:             h.ejected,
			EjectedUntil:        h.ejectedUntil,
			Ejections:           h.ejections,
			EjectionsRefused:    h.refused,
			ConsecutiveFailures: h.consecutive.Load(),
			Successes:           h.successes.Load(),
			Failures:            h.failures.Load(),
			Probes:              h.probes,
			ProbeFailures:       h.probeErrors,
			LastProbeError:      h.lastProbeErr,
		}
		if h.healthy && !h.ejected {
			out.Usable++
		}
	}
	out.Panic = out.Usable == 0
	return out
}

// Reporter is an upstream whose calls go through a Set: the metrics read
// its hosts through it. An upstream without a Set (no endpoints, health
// check or outlier detection configured) returns Stats with no Hosts.
type Reporter interface {
	HostStats() Stats
}
