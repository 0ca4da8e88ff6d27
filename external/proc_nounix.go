//go:build !unix

package external

import "syscall"

func sysProcAttr(newGroup bool) *syscall.SysProcAttr { return nil }

func killGroup(pid int) {}
