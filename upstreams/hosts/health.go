package hosts

import (
	"context"
	"math/rand/v2"
	"time"
)

// scheduleProbe probes h after d. s.mu is held.
func (s *Set) scheduleProbe(h *Host, d time.Duration) {
	h.stopProbe = s.after(d, func() { s.probe(h) })
}

// probe runs one probe of h, counts its result, and schedules the next.
func (s *Set) probe(h *Host) {
	ctx, cancel := context.WithTimeout(s.ctx, s.hc.Timeout)
	err := s.hc.Probe(ctx, h)
	cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		// Cut short by Close: the result says nothing of the host.
		return
	}
	h.probes++
	first := !h.checked
	h.checked = true
	if err == nil {
		h.probeOK++
		h.probeFail = 0
		h.lastProbeErr = ""
		if !h.healthy && (first || h.probeOK >= s.hc.HealthyThreshold) {
			h.healthy = true
			s.rebuild()
		}
	} else {
		h.probeErrors++
		h.probeFail++
		h.probeOK = 0
		h.lastProbeErr = err.Error()
		if h.healthy && (first || h.probeFail >= s.hc.UnhealthyThreshold) {
			h.healthy = false
			s.rebuild()
		}
	}
	wait := s.hc.Interval
	if s.hc.Jitter > 0 {
		wait += rand.N(s.hc.Jitter)
	}
	s.scheduleProbe(h, wait)
}
