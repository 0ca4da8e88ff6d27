//go:build unix && !linux

package external

import (
	"os"
	"syscall"
)

func sysProcAttr(newGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: newGroup}
}

func killGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }

func setPipeSize(f *os.File, n int) {}
