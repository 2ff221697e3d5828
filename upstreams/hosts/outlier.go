package hosts

import "time"

// eject takes h out of rotation, if its failures still call for it and
// MaxEjectionPercent allows.
func (s *Set) eject(h *Host) {
	o := s.outlier
	s.mu.Lock()
	defer s.mu.Unlock()
	// A success since the failure that got here, or another caller's
	// ejection, settled it.
	if s.closed || h.ejected || h.consecutive.Load() < int64(o.ConsecutiveFailures) {
		return
	}
	h.consecutive.Store(0)
	// Counted after this ejection, as current Envoy counts: 50% of three
	// hosts is one host, not two.
	if 100*(s.ejected+1) > o.MaxEjectionPercent*len(s.hosts) {
		h.refused++
		return
	}
	now := s.clock.Now()
	if h.multiplier > 0 && !h.returned.IsZero() {
		// Time back in service earns the multiplier back down: one step
		// per BaseEjectionTime.
		back := int64(now.Sub(h.returned) / o.BaseEjectionTime)
		h.multiplier = int(max(0, int64(h.multiplier)-back))
	}
	// Bounded: past MaxEjectionTime more steps change nothing (and the
	// product below cannot overflow).
	if h.multiplier <= int(o.MaxEjectionTime/o.BaseEjectionTime) {
		h.multiplier++
	}
	d := min(o.BaseEjectionTime*time.Duration(h.multiplier), o.MaxEjectionTime)
	h.ejected = true
	h.ejectedUntil = now.Add(d)
	h.ejections++
	s.ejected++
	s.rebuild()
	h.stopEject = s.after(d, func() { s.restore(h) })
}

// restore brings an ejected host back when its ejection time is over.
func (s *Set) restore(h *Host) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !h.ejected {
		return
	}
	h.ejected = false
	h.ejectedUntil = time.Time{}
	h.returned = s.clock.Now()
	// Failures reported while it was out (calls already in flight, or
	// panic mode) are history: it starts over.
	h.consecutive.Store(0)
	s.ejected--
	s.rebuild()
}
