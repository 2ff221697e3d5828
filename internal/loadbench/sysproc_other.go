//go:build !linux

package loadbench

import "syscall"

// sysProcAttr puts a child in its own process group. Only Linux can also
// tie the child's life to the harness's; elsewhere the harness's own
// cleanup is all there is (and /proc, which the report reads, is Linux's).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
