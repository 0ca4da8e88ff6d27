package runner_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/simrun/simrun/runner"
)

// streamBench runs b.N tasks through Stream and reports the throughput.
func streamBench(b *testing.B, cfg runner.Config) {
	p := start(b, cfg)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	err := p.Stream(ctx, b.N,
		func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(i)) },
		func(i int, out []byte, err error) error { return err })
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}

// BenchmarkPoolTrivial measures the pool's overhead per task, with a
// handler that does nothing.
func BenchmarkPoolTrivial(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			streamBench(b, runner.Config{Handler: "noop", Workers: 2, InProcess: m.inProcess})
		})
	}
}

// BenchmarkPoolSpin runs tasks that compute for a fixed time: the ratio of
// process to inprocess is the cost of the worker processes.
func BenchmarkPoolSpin(b *testing.B) {
	for _, d := range []string{"1ms", "10ms"} {
		b.Run(d, func(b *testing.B) {
			for _, m := range modes {
				b.Run(m.name, func(b *testing.B) {
					streamBench(b, runner.Config{Handler: "spin", Init: []byte(d), Workers: 2, InProcess: m.inProcess})
				})
			}
		})
	}
}
