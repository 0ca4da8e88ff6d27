//go:build linux

package main

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

// result is one timed command.
type result struct {
	wall   time.Duration
	stdout string
	// maxRSS is what /usr/bin/time -v reports as the maximum resident set
	// size: getrusage of the waited-for process, which Linux takes as the
	// largest of the process and the children it reaped (for simrun, its
	// worker processes). hwm is the process's own VmHWM, polled from
	// /proc/PID/status while it ran (the parent only). Both in bytes.
	maxRSS, hwm int64
}

// run starts the command, polls its VmHWM when pollHWM is set, waits for
// it and returns its wall time, from start to exit.
func run(pollHWM bool, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	var hwm int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	if pollHWM {
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
	r := result{wall: wall, stdout: out.String(), hwm: hwm}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	if err != nil {
		return r, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 2000))
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

// runPair starts two commands at once and returns the time until both
// have exited.
func runPair(a, b []string) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range [][]string{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = run(false, c[0], c[1:]...)
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

// field returns the value of key=VALUE in a line of output.
func field(out, key string) (float64, error) {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no %s= in %q", key, out)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// output runs a command and returns its trimmed standard output, or "" when
// it fails.
func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
