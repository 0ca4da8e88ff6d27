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
	"time"
)

// proc is one command to run: its arguments, and optionally a file for
// its standard input (otherwise /dev/null) and whether to keep its output.
type proc struct {
	argv  []string
	stdin string // a file to read standard input from; "" for /dev/null
	dir   string // the working directory; "" for the current one
}

// result is one timed command.
type result struct {
	wall   time.Duration
	stdout string
}

// run starts p, waits for it and returns its wall time, from start to
// exit. Standard output is kept (and returned) unless discard is set, when
// it goes to /dev/null: a kernel run alone writes its replies there.
func run(p proc, discard bool) (result, error) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	var out, errb bytes.Buffer
	if !discard {
		cmd.Stdout = &out
	} // else nil: os/exec gives the child /dev/null
	cmd.Stderr = &errb
	if p.stdin != "" {
		f, err := os.Open(p.stdin)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		cmd.Stdin = f // an *os.File: the child reads the file itself
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("%s: %v", strings.Join(p.argv, " "), err)
	}
	err := cmd.Wait()
	r := result{wall: time.Since(start), stdout: out.String()}
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", shellJoin(p.argv), err, tail(errb.String(), 2000))
	}
	return r, nil
}

// runTogether starts every command at once and returns the time until all
// have exited. Their output is discarded.
func runTogether(ps []proc) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, len(ps))
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = run(p, true)
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

// shellJoin quotes what a shell would split or expand.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$`\\|&;<>()*?[]{}!#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
