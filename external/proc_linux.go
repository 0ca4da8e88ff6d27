package external

import "syscall"

// sysProcAttr kills the program when the thread that started it dies, as
// a backstop: the program stays in its starter's process group, which is
// what runner kills.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
