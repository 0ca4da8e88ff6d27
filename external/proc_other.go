//go:build unix && !linux

package external

import "syscall"

func sysProcAttr(newGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: newGroup}
}

func killGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }
