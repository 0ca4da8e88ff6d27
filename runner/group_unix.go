//go:build unix

package runner

import (
	"os"
	"os/signal"
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
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	go func() {
		<-c
		syscall.Kill(-pgid, syscall.SIGKILL)
		os.Exit(1) // not reached, unless the group was left
	}()
}
