//go:build unix && !linux

package runner

import "syscall"

// sysProcAttr puts a worker in its own process group, so that a ^C at the
// terminal reaches only the pool's process, which then stops the workers in
// order. Without Pdeathsig, a worker whose pool dies exits when its task
// pipe reaches end of file, after the tasks it holds.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
