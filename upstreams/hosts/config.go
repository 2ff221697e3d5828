package hosts

import (
	"fmt"
	"time"
)

// Defaults of the config blocks.
const (
	DefaultInterval            = 5 * time.Second
	DefaultTimeout             = time.Second
	DefaultHealthyThreshold    = 2
	DefaultUnhealthyThreshold  = 3
	DefaultConsecutiveFailures = 5
	DefaultBaseEjectionTime    = 30 * time.Second
	DefaultMaxEjectionTime     = 300 * time.Second
	// DefaultMaxEjectionPercent is 50, not Envoy's 10: at 10% no host of
	// fewer than ten could ever be ejected, and most upstreams have
	// fewer.
	DefaultMaxEjectionPercent = 50
)

// CheckTiming is the part of a healthCheck block every kind shares (each
// adds what it probes: an HTTP path, a gRPC service). A field left out
// takes its default; thresholds are pointers so that an explicit 0 is an
// error rather than the default.
type CheckTiming struct {
	// Interval between probes of a host (default 5s); up to a tenth more
	// is added at random.
	Interval time.Duration `yaml:"interval"`
	// Timeout bounds one probe (default 1s).
	Timeout time.Duration `yaml:"timeout"`
	// HealthyThreshold consecutive successes make an unhealthy host
	// healthy (default 2).
	HealthyThreshold *int `yaml:"healthyThreshold"`
	// UnhealthyThreshold consecutive failures make a healthy host
	// unhealthy (default 3).
	UnhealthyThreshold *int `yaml:"unhealthyThreshold"`
}

// Check validates the block; it returns the offending field's name.
func (t *CheckTiming) Check() (string, error) {
	if t.Interval < 0 {
		return "interval", fmt.Errorf("%v: must be positive", t.Interval)
	}
	if t.Timeout < 0 {
		return "timeout", fmt.Errorf("%v: must be positive", t.Timeout)
	}
	if p := t.HealthyThreshold; p != nil && *p < 1 {
		return "healthyThreshold", fmt.Errorf("%d: must be at least 1", *p)
	}
	if p := t.UnhealthyThreshold; p != nil && *p < 1 {
		return "unhealthyThreshold", fmt.Errorf("%d: must be at least 1", *p)
	}
	return "", nil
}

// HealthCheck is the checked block with its defaults, probing with probe.
func (t *CheckTiming) HealthCheck(probe Probe) *HealthCheck {
	hc := &HealthCheck{
		Probe:              probe,
		Interval:           t.Interval,
		Timeout:            t.Timeout,
		HealthyThreshold:   deref(t.HealthyThreshold, DefaultHealthyThreshold),
		UnhealthyThreshold: deref(t.UnhealthyThreshold, DefaultUnhealthyThreshold),
	}
	if hc.Interval == 0 {
		hc.Interval = DefaultInterval
	}
	if hc.Timeout == 0 {
		hc.Timeout = DefaultTimeout
	}
	hc.Jitter = hc.Interval / 10
	return hc
}

// OutlierDetection is an outlierDetection block. A field left out takes
// its default; the integers are pointers so that an explicit 0 is told
// from an absent field (maxEjectionPercent: 0 counts failures but never
// ejects).
type OutlierDetection struct {
	// ConsecutiveFailures in a row eject a host (default 5).
	ConsecutiveFailures *int `yaml:"consecutiveFailures"`
	// BaseEjectionTime is the first ejection's length; the n-th in a row
	// lasts n times as long (default 30s).
	BaseEjectionTime time.Duration `yaml:"baseEjectionTime"`
	// MaxEjectionTime caps an ejection (default 300s, or
	// baseEjectionTime if that is longer).
	MaxEjectionTime time.Duration `yaml:"maxEjectionTime"`
	// MaxEjectionPercent of the hosts may be out at once (default 50).
	MaxEjectionPercent *int `yaml:"maxEjectionPercent"`
}

// Check validates the block; it returns the offending field's name.
func (o *OutlierDetection) Check() (string, error) {
	if p := o.ConsecutiveFailures; p != nil && *p < 1 {
		return "consecutiveFailures", fmt.Errorf("%d: must be at least 1", *p)
	}
	if o.BaseEjectionTime < 0 {
		return "baseEjectionTime", fmt.Errorf("%v: must be positive", o.BaseEjectionTime)
	}
	if o.MaxEjectionTime < 0 {
		return "maxEjectionTime", fmt.Errorf("%v: must be positive", o.MaxEjectionTime)
	}
	if o.MaxEjectionTime > 0 {
		base := o.BaseEjectionTime
		if base == 0 {
			base = DefaultBaseEjectionTime
		}
		if o.MaxEjectionTime < base {
			return "maxEjectionTime", fmt.Errorf("%v is shorter than baseEjectionTime (%v)", o.MaxEjectionTime, base)
		}
	}
	if p := o.MaxEjectionPercent; p != nil && (*p < 0 || *p > 100) {
		return "maxEjectionPercent", fmt.Errorf("%d is not between 0 and 100", *p)
	}
	return "", nil
}

// Outlier is the checked block with its defaults.
func (o *OutlierDetection) Outlier() *Outlier {
	out := &Outlier{
		ConsecutiveFailures: deref(o.ConsecutiveFailures, DefaultConsecutiveFailures),
		BaseEjectionTime:    o.BaseEjectionTime,
		MaxEjectionTime:     o.MaxEjectionTime,
		MaxEjectionPercent:  deref(o.MaxEjectionPercent, DefaultMaxEjectionPercent),
	}
	if out.BaseEjectionTime == 0 {
		out.BaseEjectionTime = DefaultBaseEjectionTime
	}
	if out.MaxEjectionTime == 0 {
		out.MaxEjectionTime = max(DefaultMaxEjectionTime, out.BaseEjectionTime)
	}
	return out
}

func deref(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
