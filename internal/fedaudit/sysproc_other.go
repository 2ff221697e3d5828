//go:build !linux

package fedaudit

import "syscall"

// sysProcAttr puts the server in a process group of its own, so that
// stopping it reaches whatever it starts. Where the kernel cannot tie the
// server's life to the test binary's, the test's cleanup alone kills it.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// groupAlive tells whether a process of group pgid still exists (a zombie
// counts here: without /proc it cannot be told apart).
func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }
