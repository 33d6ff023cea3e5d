//go:build !linux

package harness

import "syscall"

// childProcAttr: only Linux has a parent-death signal.
func childProcAttr() *syscall.SysProcAttr { return nil }
