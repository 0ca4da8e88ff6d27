//go:build !linux

package external

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
