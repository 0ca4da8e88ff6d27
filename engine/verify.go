package engine

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// DefaultVerifyChunks is how many chunks Verify reruns by default.
const DefaultVerifyChunks = 20

// A Verification is what Verify found.
type Verification struct {
	Run *SavedRun
	// Checked is how many chunks were rerun, of the Completed ones the
	// run holds.
	Checked, Completed int
	Mismatches         []Mismatch // in chunk order
	// Files describes each of results.json and the tables that does not
	// hold what chunks.bin gives (an edited or stale file).
	Files []string
	// Compared names the files compared with what chunks.bin gives:
	// results.json and the tables the experiment writes.
	Compared []string
}

// A Mismatch is a rerun chunk whose accumulators differ from the run's.
type Mismatch struct {
	Point, Chunk int64
	Key          string // the point's parameters
	Observable   string // the first observable that differs
	Want, Got    sim.Acc
	Rerun        string // the command that reruns the chunk
}

func (m Mismatch) String() string {
	return fmt.Sprintf("point %d (%s), chunk %d: %s: n %d, mean %v in chunks.bin; n %d, mean %v now (rerun: %s)",
		m.Point, m.Key, m.Chunk, m.Observable, m.Want.N, m.Want.Mean, m.Got.N, m.Got.Mean, m.Rerun)
}

// Verify reruns chunks of the finished (or merged, or partial) run in dir
// on this machine and compares them with the run's chunks.bin to the bit:
// whether this binary reproduces the results. It reruns n chunks spread
// evenly over the completed ones (DefaultVerifyChunks if n is 0), or every
// one if n < 0. Results of another kernel, kernel version, generator or
// experiment file are refused with an error saying which. It also checks
// that results.json and results.csv hold what chunks.bin gives
// (Verification.Files).
func (en *Engine) Verify(dir string, n int) (*Verification, error) {
	if err := isRunDir(dir); err != nil {
		return nil, err
	}
	res, err := ReadResults(filepath.Join(dir, ResultsJSON))
	if err != nil {
		return nil, err
	}
	pv := res.Provenance
	if _, ok := en.kernels.Kernel(pv.Kernel); !ok && pv.Kernel != "" && pv.Program == nil {
		need := "the module that provides it"
		if pv.KernelModule != "" {
			need = "module " + pv.KernelModule
		}
		return nil, fmt.Errorf("engine: %s was made by version %d of kernel %q%s, in the binary of %s; this binary, of %s, has no kernel %q: verify it with a simrun built with %s",
			dir, pv.KernelVersion, pv.Kernel, ofModule(pv.KernelModule), builtBy(pv.Module, pv.Version), builtBy(en.build.Module, en.build.Version), pv.Kernel, need)
	}
	r, err := en.ReadRun(dir)
	if err != nil {
		return nil, err
	}
	r.Results = res
	e := r.Experiment
	switch {
	case pv.FileSHA256 != e.SHA256:
		return nil, fmt.Errorf("engine: %s does not match the run's results.json (SHA-256 %.12s…, not %.12s…): it was changed after the run", e.File, e.SHA256, pv.FileSHA256)
	case pv.Kernel != e.Kernel.Name || pv.KernelVersion != e.Kernel.Version:
		return nil, fmt.Errorf("engine: %s was made by version %d of kernel %q; this simrun has version %d of %q, whose samples differ: rerun it with `simrun run --force`",
			dir, pv.KernelVersion, pv.Kernel, e.Kernel.Version, e.Kernel.Name)
	case pv.Generator != rng.Algorithm || pv.SeedScheme != sim.SeedScheme:
		return nil, fmt.Errorf("engine: %s was made with another generator or seeding scheme (%s; %s)", dir, pv.Generator, pv.SeedScheme)
	}

	if n == 0 {
		n = DefaultVerifyChunks
	}
	completed, picked, want, err := r.pickChunks(n)
	if err != nil {
		return nil, err
	}
	if completed == 0 {
		return nil, fmt.Errorf("engine: %s holds no completed chunk to verify", dir)
	}
	mismatches, err := en.rerunChunks(e, picked, want)
	if err != nil {
		return nil, err
	}
	return &Verification{Run: r, Checked: len(picked), Completed: int(completed), Mismatches: mismatches, Files: checkResultFiles(r),
		Compared: append([]string{ResultsJSON}, TableNames(r.Experiment)...)}, nil
}

func ofModule(m string) string {
	if m == "" {
		return ""
	}
	return " of module " + m
}

func builtBy(module, version string) string {
	if module == "" {
		return "an unknown binary"
	}
	return module + " " + version
}

