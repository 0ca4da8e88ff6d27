package engine

import (
	"os"
	"path/filepath"
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
	var prog *report.KernelProgram
	if e.Program != nil {
		prog = &report.KernelProgram{Command: e.Program.Command, Files: e.Program.Hashes, Runtime: e.Program.Runtime, Identity: e.Program.Identity()}
	} else if k, err := en.kernel(e); err == nil {
		kernelModule = en.KernelModule(k)
	}
	return report.Provenance{
		File:          e.File,
		FileSHA256:    e.SHA256,
		Experiment:    e.Name,
		Kernel:        e.Kernel.Name,
		KernelVersion: e.Kernel.Version,
		KernelModule:  kernelModule,
		Program:       prog,
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

// withRun appends to p's history the record of the invocation p
// describes, which computed computed chunks and took reused from the
// journal, after the records of earlier invocations, prior.
func withRun(p report.Provenance, prior []report.RunRecord, computed, reused int64) report.Provenance {
	p.Runs = append(append([]report.RunRecord(nil), prior...), report.RunRecord{
		Start: p.Start, End: p.End, WallSeconds: p.WallSeconds, Host: p.Host,
		Workers: p.Workers, Executor: p.Executor, Computed: computed, Reused: reused,
		Version: p.Version, Revision: p.Revision, Command: p.Command,
	})
	return p
}

// priorRuns returns the history that results.json in dir records, for a
// run that resumes from the journal there; nil if there is none that
// reads.
func priorRuns(dir string) []report.RunRecord {
	res, err := ReadResults(filepath.Join(dir, ResultsJSON))
	if err != nil {
		return nil
	}
	return res.Provenance.Runs
}

// Build returns what the engine's binary is: module, versions, revision.
func (en *Engine) Build() buildinfo.Info { return en.build }
