package external

import (
	"os"
	"syscall"
)

// sysProcAttr kills the program when the thread that started it dies, as
// a backstop to the kill of its process group.
func sysProcAttr(newGroup bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: newGroup, Pdeathsig: syscall.SIGKILL}
}

func killGroup(pid int) { syscall.Kill(-pid, syscall.SIGKILL) }

// setPipeSize asks Linux for a pipe buffer of n bytes (F_SETPIPE_SZ),
// best effort: an unprivileged process may get at most
// /proc/sys/fs/pipe-max-size, and a refusal leaves the default.
func setPipeSize(f *os.File, n int) {
	const fSetPipeSz = 1031
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			syscall.Syscall(syscall.SYS_FCNTL, fd, fSetPipeSz, uintptr(n))
		})
	}
}
