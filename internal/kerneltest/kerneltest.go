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

// Spec is the spec the kernel declares: parameter a, observables u (the
// chunk's uniforms, from its xoshiro256++ state) and a2 (2a, every
// sample), and the exact reference half of u, 1/2.
const Spec = `{"protocol": 1, "name": "fake", "version": 1, "runtime": "go test", "params": [{"name": "a", "type": "int", "default": 2, "min": 0}], "observables": [{"name": "u", "iid": true}, {"name": "a2", "iid": true}], "references": [{"name": "half", "of": "u", "exact": true, "doc": "1/2"}]}`

// Play plays the kernel and returns its exit status. args are a mode and
// its argument:
//
//	good              answers every chunk
//	error             fails (an error reply with a traceback) the chunks of points with a = 13
//	crash-once FILE   exits 1 at its first chunk, unless FILE exists, which it creates
//	crash-always      exits 1 at its first chunk
//	hang-once FILE    hangs at its first chunk, unless FILE exists, which it creates
//	stubborn          ignores SIGINT and the end of its input, and takes 20 ms a chunk
//	slow              takes 10 ms a chunk
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
	fmt.Println(Spec)
	first := true
	var a int64
	for in.Scan() {
		f := strings.Fields(in.Text())
		switch f[0] {
		case "point":
			for _, kv := range f[2:] {
				if v, ok := strings.CutPrefix(kv, "a="); ok {
					a, _ = strconv.ParseInt(v, 10, 64)
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
			id := f[1]
			if mode == "error" && a == 13 {
				fmt.Fprintf(out, "error %s Traceback (most recent call last):\\n  File \"fake.py\", line 13, in sample\\nValueError: a = 13 is unlucky\n", id)
				continue
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
			fmt.Fprintf(out, "ok %s %d %v %v %v %v %d %v %v %v %v\n", id, u.N, u.Mean, u.M2, u.Min, u.Max, c.N, c.Mean, c.M2, c.Min, c.Max)
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
