package engine

import (
	"os"
	"runtime"
	"time"

	"github.com/simrun/simrun/buildinfo"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// provenance records what produced results of e: this binary, with
// workers of the executor ("processes", "in-process", "merge of 4
// shards"), between start and end.
func (en *Engine) provenance(e *sim.Experiment, workers int, executor string, start, end time.Time) report.Provenance {
	b := en.build
	host, _ := os.Hostname()
	kernelModule := ""
	if k, err := en.kernel(e); err == nil {
		kernelModule = en.KernelModule(k)
	}
	return report.Provenance{
		File:          e.File,
		FileSHA256:    e.SHA256,
		Experiment:    e.Name,
		Kernel:        e.Kernel.Name,
		KernelVersion: e.Kernel.Version,
		KernelModule:  kernelModule,
		Seed:          e.Seed,
		SeedScheme:    sim.SeedScheme,
		Generator:     rng.Algorithm,
		Module:        b.Module,
		Version:       b.Version,
		Simrun:        b.Simrun,
		Revision:      b.Revision,
		Modified:      b.Modified,
		GoVersion:     b.GoVersion,
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		NumCPU:        runtime.NumCPU(),
		Workers:       workers,
		Executor:      executor,
		Start:         start.UTC(),
		End:           end.UTC(),
		WallSeconds:   end.Sub(start).Seconds(),
		Host:          host,
		Command:       os.Args,
	}
}

// Build returns what the engine's binary is: module, versions, revision.
func (en *Engine) Build() buildinfo.Info { return en.build }
