//go:build unix

package runner

import (
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// killGroup kills the process group of a worker, which is its own
// (sysProcAttr): the worker and every process it started that did not
// leave the group. A group already gone is no error.
func killGroup(pid int) {
	if pid > 0 {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// dieWithGroup makes a worker process that gets SIGTERM kill its whole
// process group, itself included, rather than leave behind the programs
// its handler started. On Linux a worker gets SIGTERM when its pool's
// process dies (Pdeathsig), where SIGKILL would kill the worker alone:
// a program started through a shell script is not the worker's child, and
// no Pdeathsig of the worker's reaches it. It does nothing unless the
// worker leads a group of its own, as a pool starts it, so that a worker
// started by hand does not kill its shell's group.
func dieWithGroup() {
	pgid := syscall.Getpgrp()
	if ppgid, err := syscall.Getpgid(os.Getppid()); err != nil || ppgid == pgid {
		return
	}
	ownGroup.Store(true)
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() {
		<-c
		syscall.Kill(-pgid, syscall.SIGKILL)
		os.Exit(1) // not reached, unless the group was left
	}()
}

// ownGroup is set in a worker that leads a process group of its own.
var ownGroup atomic.Bool

// exitWithGroup ends a worker process with status code, and first kills
// what it started and left in its group. A worker whose pool died sees
// the end of its input, and may exit that way before the SIGTERM of its
// Pdeathsig is handled; its pool cannot kill its group then.
func exitWithGroup(code int) {
	if ownGroup.Load() {
		killOthersInGroup(syscall.Getpgrp())
	}
	os.Exit(code)
}
