package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/simrun/simrun/external"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
)

// ProgramFile is the file in an output directory that describes the
// program of an experiment whose kernel is one (docs/external-kernels.md):
// where it ran, its files' hashes and the spec it declared, so that the
// run's results can be read, reported and checked without starting it,
// and verified by starting it where it was.
const ProgramFile = "program.json"

// savedProgram is the content of ProgramFile.
type savedProgram struct {
	Dir     string          `json:"dir"` // absolute
	Command []string        `json:"command"`
	Files   []sim.FileHash  `json:"files"`
	Runtime string          `json:"runtime,omitempty"`
	Spec    json.RawMessage `json:"spec"`
}

// catalog is the sim.Catalog an engine loads experiments with: its
// registry's kernels, and programs (sim.ProgramCatalog).
type catalog struct {
	*kernels.Registry
	en *Engine
	// keep, if set, receives the program Describe started, left running
	// for the worker that loads the file, instead of being stopped.
	keep **external.Program
	// saved, if set, describes the program from a run's ProgramFile
	// without starting it.
	saved *savedProgram
}

func (en *Engine) catalog() catalog { return catalog{Registry: en.kernels, en: en} }

func (en *Engine) stderr() io.Writer {
	if en.Stderr != nil {
		return en.Stderr
	}
	return os.Stderr
}

// Describe starts p's program, reads its spec, and records the hashes of
// its files (sim.ProgramCatalog).
func (c catalog) Describe(p *sim.Program) (sim.KernelSpec, error) {
	var spec external.Spec
	if c.saved != nil {
		s, err := external.ParseSpec(c.saved.Spec)
		if err != nil {
			return sim.KernelSpec{}, fmt.Errorf("the spec kept in %s: %w", ProgramFile, err)
		}
		spec = s
		p.Dir, p.Hashes, p.Runtime, p.Declared = c.saved.Dir, c.saved.Files, c.saved.Runtime, spec.Raw
	} else {
		hashes, err := hashFiles(p)
		if err != nil {
			return sim.KernelSpec{}, err
		}
		prog, err := external.Start(external.Command{Argv: p.Command, Dir: p.Dir, Stderr: c.en.stderr(), NewGroup: !runner.InWorker()})
		if err != nil {
			return sim.KernelSpec{}, err
		}
		spec = prog.Spec()
		if c.keep != nil {
			*c.keep = prog
		} else {
			// Its spec is all it was started for: how it exits (killed,
			// if it ignores the end of its input) does not matter.
			prog.Close()
		}
		p.Hashes, p.Runtime, p.Declared = hashes, spec.Runtime, spec.Raw
	}
	k := spec.Kernel
	refs := &references{en: c.en, prog: p}
	for i := range k.References {
		name := k.References[i].Name
		k.References[i].Func = func(params sim.Params) float64 { return refs.value(params, name) }
	}
	return k, nil
}

// hashFiles returns the SHA-256 of each file that holds p's code.
func hashFiles(p *sim.Program) ([]sim.FileHash, error) {
	path := func(f string) string {
		if filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(p.Dir, f)
	}
	exists := func(f string) bool {
		fi, err := os.Stat(path(f))
		return err == nil && fi.Mode().IsRegular()
	}
	var hashes []sim.FileHash
	for _, f := range p.CodeFiles(exists) {
		b, err := os.ReadFile(path(f))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("%s, a file of the kernel's code, does not exist in %s (paths are relative to the experiment file)", f, p.Dir)
			}
			return nil, err
		}
		sum := sha256.Sum256(b)
		hashes = append(hashes, sim.FileHash{Path: f, SHA256: hex.EncodeToString(sum[:])})
	}
	return hashes, nil
}

