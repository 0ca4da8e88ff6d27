package runner

import "syscall"

// sysProcAttr puts a worker in its own process group, so that a ^C at the
// terminal reaches only the pool's process, which then stops the workers in
// order, and sends it SIGTERM when the thread that started it dies: the
// worker then kills its group (dieWithGroup), so that what it started dies
// with it.
//
// Pdeathsig follows the thread, not the process: a worker also dies if the
// Go runtime ends that thread, which it does only when a goroutine locked
// to it with runtime.LockOSThread exits without unlocking.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
