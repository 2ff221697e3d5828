package redistest

import "syscall"

// sysProcAttr has the kernel kill the server when the test binary dies
// (a panic, a -timeout, a kill), so no server outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
