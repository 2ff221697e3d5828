//go:build !linux

package weft_test

import "syscall"

// gatewayProcAttr sets nothing where the kernel cannot tie weft's life to
// the test binary's; the suite's cleanup stops it.
func gatewayProcAttr() *syscall.SysProcAttr { return nil }