// pickChunks reads the run's chunks.bin through, in blocks, twice: to
// count its completed chunks, then to take n of them spread evenly over
// them (every one, for n < 0), in chunk order, with their accumulators.
// Its memory grows with n, not with the chunks.
func (r *SavedRun) pickChunks(n int) (completed int64, picked []int64, accs [][]sim.Acc, err error) {
	if err := eachDoneChunk(r.Dir, r.Experiment, func(int64, []sim.Acc) error { completed++; return nil }); err != nil {
		return 0, nil, nil, err
	}
	want := int64(n)
	if n < 0 || want > completed {
		want = completed
	}
	// The k-th of want is completed chunk number k·completed/want.
	k, ord := int64(0), int64(0)
	err = eachDoneChunk(r.Dir, r.Experiment, func(g int64, a []sim.Acc) error {
		if k < want && ord == k*completed/want {
			picked = append(picked, g)
			accs = append(accs, slices.Clone(a))
			k++
		}
		ord++
		return nil
	})
	return completed, picked, accs, err
}

// eachDoneChunk calls fn with the global index and accumulators of every
// completed chunk (sim.ChunkDone) of dir's chunks.bin, of e's layout, in
// chunk order, reading it in blocks (report.ChunkReader): the slice is
// reused. Errors reading it are *InputErrors naming it; fn's are returned
// as they are.
func eachDoneChunk(dir string, e *sim.Experiment, fn func(g int64, accs []sim.Acc) error) error {
	path := filepath.Join(dir, ChunksFile)
	f, err := os.Open(path)
	if err != nil {
		return &InputError{fmt.Errorf("engine: %w", err)}
	}
	defer f.Close()
	l := e.Layout()
	cr := report.NewChunkReader(f, l, e.NumPoints())
	for p := range e.NumPoints() {
		if err := cr.Point(p); err != nil {
			return inputErrorf("engine: %s: %w", path, err)
		}
		c := int64(0)
		var fnErr error
		err := cr.Each(func(a []sim.Acc) error {
			if sim.ChunkDone(a) {
				fnErr = fn(l.Index(p, c), a)
			}
			c++
			return fnErr
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return inputErrorf("engine: %s: %w", path, err)
		}
	}
	return nil
}

// rerunChunks runs the chunks of e on GOMAXPROCS goroutines and returns
// those whose accumulators differ from want's (want[k] for chunks[k]) in
// any bit, in chunk order.
func (en *Engine) rerunChunks(e *sim.Experiment, chunks []int64, want [][]sim.Acc) ([]Mismatch, error) {
	found := make([]*Mismatch, len(chunks))
	errs := make([]error, len(chunks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		cr, err := en.newSimulator(e)
		if err != nil {
			return nil, err
		}
		defer cr.Close()
		wg.Go(func() {
			for k := range next {
				g := chunks[k]
				var got []sim.Acc
				got, errs[k] = runRecovered(cr, g)
				if errs[k] == nil {
					found[k] = en.chunkDiff(e, g, want[k], got)
				}
			}
		})
	}
	for k := range chunks {
		next <- k
	}
	close(next)
	wg.Wait()
	var mismatches []Mismatch
	for k, g := range chunks {
		if errs[k] != nil {
			p, c := e.Layout().Split(g)
			return nil, fmt.Errorf("engine: verify: point %d, chunk %d: %w", p, c, errs[k])
		}
		if found[k] != nil {
			mismatches = append(mismatches, *found[k])
		}
	}
	return mismatches, nil
}

// chunkDiff describes the first observable of chunk g whose accumulator
// differs between want and got, or returns nil.
func (en *Engine) chunkDiff(e *sim.Experiment, g int64, want, got []sim.Acc) *Mismatch {
	for i := range want {
		w, a := want[i], got[i]
		if w.N == a.N && sameBits(w.Mean, a.Mean) && sameBits(w.M2, a.M2) && sameBits(w.Min, a.Min) && sameBits(w.Max, a.Max) {
			continue
		}
		p, c := e.Layout().Split(g)
		return &Mismatch{Point: p, Chunk: c, Key: e.Point(p).Key, Observable: e.Kernel.Observables[i].Name, Want: w, Got: a, Rerun: en.RerunCommand(e, p, c)}
	}
	return nil
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// runRecovered runs chunk g, turning a kernel's panic into an error
// (Chunk reruns it without recovering, for the whole stack). The
// accumulators are a copy.
func runRecovered(cr simulator, g int64) (accs []sim.Acc, err error) {
	defer func() {
		if p := recover(); p != nil {
			accs, err = nil, fmt.Errorf("the kernel panicked: %v", p)
		}
	}()
	accs, err = cr.run(g)
	return append([]sim.Acc(nil), accs...), err
}
