package cli

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// faulty is a kernel for the failure tests, registered in the test binary,
// which also serves as the worker processes: at x = panic_at it panics, at
// x = hang_at it never returns, at x = exit_at it kills its process. Other
// points draw one uniform per sample after sleeping sleep_us microseconds
// per chunk, so a run takes long enough to be interrupted.
type faulty struct{}

func (faulty) Spec() sim.KernelSpec {
	intParam := func(name string, def int64) sim.ParamSpec {
		return sim.ParamSpec{Name: name, Kind: sim.Int, Default: sim.IntValue(def), Doc: name}
	}
	return sim.KernelSpec{
		Name: "faulty",
		Doc:  "test kernel that fails on purpose",
		Params: []sim.ParamSpec{
			intParam("x", 0), intParam("panic_at", -1), intParam("hang_at", -1), intParam("exit_at", -1), intParam("sleep_us", 0),
		},
		Observables: []sim.ObservableSpec{{Name: "u", Doc: "uniform", IID: true}},
	}
}

func (faulty) New(p sim.Params) (kernels.Sampler, error) {
	return faultySampler{x: p.Int("x"), panicAt: p.Int("panic_at"), hangAt: p.Int("hang_at"), exitAt: p.Int("exit_at"), sleep: time.Duration(p.Int("sleep_us")) * time.Microsecond}, nil
}

// faultyPanics makes every faulty sample panic in this process, for tests
// of commands that run chunks in-process after a run (verify).
var faultyPanics atomic.Bool

type faultySampler struct {
	x, panicAt, hangAt, exitAt int64
	sleep                      time.Duration
}

func (s faultySampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	if faultyPanics.Load() {
		panic("faulty: panicking in this process as asked")
	}
	switch s.x {
	case s.panicAt:
		panic(fmt.Sprintf("boom at x=%d", s.x))
	case s.hangAt:
		time.Sleep(time.Hour)
	case s.exitAt:
		os.Exit(3)
	}
	time.Sleep(s.sleep)
	for range n {
		obs[0].Add(r.Float64())
	}
}
