package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
)

// chunkHandler is the runner handler that simulates chunks. Its init bytes
// carry the experiment file (so every worker validates and expands the very
// same bytes); a task is one uvarint, the global chunk index
// point*Chunks + chunk; a result is the chunk's accumulators, accSize bytes
// per observable.
const chunkHandler = "simrun/chunk"

func init() { runner.Register(chunkHandler, setupChunks) }

// encodeInit packs the experiment file's path and bytes for the workers.
func encodeInit(e *sim.Experiment) []byte {
	b := binary.AppendUvarint(nil, uint64(len(e.File)))
	b = append(b, e.File...)
	return append(b, e.Source...)
}

func decodeInit(b []byte) (path string, src []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, errors.New("simrun: malformed worker init")
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

func setupChunks(init []byte) (runner.Handler, error) {
	path, src, err := decodeInit(init)
	if err != nil {
		return nil, err
	}
	e, err := sim.Parse(path, src, kernels.Default)
	if err != nil {
		return nil, err
	}
	k, ok := kernels.Default.Kernel(e.Kernel.Name)
	if !ok {
		return nil, fmt.Errorf("simrun: worker has no kernel %q", e.Kernel.Name)
	}
	return &chunkRunner{e: e, k: k, point: -1, obs: make([]sim.Acc, len(e.Kernel.Observables))}, nil
}

// chunkRunner simulates chunks in a worker. Tasks arrive point by point,
// so it keeps the last point's sampler.
type chunkRunner struct {
	e       *sim.Experiment
	k       kernels.Kernel
	point   int64
	key     string
	params  sim.Params
	sampler kernels.Sampler
	obs     []sim.Acc
}

func (c *chunkRunner) Handle(dst, task []byte) ([]byte, error) {
	id, n := binary.Uvarint(task)
	if n <= 0 {
		return dst, errors.New("simrun: malformed chunk task")
	}
	chunks := c.e.Budget.Chunks
	point, chunk := int64(id)/chunks, int64(id)%chunks
	if point != c.point {
		p := c.e.Point(point)
		s, err := c.k.New(p.Params)
		if err != nil {
			return dst, fmt.Errorf("point %d (%s): %w", point, p.Key, err)
		}
		c.point, c.key, c.params, c.sampler = point, p.Key, p.Params, s
	}
	clear(c.obs)
	r := sim.ChunkRand(c.e.Seed, c.key, chunk)
	c.sampler.Sample(&r, c.e.Budget.ChunkSamples(chunk), c.obs)
	return appendAccs(dst, c.obs), nil
}

// accSize is the encoded size of one sim.Acc: N and four float64 bit patterns.
const accSize = 5 * 8

func appendAccs(b []byte, accs []sim.Acc) []byte {
	for _, a := range accs {
		b = binary.LittleEndian.AppendUint64(b, uint64(a.N))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Mean))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.M2))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Min))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Max))
	}
	return b
}

func decodeAccs(b []byte, accs []sim.Acc) error {
	if len(b) != accSize*len(accs) {
		return fmt.Errorf("simrun: chunk result has %d bytes, want %d", len(b), accSize*len(accs))
	}
	for i := range accs {
		w := b[i*accSize:]
		accs[i] = sim.Acc{
			N:    int64(binary.LittleEndian.Uint64(w)),
			Mean: math.Float64frombits(binary.LittleEndian.Uint64(w[8:])),
			M2:   math.Float64frombits(binary.LittleEndian.Uint64(w[16:])),
			Min:  math.Float64frombits(binary.LittleEndian.Uint64(w[24:])),
			Max:  math.Float64frombits(binary.LittleEndian.Uint64(w[32:])),
		}
	}
	return nil
}
