package hosts_test

import (
	"context"
	"testing"
	"time"

	"github.com/weft-gateway/weft/upstreams/hosts"
)

func intp(n int) *int { return &n }

func TestCheckTiming(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    hosts.CheckTiming
		field string
		msg   string
	}{
		{"empty", hosts.CheckTiming{}, "", ""},
		{"set", hosts.CheckTiming{Interval: time.Second, Timeout: time.Second, HealthyThreshold: intp(1), UnhealthyThreshold: intp(5)}, "", ""},
		{"negative interval", hosts.CheckTiming{Interval: -time.Second}, "interval", "-1s: must be positive"},
		{"negative timeout", hosts.CheckTiming{Timeout: -time.Millisecond}, "timeout", "-1ms: must be positive"},
		{"zero healthy", hosts.CheckTiming{HealthyThreshold: intp(0)}, "healthyThreshold", "0: must be at least 1"},
		{"negative unhealthy", hosts.CheckTiming{UnhealthyThreshold: intp(-2)}, "unhealthyThreshold", "-2: must be at least 1"},
	} {
		field, err := tc.in.Check()
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if field != tc.field || msg != tc.msg {
			t.Errorf("%s: %q %q, want %q %q", tc.name, field, msg, tc.field, tc.msg)
		}
	}
}

func TestCheckTimingDefaults(t *testing.T) {
	probe := func(context.Context, *hosts.Host) error { return nil }
	hc := (&hosts.CheckTiming{}).HealthCheck(probe)
	if hc.Interval != 5*time.Second || hc.Timeout != time.Second || hc.HealthyThreshold != 2 || hc.UnhealthyThreshold != 3 || hc.Jitter != 500*time.Millisecond || hc.Probe == nil {
		t.Errorf("defaults: %+v", hc)
	}
	hc = (&hosts.CheckTiming{Interval: time.Minute, Timeout: 3 * time.Second, HealthyThreshold: intp(1), UnhealthyThreshold: intp(7)}).HealthCheck(probe)
	if hc.Interval != time.Minute || hc.Timeout != 3*time.Second || hc.HealthyThreshold != 1 || hc.UnhealthyThreshold != 7 || hc.Jitter != 6*time.Second {
		t.Errorf("set: %+v", hc)
	}
}

func TestOutlierDetection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    hosts.OutlierDetection
		field string
		msg   string
		want  hosts.Outlier
	}{
		{name: "empty", want: hosts.Outlier{ConsecutiveFailures: 5, BaseEjectionTime: 30 * time.Second, MaxEjectionTime: 300 * time.Second, MaxEjectionPercent: 50}},
		{name: "long base", in: hosts.OutlierDetection{BaseEjectionTime: 10 * time.Minute},
			want: hosts.Outlier{ConsecutiveFailures: 5, BaseEjectionTime: 10 * time.Minute, MaxEjectionTime: 10 * time.Minute, MaxEjectionPercent: 50}},
		{name: "zero percent", in: hosts.OutlierDetection{ConsecutiveFailures: intp(1), MaxEjectionPercent: intp(0), MaxEjectionTime: time.Minute},
			want: hosts.Outlier{ConsecutiveFailures: 1, BaseEjectionTime: 30 * time.Second, MaxEjectionTime: time.Minute, MaxEjectionPercent: 0}},
		{name: "zero failures", in: hosts.OutlierDetection{ConsecutiveFailures: intp(0)}, field: "consecutiveFailures", msg: "0: must be at least 1"},
		{name: "negative base", in: hosts.OutlierDetection{BaseEjectionTime: -time.Second}, field: "baseEjectionTime", msg: "-1s: must be positive"},
		{name: "negative max", in: hosts.OutlierDetection{MaxEjectionTime: -time.Second}, field: "maxEjectionTime", msg: "-1s: must be positive"},
		{name: "max under default base", in: hosts.OutlierDetection{MaxEjectionTime: 10 * time.Second}, field: "maxEjectionTime", msg: "10s is shorter than baseEjectionTime (30s)"},
		{name: "max under base", in: hosts.OutlierDetection{BaseEjectionTime: time.Minute, MaxEjectionTime: 50 * time.Second}, field: "maxEjectionTime", msg: "50s is shorter than baseEjectionTime (1m0s)"},
		{name: "percent over", in: hosts.OutlierDetection{MaxEjectionPercent: intp(101)}, field: "maxEjectionPercent", msg: "101 is not between 0 and 100"},
		{name: "percent under", in: hosts.OutlierDetection{MaxEjectionPercent: intp(-1)}, field: "maxEjectionPercent", msg: "-1 is not between 0 and 100"},
	} {
		field, err := tc.in.Check()
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if field != tc.field || msg != tc.msg {
			t.Errorf("%s: %q %q, want %q %q", tc.name, field, msg, tc.field, tc.msg)
			continue
		}
		if err == nil {
			if got := *tc.in.Outlier(); got != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
		}
	}
}
