package loadbench

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A /proc/PID/stat line of a real weft process, with utime 1234 and stime 567.
const statLine = "4242 (weft) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 567 0 0 20 0 6 0 12345 1300000000 6000 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{"weft", statLine, 1801, ""},
		{"name with spaces and parentheses", strings.Replace(statLine, "(weft)", "(a) b (c))", 1), 1801, ""},
		{"no name", "4242 weft S 1", 0, "no command name"},
		{"truncated", "4242 (weft) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234", 0, "fields after the name"},
		{"not a number", strings.Replace(statLine, " 1234 ", " x ", 1), 0, "utime"},
		{"negative", strings.Replace(statLine, " 567 ", " -5 ", 1), 0, "stime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseStat = %d, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseStat = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestParsePeakRSS(t *testing.T) {
	const status = "Name:\tweft\nVmPeak:\t 1300000 kB\nVmHWM:\t   24576 kB\nVmRSS:\t   20000 kB\n"
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr string
	}{
		{"status", status, 24576, ""},
		{"no VmHWM", "Name:\tweft\nVmRSS:\t 2 kB\n", 0, "no VmHWM"},
		{"other unit", strings.Replace(status, "24576 kB", "24 MB", 1), 0, "VmHWM"},
		{"not a number", strings.Replace(status, "24576", "lots", 1), 0, "VmHWM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeakRSS([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePeakRSS = %d, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePeakRSS = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestParseSystemBusy(t *testing.T) {
	const stat = "cpu  328522 221 96398 343976 1048 0 3504 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2\n"
	got, err := ParseSystemBusy([]byte(stat))
	if err != nil || got != 328522+221+96398 {
		t.Errorf("ParseSystemBusy = %d, %v; want %d", got, err, 328522+221+96398)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4\n", "cpu 1 2\n", "cpu 1 x 3 4\n"} {
		if got, err := ParseSystemBusy([]byte(bad)); err == nil {
			t.Errorf("ParseSystemBusy(%q) = %d, want an error", bad, got)
		}
	}
}

// TestProcReadsThisMachine reads a real child's /proc files: the parsers
// must agree with the running kernel, not only with the samples above.
func TestProcReadsThisMachine(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// A child that burns CPU for a moment, then waits to be read.
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var ticks int64
	for deadline := time.Now().Add(20 * time.Second); ticks == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if ticks, err = procCPU(cmd.Process.Pid); err != nil {
			t.Fatal(err)
		}
	}
	if ticks == 0 {
		t.Error("a busy child used no CPU time")
	}
	kb, err := procPeakRSS(cmd.Process.Pid)
	if err != nil || kb <= 0 {
		t.Errorf("procPeakRSS = %d, %v", kb, err)
	}
	busy, err := systemBusy()
	if err != nil || busy < ticks {
		t.Errorf("systemBusy = %d, %v; the child alone used %d", busy, err, ticks)
	}
	if hz := ClockTicks(t.Context()); hz <= 0 {
		t.Errorf("ClockTicks = %d", hz)
	}
}

func TestCPUModel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n", "AMD EPYC 7B13"},
		{"processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n\nModel\t: Raspberry Pi 4\n", "Raspberry Pi 4"},
		{"processor\t: 0\nCPU part\t: 0xd0c\n", "0xd0c"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CPUModel([]byte(tt.in)); got != tt.want {
			t.Errorf("CPUModel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPinning(t *testing.T) {
	off := DetectPinning(false)
	if off.Enabled || !strings.Contains(off.String(), "off") {
		t.Errorf("DetectPinning(false) = %+v (%s)", off, off)
	}
	argv := []string{"weft", "serve"}
	if got := off.wrap("1", argv); strings.Join(got, " ") != "weft serve" {
		t.Errorf("unpinned wrap = %q", got)
	}
	on := Pinning{Enabled: true, Load: "0", Target: "1", taskset: "/usr/bin/taskset"}
	if got := on.wrap(on.Target, argv); strings.Join(got, " ") != "/usr/bin/taskset -c 1 weft serve" {
		t.Errorf("pinned wrap = %q", got)
	}
	if s := on.String(); !strings.Contains(s, "CPU 0") || !strings.Contains(s, "CPU 1") {
		t.Errorf("pinning described as %q", s)
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte(statLine))
	f.Add([]byte("1 ()) R"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseStat(b); err == nil && n < 0 {
			t.Errorf("ParseStat = %d", n)
		}
	})
}

func FuzzParsePeakRSS(f *testing.F) {
	f.Add([]byte("VmHWM:\t 1 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParsePeakRSS(b); err == nil && n < 0 {
			t.Errorf("ParsePeakRSS = %d", n)
		}
	})
}

func FuzzParseSystemBusy(f *testing.F) {
	f.Add([]byte("cpu  1 2 3 4 5\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, err := ParseSystemBusy(b); err == nil && n < 0 {
			t.Errorf("ParseSystemBusy = %d", n)
		}
	})
}
