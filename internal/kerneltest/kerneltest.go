// Package kerneltest is a kernel program for tests: a test binary that
// calls Play, when started with the arguments a test's experiment file
// gives its kernel command, speaks simrun's kernel protocol
// (docs/external-kernels.md), well or in one of the ways real programs
// go wrong, as os/exec's tests let their binary play the child.
package kerneltest

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Spec is the spec the kernel declares: parameters a and s; observables u
// (the chunk's uniforms, from its xoshiro256++ state, iid) and a2 (2a,
// every sample); and the exact reference half of u, 1/2.
const Spec = `{"protocol": 1, "name": "fake", "version": 1, "runtime": "go test", ` +
	`"params": [{"name": "a", "type": "int", "default": 2, "min": 0}, {"name": "s", "type": "string", "default": "x"}], ` +
	`"observables": [{"name": "u", "iid": true}, {"name": "a2"}], ` +
	`"references": [{"name": "half", "of": "u", "exact": true, "doc": "1/2"}]}`

// The specs of the modes that declare a malformed one.
var badSpecs = map[string]string{
	"unknown-field":  `{"protocol": 1, "name": "fake", "observables": [{"name": "u"}], "colour": "red"}`,
	"no-observables": `{"protocol": 1, "name": "fake"}`,
	"protocol-2":     `{"protocol": 2, "name": "fake", "observables": [{"name": "u"}]}`,
	"reserved-param": `{"protocol": 1, "name": "fake", "params": [{"name": "mean", "type": "float"}], "observables": [{"name": "u"}]}`,
	"bad-default":    `{"protocol": 1, "name": "fake", "params": [{"name": "p", "type": "float", "default": 2, "max": 1}], "observables": [{"name": "u"}]}`,
}

// Play plays the kernel and returns its exit status. args are a mode and
// its argument. Modes that answer every chunk, or fail some:
//
//	good              answers every chunk
//	error             fails (an error reply with a traceback) the chunks of points with a = 13
//	error-all         fails every chunk, with a message of two lines quoting s
//	values            answers with values (0.25 0.75 for u, 2a for a2), not accumulators
//	crash-once FILE   exits 1 at its first chunk, unless FILE exists, which it creates
//	crash-always      exits 1 at its first chunk
//	hang-once FILE    hangs at its first chunk, unless FILE exists, which it creates
//	stubborn          ignores SIGINT and the end of its input, and takes 20 ms a chunk
//	slow              takes 10 ms a chunk
//
// Modes that break the handshake: exit-handshake (exit 3, with a message
// on stderr), garbage-handshake, refuse (an error line), hang-handshake,
// and the malformed specs unknown-field, no-observables, protocol-2,
// reserved-param and bad-default. Modes that break the protocol in their
// replies: garbage, wrong-id, nonfinite, short, extra, negative-m2, and
// bad-second (garbage for every chunk whose ID is 2 mod 3).
func Play(args []string) int {
	mode, arg := args[0], ""
	if len(args) > 1 {
		arg = args[1]
	}
	if mode == "stubborn" {
		signal.Ignore(os.Interrupt)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	if !in.Scan() || in.Text() != "simrun-kernel 1" {
		return 2
	}
	switch mode {
	case "exit-handshake":
		fmt.Fprintln(os.Stderr, "ImportError: No module named numpy")
		return 3
	case "garbage-handshake":
		fmt.Println("hello")
		return 0
	case "refuse":
		fmt.Println(`error numpy is\nmissing`)
		return 0
	case "hang-handshake":
		time.Sleep(time.Hour)
		return 0
	}
	if spec, ok := badSpecs[mode]; ok {
		fmt.Println(spec)
	} else {
		fmt.Println(Spec)
	}
	first := true
	var a int64
	var s string
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch f[0] {
		case "point":
			for _, kv := range f[2:] {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "a":
					a, _ = strconv.ParseInt(v, 10, 64)
				case "s":
					s = v
				}
			}
		case "reference":
			fmt.Fprintf(out, "ok %s 0.5\n", f[1])
		case "chunk":
			if first {
				first = false
				switch mode {
				case "crash-once", "hang-once":
					if _, err := os.Stat(arg); err != nil {
						os.WriteFile(arg, nil, 0o666)
						fmt.Fprintf(os.Stderr, "Traceback (most recent call last):\n  %s as asked\n", mode)
						if mode == "hang-once" {
							time.Sleep(time.Hour)
						}
						return 1
					}
				case "crash-always":
					fmt.Fprintln(os.Stderr, "Traceback (most recent call last):\nMemoryError: crash-always as asked")
					return 1
				}
			}
			switch mode {
			case "stubborn":
				time.Sleep(20 * time.Millisecond)
			case "slow":
				time.Sleep(10 * time.Millisecond)
			}
			fmt.Fprintln(out, reply(mode, f, a, s))
		case "flush":
			out.Flush()
		}
	}
	out.Flush()
	if mode == "stubborn" {
		time.Sleep(time.Hour)
	}
	return 0
}

// reply answers the chunk request f at the point of a and s, as mode says.
func reply(mode string, f []string, a int64, s string) string {
	id, _ := strconv.ParseInt(f[1], 10, 64)
	switch {
	case mode == "error" && a == 13:
		return fmt.Sprintf("error %d Traceback (most recent call last):\\n  File \"fake.py\", line 13, in sample\\nValueError: a = 13 is unlucky", id)
	case mode == "error-all":
		return fmt.Sprintf("error %d ValueError: s = %s\\n  at line \\\\7", id, s)
	case mode == "values":
		return fmt.Sprintf("values %d 2 0.25 0.75 1 %d", id, 2*a)
	case mode == "bad-second" && id%3 == 2, mode == "garbage":
		return fmt.Sprintf("oops %d", id)
	case mode == "wrong-id":
		return fmt.Sprintf("ok %d 1 1 0 1 1 1 1 0 1 1", id+7)
	case mode == "nonfinite":
		return fmt.Sprintf("ok %d 1 nan 0 1 1 1 1 0 1 1", id)
	case mode == "short":
		return fmt.Sprintf("ok %d 1 1 0 1 1", id)
	case mode == "negative-m2":
		return fmt.Sprintf("ok %d 2 1 -1 1 1 1 1 0 1 1", id)
	}
	n, _ := strconv.ParseInt(f[3], 10, 64)
	var st [4]uint64
	for i := range st {
		st[i], _ = strconv.ParseUint(f[5+i], 10, 64)
	}
	r := rng.New(st)
	var u, c sim.Acc
	for range n {
		u.Add(r.Float64())
		c.Add(float64(2 * a))
	}
	ok := fmt.Sprintf("ok %d %d %v %v %v %v %d %v %v %v %v", id, u.N, u.Mean, u.M2, u.Min, u.Max, c.N, c.Mean, c.M2, c.Min, c.Max)
	if mode == "extra" {
		ok += " 5"
	}
	return ok
}
