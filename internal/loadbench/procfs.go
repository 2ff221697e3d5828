package loadbench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// ParseStat reads a process's CPU time, user plus system, in clock ticks,
// from the contents of /proc/PID/stat.
func ParseStat(b []byte) (int64, error) {
	// The command name (field 2) is in parentheses and may itself hold
	// spaces and parentheses: the fields that follow start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state (field 3) is f[0], so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the name, want at least 13", len(f))
	}
	utime, err := strconv.ParseInt(f[11], 10, 64)
	if err != nil || utime < 0 {
		return 0, fmt.Errorf("proc stat: utime %q", f[11])
	}
	stime, err := strconv.ParseInt(f[12], 10, 64)
	if err != nil || stime < 0 {
		return 0, fmt.Errorf("proc stat: stime %q", f[12])
	}
	if utime > math.MaxInt64-stime {
		return 0, errors.New("proc stat: cpu time overflows")
	}
	return utime + stime, nil
}

// ParsePeakRSS reads VmHWM, the peak resident set size, in KiB from the
// contents of /proc/PID/status.
func ParsePeakRSS(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != "VmHWM" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: VmHWM %q", strings.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("proc status: VmHWM %q", f[0])
		}
		return kb, nil
	}
	return 0, errors.New("proc status: no VmHWM line")
}

// ParseSystemBusy reads the CPU time all CPUs spent running processes
// (user, nice and system; not interrupts, idle or steal), in clock ticks,
// from the contents of /proc/stat.
func ParseSystemBusy(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 4 {
			return 0, fmt.Errorf("proc stat: cpu line has %d fields", len(f))
		}
		var sum int64
		for _, v := range f[1:4] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || sum > math.MaxInt64-n {
				return 0, fmt.Errorf("proc stat: cpu time %q", v)
			}
			sum += n
		}
		return sum, nil
	}
	return 0, errors.New("proc stat: no cpu line")
}

// systemBusy is the CPU time all processes have used, in clock ticks.
func systemBusy() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("system cpu time: %w", err)
	}
	return ParseSystemBusy(b)
}

// procCPU is a process's CPU time so far, in clock ticks.
func procCPU(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu time of process %d: %w", pid, err)
	}
	return ParseStat(b)
}

// procPeakRSS is a process's peak resident set size in KiB.
func procPeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("peak memory of process %d: %w", pid, err)
	}
	return ParsePeakRSS(b)
}

// ClockTicks is the kernel's clock ticks per second for /proc times:
// `getconf CLK_TCK`, or 100, the value on every Linux architecture Go runs on.
func ClockTicks(ctx context.Context) int64 {
	out, err := exec.CommandContext(ctx, "getconf", "CLK_TCK").Output()
	if err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	return 100
}

// Pinning places the load (wrk and the upstreams) and the process under test
// on different CPUs, so the gateway's numbers are its own and not a share
// of a core it fights wrk for.
type Pinning struct {
	// Enabled is false when pinning is off or impossible; Reason says why.
	Enabled bool   `json:"enabled"`
	Reason  string `json:"reason,omitempty"`
	// Load and Target are taskset CPU lists.
	Load   string `json:"load,omitempty"`
	Target string `json:"target,omitempty"`
	// taskset is the tool's path.
	taskset string
}

// DetectPinning pins wrk and the upstreams to CPU 0 and the process under
// test to CPU 1, when taskset is installed and this process may run on two
// CPUs. want false turns pinning off.
func DetectPinning(want bool) Pinning {
	if !want {
		return Pinning{Reason: "turned off (--pin=false)"}
	}
	path, err := exec.LookPath("taskset")
	if err != nil {
		return Pinning{Reason: "taskset not found (Debian package util-linux)"}
	}
	// NumCPU counts the CPUs this process may run on, so a container limited
	// to one CPU is seen as one.
	if n := runtime.NumCPU(); n < 2 {
		return Pinning{Reason: fmt.Sprintf("only %d CPU available", n)}
	}
	return Pinning{Enabled: true, Load: "0", Target: "1", taskset: path}
}

// String describes the pinning for the report's header.
func (p Pinning) String() string {
	if !p.Enabled {
		return "off: " + p.Reason + "; every process shares every CPU"
	}
	return fmt.Sprintf("wrk and upstreams on CPU %s, process under test on CPU %s (taskset)", p.Load, p.Target)
}

// wrap prefixes argv with taskset for cpus, when pinning is on. taskset
// execs the command, so the process keeps the pid the harness reads /proc by.
func (p Pinning) wrap(cpus string, argv []string) []string {
	if !p.Enabled {
		return argv
	}
	return append([]string{p.taskset, "-c", cpus}, argv...)
}