// writeProgram writes ProgramFile for e, whose kernel is a program.
func writeProgram(written *[]string, dir string, e *sim.Experiment) error {
	abs, err := filepath.Abs(e.Program.Dir)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(savedProgram{Dir: abs, Command: e.Program.Command, Files: e.Program.Hashes, Runtime: e.Program.Runtime, Spec: e.Program.Declared}, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(written, dir, ProgramFile, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}

// readProgram reads the ProgramFile of the run in dir; nil if there is none.
func readProgram(dir string) (*savedProgram, error) {
	b, err := os.ReadFile(filepath.Join(dir, ProgramFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	var s savedProgram
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, inputErrorf("engine: %s: %v", filepath.Join(dir, ProgramFile), err)
	}
	return &s, nil
}

// references computes the reference values of a program's kernel, for
// figures and check, with a program started on first use and stopped
// once it has been idle for a while.
type references struct {
	en   *Engine
	prog *sim.Program

	mu     sync.Mutex
	k      *external.Kernel
	idle   *time.Timer
	failed bool // a request failed: the program is asked no more
}

// idleStop is how long a program that computes references is kept
// running without a request.
const idleStop = 2 * time.Second

// value returns reference name at params, or NaN (with a warning, once)
// if the program fails to compute it.
func (r *references) value(params sim.Params, name string) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed {
		return math.NaN()
	}
	if r.k == nil {
		r.k = external.NewKernel(external.Command{Argv: r.prog.Command, Dir: r.prog.Dir, Stderr: r.en.stderr(), NewGroup: true}, nil)
		r.idle = time.AfterFunc(idleStop, r.stop)
	}
	r.idle.Reset(idleStop)
	v := math.NaN()
	err := r.k.Do([]external.Request{{ID: 0, Point: -1, Params: params, Ref: name}}, func(_ int, rep external.Reply, err error) error {
		if err == nil {
			v = rep.Value
		}
		return err
	})
	if err != nil {
		// One message, rather than one per point of a curve.
		r.failed = true
		slog.Warn(fmt.Sprintf("engine: reference %q at %s: %v (the program's references are left out)", name, params.Key(), err))
	}
	return v
}

func (r *references) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.k != nil {
		r.k.Close()
		r.k = nil
	}
}

// programQueued is the work a worker pool keeps queued in each worker of
// a program's kernel (runner.Config.Queued).
const programQueued = 25 * time.Millisecond

// programRunner simulates chunks by sending them to the kernel's program:
// in a worker process as a runner.Forwarder, chunks streaming to the
// program while its replies come back; elsewhere one chunk at a time.
type programRunner struct {
	e      *sim.Experiment
	layout sim.ChunkLayout
	c      external.Command
	prog   *external.Program // the program started to read its spec, if any
	k      *external.Kernel  // for Handle and run, made on first use

	// Used by the goroutine that sends chunks.
	point  int64
	params sim.Params
	key    string
	reqs   []external.Request

	out  []byte
	accs []sim.Acc
}

// newProgramRunner returns the runner of e's program: started, if not nil,
// is one already running. In a worker process (inWorker) the program stays
// in the worker's process group, which the pool kills; elsewhere it has a
// group of its own.
func (en *Engine) newProgramRunner(e *sim.Experiment, started *external.Program, inWorker bool) *programRunner {
	c := external.Command{Argv: e.Program.Command, Dir: e.Program.Dir, Stderr: en.stderr(), NewGroup: !inWorker}
	return &programRunner{e: e, layout: e.Layout(), c: c, prog: started, point: -1}
}

// request builds the request of chunk g.
func (r *programRunner) request(g int64) external.Request {
	point, chunk := r.layout.Split(g)
	if point != r.point {
		p := r.e.Point(point)
		r.point, r.params, r.key = point, p.Params, p.Key
	}
	rg := sim.ChunkRand(r.e.Seed, r.key, chunk)
	return external.Request{ID: g, Point: point, Params: r.params, Chunk: chunk, N: r.e.Budget.ChunkSamples(chunk), State: rg.State()}
}

// Forward implements runner.Forwarder.
func (r *programRunner) Forward(tasks [][]byte) error {
	if r.prog == nil {
		return errors.New("engine: no program started for the worker")
	}
	r.reqs = r.reqs[:0]
	for _, t := range tasks {
		g, n := binary.Uvarint(t)
		if n <= 0 {
			return errors.New("engine: malformed chunk task")
		}
		r.reqs = append(r.reqs, r.request(int64(g)))
	}
	return r.prog.Send(r.reqs)
}

// Result implements runner.Forwarder.
func (r *programRunner) Result() ([]byte, error, error) {
	a, err := r.prog.Receive()
	if err != nil {
		return nil, nil, err
	}
	if a.Err != nil {
		return nil, r.chunkError(a.Req, a.Err), nil
	}
	r.out = sim.AppendAccs(r.out[:0], a.Reply.Accs)
	return r.out, nil, nil
}

// Ready implements runner.Forwarder.
func (r *programRunner) Ready() bool { return r.prog.Ready() }

// Handle implements runner.Handler, for in-process workers: one chunk at
// a time, and a program that dies fails the chunk.
func (r *programRunner) Handle(dst, task []byte) ([]byte, error) {
	g, n := binary.Uvarint(task)
	if n <= 0 {
		return dst, errors.New("engine: malformed chunk task")
	}
	accs, err := r.run(int64(g))
	if err != nil {
		return dst, err
	}
	return sim.AppendAccs(dst, accs), nil
}

func (r *programRunner) run(g int64) ([]sim.Acc, error) {
	if r.k == nil {
		r.k = external.NewKernel(r.c, r.prog)
	}
	r.reqs = append(r.reqs[:0], r.request(g))
	var cerr error
	err := r.k.Do(r.reqs, func(_ int, rep external.Reply, err error) error {
		if err != nil {
			cerr = r.chunkError(&r.reqs[0], err)
			return nil
		}
		r.accs = append(r.accs[:0], rep.Accs...)
		return nil
	})
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return r.accs, nil
}

// chunkError adds to a chunk's error the request that reproduces it: the
// program can be run by hand on it.
func (r *programRunner) chunkError(req *external.Request, err error) error {
	return fmt.Errorf("%w\n(the requests that reproduce it, after the handshake: %s)", err, external.Replay(req))
}

// Close stops the program.
func (r *programRunner) Close() error {
	if r.k != nil {
		return r.k.Close()
	}
	if r.prog != nil {
		return r.prog.Close()
	}
	return nil
}
