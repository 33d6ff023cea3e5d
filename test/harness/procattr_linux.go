package harness

import "syscall"

// childProcAttr makes a child started by the harness (a manager, a
// registry) die with the test process instead of lingering.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
