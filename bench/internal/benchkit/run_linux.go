package benchkit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cmd is one command to run and time.
type Cmd struct {
	Argv    []string // the program and its arguments
	Stdin   string   // a file to read standard input from; "" for /dev/null
	Discard bool     // standard output to /dev/null rather than Result.Stdout
	PollHWM bool     // poll the process's VmHWM while it runs (Result.HWM)
}

// Result is one timed command.
type Result struct {
	Wall   time.Duration // from start to exit
	Stdout string        // unless Cmd.Discard
	// MaxRSS is what /usr/bin/time -v reports as the maximum resident set
	// size: getrusage of the waited-for process, which Linux takes as the
	// largest of the process and the children it reaped. HWM is the
	// process's own VmHWM, polled from /proc/PID/status every 5 ms while
	// it ran (the process only, and only with Cmd.PollHWM). Both in bytes.
	MaxRSS, HWM int64
}

// Run starts c, waits for it and returns its wall time, from start to
// exit. Its standard error is kept for the error, the last 2000 bytes of
// it, when the command fails.
func Run(c Cmd) (Result, error) {
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	var out, errb bytes.Buffer
	if !c.Discard {
		cmd.Stdout = &out
	} // else nil: os/exec gives the child /dev/null
	cmd.Stderr = &errb
	if c.Stdin != "" {
		f, err := os.Open(c.Stdin)
		if err != nil {
			return Result{}, err
		}
		defer f.Close()
		cmd.Stdin = f // an *os.File: the child reads the file itself
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("%s: %v", strings.Join(c.Argv, " "), err)
	}
	var hwm int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	if c.PollHWM {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				if v := readHWM(path); v > hwm {
					hwm = v
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		}()
	}
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	wg.Wait()
	r := Result{Wall: wall, Stdout: out.String(), HWM: hwm}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", ShellJoin(c.Argv), err, Tail(errb.String(), 2000))
	}
	return r, nil
}

// readHWM returns the VmHWM of a /proc/PID/status file in bytes, or 0 once
// the process has exited (a zombie has no memory lines).
func readHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// RunTogether starts every command at once and returns the time until all
// have exited, and the first of their errors.
func RunTogether(cs ...Cmd) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(c)
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return wall, err
		}
	}
	return wall, nil
}
