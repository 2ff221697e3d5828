package weft_test

import "syscall"

// gatewayProcAttr has the kernel kill a suite's weft when the test binary
// dies (a panic, a -timeout), so none outlives the test.
func gatewayProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
