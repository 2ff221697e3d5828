//go:build !linux

package redistest

import "syscall"

// sysProcAttr sets nothing where the kernel cannot tie the server's life to
// the test binary's; the test's cleanup kills it.
func sysProcAttr() *syscall.SysProcAttr { return nil }
