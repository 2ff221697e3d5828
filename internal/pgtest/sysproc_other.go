//go:build !linux

package pgtest

import "syscall"

// sysProcAttr runs the process as cred (nil: as the test's user); where the
// kernel cannot tie the server's life to the test binary's, the test's
// cleanup stops it.
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred}
}
