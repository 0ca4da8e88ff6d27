package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"

	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// verifyCmd reruns chunks of a finished run in this process and compares
// them bit for bit with the run's chunks.bin: whether this binary on this
// machine reproduces the results in DIR. By default it checks a sample of
// chunks spread over the whole run; --all checks every one.
func verifyCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", "DIR", stderr)
	n := fs.Int64("chunks", 20, "rerun `N` chunks spread evenly over the run")
	all := fs.Bool("all", false, "rerun every chunk of the run")
	pos, err := parseArgs(fs, args, 1, "one results directory")
	if err != nil {
		return err
	}
	if *n < 1 && !*all {
		return usagef("simrun verify: --chunks %d: want at least 1", *n)
	}
	dir := pos[0]
	e, res, accs, err := loadRun(dir)
	if err != nil {
		return err
	}
	pv := res.Provenance
	switch {
	case pv.FileSHA256 != e.SHA256:
		return fmt.Errorf("simrun verify: %s does not match the run's results.json (SHA-256 %.12s…, not %.12s…): it was changed after the run", e.File, e.SHA256, pv.FileSHA256)
	case pv.Kernel != e.Kernel.Name || pv.KernelVersion != e.Kernel.Version:
		return fmt.Errorf("simrun verify: %s was made by version %d of kernel %q; this simrun has version %d of %q, whose samples differ: rerun it with `simrun run --force`",
			dir, pv.KernelVersion, pv.Kernel, e.Kernel.Version, e.Kernel.Name)
	case pv.Generator != rng.Algorithm || pv.SeedScheme != sim.SeedScheme:
		return fmt.Errorf("simrun verify: %s was made with another generator or seeding scheme (%s; %s)", dir, pv.Generator, pv.SeedScheme)
	}

	nobs := int64(len(e.Kernel.Observables))
	var have []int64 // the chunks the run completed, in order
	total, _ := e.NumChunks()
	for g := range total {
		if ran(accs[g*nobs : (g+1)*nobs]) {
			have = append(have, g)
		}
	}
	if len(have) == 0 {
		return fmt.Errorf("simrun verify: %s holds no completed chunk to verify", dir)
	}
	picked := have
	if !*all && int64(len(have)) > *n {
		picked = make([]int64, *n)
		for k := range picked {
			picked[k] = have[int64(k)*int64(len(have)) / *n]
		}
	}

	mismatches, err := rerunChunks(e, picked, accs)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%d of the %d chunks", len(picked), len(have))
	if len(picked) == len(have) {
		what = fmt.Sprintf("all %d chunks", len(have))
	}
	if len(mismatches) > 0 {
		fmt.Fprintf(stdout, "%s of %s differ from %s:\n", count(int64(len(mismatches)), "chunk"), what, dir)
		for _, m := range mismatches[:min(len(mismatches), 10)] {
			fmt.Fprintf(stdout, "  %s\n", m)
		}
		if len(mismatches) > 10 {
			fmt.Fprintf(stdout, "  ... and %d more\n", len(mismatches)-10)
		}
		return fmt.Errorf("simrun verify: %s does not reproduce here: %d of %d chunks differ", dir, len(mismatches), len(picked))
	}
	fmt.Fprintf(stdout, "verified %s of %s: identical to the bit (kernel %s version %d, seed %d, %s)\n",
		what, dir, e.Kernel.Name, e.Kernel.Version, e.Seed, rng.Algorithm)
	return nil
}

// ran reports whether a chunk's accumulators hold samples: a chunk that a
// partial run did not complete is all zero in chunks.bin.
func ran(accs []sim.Acc) bool {
	for _, a := range accs {
		if a.N != 0 {
			return true
		}
	}
	return false
}

// rerunChunks runs the chunks g of e on GOMAXPROCS goroutines and describes
// each whose accumulators differ from want (laid out like chunks.bin) in
// any bit, in chunk order.
func rerunChunks(e *sim.Experiment, chunks []int64, want []sim.Acc) ([]string, error) {
	nobs := len(e.Kernel.Observables)
	diffs := make([]string, len(chunks))
	errs := make([]error, len(chunks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		h, err := setupChunks(encodeInit(e))
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			got := make([]sim.Acc, nobs)
			var out []byte
			for k := range next {
				g := chunks[k]
				out, errs[k] = handleRecovered(h, out[:0], binary.AppendUvarint(nil, uint64(g)))
				if errs[k] == nil {
					errs[k] = decodeAccs(out, got)
				}
				if errs[k] == nil {
					diffs[k] = chunkDiff(e, g, want[g*int64(nobs):(g+1)*int64(nobs)], got)
				}
			}
		})
	}
	for k := range chunks {
		next <- k
	}
	close(next)
	wg.Wait()
	var mismatches []string
	for k, g := range chunks {
		if errs[k] != nil {
			return nil, fmt.Errorf("simrun verify: point %d, chunk %d: %w", g/e.Budget.Chunks, g%e.Budget.Chunks, errs[k])
		}
		if diffs[k] != "" {
			mismatches = append(mismatches, diffs[k])
		}
	}
	return mismatches, nil
}

// chunkDiff describes the first observable of chunk g whose accumulator
// differs between want and got, or returns "".
func chunkDiff(e *sim.Experiment, g int64, want, got []sim.Acc) string {
	for i := range want {
		w, a := want[i], got[i]
		if w.N == a.N && sameBits(w.Mean, a.Mean) && sameBits(w.M2, a.M2) && sameBits(w.Min, a.Min) && sameBits(w.Max, a.Max) {
			continue
		}
		point, chunk := g/e.Budget.Chunks, g%e.Budget.Chunks
		return fmt.Sprintf("point %d (%s), chunk %d: %s: n %d, mean %v in chunks.bin; n %d, mean %v now (rerun: %s)",
			point, e.Point(point).Key, chunk, e.Kernel.Observables[i].Name, w.N, w.Mean, a.N, a.Mean, rerunCommand(e, point, chunk))
	}
	return ""
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// handleRecovered runs one chunk, turning a kernel's panic into an error
// (simrun chunk reruns it without recovering, for the whole stack).
func handleRecovered(h runner.Handler, dst, task []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = dst, fmt.Errorf("the kernel panicked: %v", p)
		}
	}()
	return h.Handle(dst, task)
}
