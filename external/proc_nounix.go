//go:build !unix

package external

import (
	"os"
	"syscall"
)

func sysProcAttr(newGroup bool) *syscall.SysProcAttr { return nil }

func killGroup(pid int) {}

func setPipeSize(f *os.File, n int) {}
