package loadbench

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"
)

// Machine describes where a benchmark ran.
type Machine struct {
	CPU    string `json:"cpu"`
	Cores  int    `json:"cores"`
	Go     string `json:"go"`
	Kernel string `json:"kernel"`
	OS     string `json:"os"`
}

// DetectMachine reads the CPU model and kernel from /proc; the Go version is
// the toolchain that built this binary, which built the gateway too.
func DetectMachine() Machine {
	m := Machine{
		Cores: runtime.NumCPU(),
		Go:    runtime.Version(),
		OS:    runtime.GOOS + "/" + runtime.GOARCH,
		CPU:   "unknown",
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if model := CPUModel(b); model != "" {
			m.CPU = model
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// CPUModel finds the first processor's model in the contents of
// /proc/cpuinfo ("model name" on x86, "Model" or "CPU part" elsewhere).
func CPUModel(cpuinfo []byte) string {
	found := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if _, seen := found[k]; !seen && v != "" {
			found[k] = v
		}
	}
	for _, k := range []string{"model name", "Model", "cpu model", "CPU part"} {
		if v := found[k]; v != "" {
			return v
		}
	}
	return ""
}
