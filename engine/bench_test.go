package engine

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// spinWork returns the spin kernel's work parameter that makes one sample
// take about d on this machine.
func spinWork(b *testing.B, d time.Duration) int64 {
	b.Helper()
	const probe = 20_000_000
	s, err := kernels.Spin{}.New(params(b, probe))
	if err != nil {
		b.Fatal(err)
	}
	obs := make([]sim.Acc, 1)
	r := rng.FromSeed(1)
	start := time.Now()
	s.Sample(&r, 1, obs)
	return max(1, int64(float64(probe)*float64(d)/float64(time.Since(start))))
}

func params(b *testing.B, work int64) sim.Params {
	spec := kernels.Spin{}.Spec()
	return sim.NewParams(spec.Params, []sim.Value{sim.IntValue(work)})
}

// BenchmarkChunks measures the whole run path (dispatch, kernel, result
// decoding, journal, reduction, output files) on chunks of the spin
// kernel: one op is one chunk.
// Compare process and inprocess at the same chunk cost for the pool's
// overhead; "trivial" chunks (no work) measure dispatch throughput.
func BenchmarkChunks(b *testing.B) {
	for _, size := range []struct {
		name string
		cost time.Duration
	}{
		{"trivial", 0},
		{"1ms", time.Millisecond},
		{"10ms", 10 * time.Millisecond},
	} {
		work := int64(0)
		if size.cost > 0 {
			work = spinWork(b, size.cost)
		}
		for _, mode := range []string{"process", "inprocess"} {
			b.Run(size.name+"/"+mode, func(b *testing.B) {
				src := fmt.Sprintf("kernel = \"spin\"\nseed = 1\n[params]\nwork = %d\n[samples]\nsamples = %d\nchunk_size = 1\n", work, b.N)
				e, err := sim.Parse("bench.toml", []byte(src), testEngine.Kernels())
				if err != nil {
					b.Fatal(err)
				}
				o := Options{Dir: b.TempDir(), Workers: 2, InProcess: mode == "inprocess", Grace: time.Second, Stderr: io.Discard}
				b.ResetTimer()
				if _, err := testEngine.Run(context.Background(), e, o); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "chunks/s")
			})
		}
	}
}
