package pgtest

import "syscall"

// sysProcAttr runs the process as cred (nil: as the test's user) and has
// the kernel kill it when the test binary dies (a panic, a -timeout, a
// kill), so no server outlives its test. The kernel keeps the death signal
// across the change of user, which Go makes before setting it.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
}
