//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/simrun/simrun/sim"
)

// requestBatch is how many chunk lines the streams of the program run
// alone put between flushes. simrun's own batches vary (its dispatcher
// sizes each worker's window from how long chunks take); the work of a
// chunk does not depend on it, and a flush costs the program one write.
const requestBatch = 64

// writeRequests writes the request streams that simrun would send the spin
// kernel for spin experiment x, split in `copies` equal runs of consecutive
// chunks: the handshake, the point line, then each chunk line with the ID
// (the chunk's global index), the chunk's index, N and the state exactly
// as simrun derives them (sim.ChunkRand of the seed, the point's key and
// the chunk index), a flush after every requestBatch chunks and at the end.
// It returns the files' paths.
func writeRequests(dir string, x *expFile, copies int) ([]string, error) {
	k, ok := x.Params["k"].(int64)
	if !ok {
		return nil, fmt.Errorf("%s: no integer k in [params]", x.path)
	}
	if x.Samples.ChunkSize != 1 {
		return nil, fmt.Errorf("%s: chunk_size is %d; the streams are written for 1 sample a chunk", x.path, x.Samples.ChunkSize)
	}
	chunks := x.Samples.Samples
	// The key of the experiment's one point, as simrun derives it from
	// the point's parameters (sim.Params.Key: name=value, sorted).
	spec := []sim.ParamSpec{{Name: "k", Kind: sim.Int}}
	key := sim.NewParams(spec, []sim.Value{sim.IntValue(k)}).Key()
	var paths []string
	for c := range copies {
		path := filepath.Join(dir, fmt.Sprintf("spin-%d.req", c))
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		w := bufio.NewWriter(f)
		fmt.Fprintf(w, "simrun-kernel 1\npoint 0 k=%d\n", k)
		lo, hi := chunks*int64(c)/int64(copies), chunks*int64(c+1)/int64(copies)
		var b []byte
		for g := lo; g < hi; g++ {
			s := sim.ChunkRand(x.Seed, key, g).State()
			b = append(b[:0], "chunk "...)
			b = strconv.AppendInt(b, g, 10) // the ID: simrun uses the global chunk index
			b = append(b, ' ')
			b = strconv.AppendInt(b, g, 10) // the chunk's index in its point (one point)
			b = append(b, " 1 "...)
			b = strconv.AppendUint(b, (s[0]^s[1]^s[2]^s[3])>>1, 10)
			for _, v := range s {
				b = append(b, ' ')
				b = strconv.AppendUint(b, v, 10)
			}
			b = append(b, '\n')
			if (g-lo+1)%requestBatch == 0 || g == hi-1 {
				b = append(b, "flush\n"...)
			}
			w.Write(b)
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Close(); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
