package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/simrun/simrun/external"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// chunkHandler is the runner handler that simulates chunks. Its init bytes
// carry the experiment file (so every worker validates and expands the
// very same bytes); a task is one uvarint, the chunk's global index
// (sim.ChunkTable); a result is the chunk's accumulators, sim.AccSize
// bytes per observable.
const chunkHandler = "simrun/chunk"

// poolConfig is the part of a worker pool's configuration that runs the
// chunks of e.
func (en *Engine) poolConfig(e *sim.Experiment) runner.Config {
	return runner.Config{Handler: chunkHandler, Setup: en.setupChunks, Init: encodeInit(e)}
}

// encodeInit packs the experiment file's path and bytes for the workers.
func encodeInit(e *sim.Experiment) []byte {
	b := binary.AppendUvarint(nil, uint64(len(e.File)))
	b = append(b, e.File...)
	return append(b, e.Source...)
}

func decodeInit(b []byte) (path string, src []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, errors.New("engine: malformed worker init")
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

func (en *Engine) setupChunks(init []byte) (runner.Handler, error) {
	path, src, err := decodeInit(init)
	if err != nil {
		return nil, err
	}
	// The program that a kernel table names is started to read its spec,
	// and then kept to run the chunks.
	var started *external.Program
	cat := en.catalog()
	cat.keep = &started
	e, err := sim.Parse(path, src, cat)
	if err != nil {
		return nil, err
	}
	if e.Program != nil {
		return en.newProgramRunner(e, started, runner.InWorker()), nil
	}
	return en.newChunkRunner(e)
}

// A simulator runs chunks, one at a time (run) or as a runner.Handler.
type simulator interface {
	runner.Handler
	// run simulates chunk g and returns its accumulators, valid until
	// the next call.
	run(g int64) ([]sim.Acc, error)
	Close() error
}

// newSimulator returns the simulator of e's kernel, run in this process.
func (en *Engine) newSimulator(e *sim.Experiment) (simulator, error) {
	if e.Program != nil {
		return en.newProgramRunner(e, nil, false), nil
	}
	return en.newChunkRunner(e)
}

func (en *Engine) newChunkRunner(e *sim.Experiment) (*chunkRunner, error) {
	k, err := en.kernel(e)
	if err != nil {
		return nil, err
	}
	return &chunkRunner{e: e, k: k, layout: e.Layout(), point: -1, obs: make([]sim.Acc, len(e.Kernel.Observables))}, nil
}

// chunkRunner simulates chunks in a worker. Tasks arrive point by point,
// so it keeps the last point's sampler.
type chunkRunner struct {
	e       *sim.Experiment
	k       kernels.Kernel
	layout  sim.ChunkLayout
	point   int64
	key     []byte // of point, for its chunks' seeds
	sampler kernels.Sampler
	obs     []sim.Acc
	rng     rng.Xoshiro256
}

func (c *chunkRunner) Handle(dst, task []byte) ([]byte, error) {
	id, n := binary.Uvarint(task)
	if n <= 0 {
		return dst, errors.New("engine: malformed chunk task")
	}
	obs, err := c.run(int64(id))
	if err != nil {
		return dst, err
	}
	return sim.AppendAccs(dst, obs), nil
}

// run simulates chunk g and returns its accumulators, valid until the
// next call.
func (c *chunkRunner) run(g int64) ([]sim.Acc, error) {
	point, chunk := c.layout.Split(g)
	if point != c.point {
		params := c.e.PointParams(point)
		s, err := c.k.New(params)
		if err != nil {
			return nil, fmt.Errorf("point %d (%s): %w", point, params.Key(), err)
		}
		c.point, c.key, c.sampler = point, c.e.AppendKey(c.key[:0], point), s
	}
	clear(c.obs)
	// In the runner, not on the stack: Sample, an interface's method,
	// would make it escape, an allocation a chunk.
	c.rng = sim.ChunkRand(c.e.Seed, c.key, chunk)
	c.sampler.Sample(&c.rng, c.e.Budget.ChunkSamples(chunk), c.obs)
	return c.obs, nil
}

// Close implements simulator: a Go kernel holds nothing to release.
func (c *chunkRunner) Close() error { return nil }

// task encodes the task of chunk g.
func appendTask(dst []byte, g int64) []byte { return binary.AppendUvarint(dst, uint64(g)) }
