//go:build linux

package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

const (
	section     = "## Kernels in other languages"
	beginMarker = "<!-- benchext:begin -->"
	endMarker   = "<!-- benchext:end -->"
)

// figures are the medians the report uses, and the per-run values.
type figures struct {
	joblib, parallel, py, c []float64 // per run: tasks/s or chunks/s
	jm, pm, pym, cm         float64   // their medians
	alone, sim              []float64 // 1 ms chunks: wall, s
	am, sm                  float64
	overheads               []float64 // per pair of runs: sim/alone − 1
	overhead                float64   // their median
	chunkMs                 float64   // the spin chunk's cost: workers × alone wall / chunks
	vsJoblib, vsParallel    float64   // ratios of medians
	metJoblib, metParallel  bool
	metC, metSpin           bool
}

func compute(c *config, m *measurements) figures {
	var f figures
	f.joblib = m.joblib
	f.parallel = rates(c.parallelTasks, m.parallel)
	f.py = rates(c.py.chunks(), m.py)
	f.c = rates(c.c.chunks(), m.c)
	f.jm, f.pm, f.pym, f.cm = benchkit.Median(f.joblib), benchkit.Median(f.parallel), benchkit.Median(f.py), benchkit.Median(f.c)
	f.alone, f.sim = benchkit.Secs(m.spinAlone), benchkit.Secs(m.spinSim)
	f.am, f.sm = benchkit.Median(f.alone), benchkit.Median(f.sim)
	for i := range min(len(f.alone), len(f.sim)) {
		f.overheads = append(f.overheads, f.sim[i]/f.alone[i]-1)
	}
	f.overhead = benchkit.Median(f.overheads)
	f.chunkMs = 1e3 * f.am * float64(c.workers) / float64(c.spin.chunks())
	f.vsJoblib, f.vsParallel = f.pym/f.jm, f.pym/f.pm
	f.metJoblib = f.pym >= f.jm
	f.metParallel = f.pym >= parallelFactor*f.pm
	f.metC = f.cm >= cTarget
	f.metSpin = f.overhead <= spinOverhead
	return f
}

// num writes a rate with three significant digits: 1.23 M, 456 k, 789.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 1e6:
		return fmt.Sprintf("%.3g M", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.0f k", x/1e3)
	case x >= 1e3:
		return fmt.Sprintf("%.3g k", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}

func sec(x float64) string { return fmt.Sprintf("%.3f s", x) }

// render returns the benchext block of docs/performance.md.
func render(c *config, m *measurements, f figures) string {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w := c.workers

	p("%s\n", beginMarker)
	p("<!-- Written by `make bench` (bench/cmd/benchext); edits between these markers are overwritten. -->\n\n")
	if c.quick {
		p("**A -quick dry run at small sizes: these figures mean nothing.**\n\n")
	}
	p("External kernels (programs speaking [the kernel protocol](external-kernels.md)) against their peers, measured side by side by `make bench` (bench/cmd/benchext) on %s, %s–%s UTC (%.0f s in all). 1-minute, 5-minute and 15-minute load averages: %s before, %s after (the benchmark's own load included); at the start of each repetition: %s.\n\n",
		m.start.Format("2006-01-02"), m.start.Format("15:04"), m.end.Format("15:04"), m.end.Sub(m.start).Seconds(),
		m.loadBefore, m.loadAfter, strings.Join(m.repLoads, "; "))
	for _, line := range m.machine {
		p("- %s\n", line)
	}
	p("- Python: %s %s (Debian's), joblib %s (python3-joblib); GNU parallel %s; C: %s\n\n", c.python, m.pyVersion, m.joblibVersion, m.parallelVersion, m.ccVersion)
	p("Every figure is the median of %s (the 1 ms chunks: of %d, %d pairs per repetition). Each repetition runs every command in the order of the table below (each pair of 1 ms runs, alone and through simrun, in the other order from the pair before), so that a slow spell of the machine falls on all of them. Everything uses %d workers: joblib's `n_jobs`, GNU parallel's `-j`, simrun's `--workers`, %d copies of the program alone. simrun's figures are the wall time of the whole `simrun run` command, start to exit (starting the kernel programs, the journal, the reduction and the output files included); joblib's is its timed `Parallel` call only, after a warm-up call on the same pool.\n\n",
		plural(c.reps, "run"), c.reps*spinRuns, spinRuns, w, w)

	p("### Targets\n\n")
	p("| what | target | measured | |\n|---|---|---|---|\n")
	p("| simrun with a Python kernel against joblib, trivial tasks | ≥ joblib's rate | %s chunks/s against %s tasks/s: %.2f× | %s |\n", num(f.pym), num(f.jm), f.vsJoblib, benchkit.Verdict(f.metJoblib))
	p("| simrun with a Python kernel against GNU parallel, trivial tasks | ≥ %d× GNU parallel's rate | %s chunks/s against %s tasks/s: %.0f× | %s |\n", parallelFactor, num(f.pym), num(f.pm), f.vsParallel, benchkit.Verdict(f.metParallel))
	p("| simrun with a C kernel, trivial chunks | ≥ %s chunks/s | %s chunks/s | %s |\n", benchkit.Count(int64(cTarget)), num(f.cm), benchkit.Verdict(f.metC))
	p("| 1 ms chunks, simrun against the program alone | within %.0f%% | %s (median of %s; medians %s and %s) | %s |\n\n",
		100*spinOverhead, benchkit.Pct(f.overhead), plural(len(f.overheads), "paired ratio"), sec(f.sm), sec(f.am), benchkit.Verdict(f.metSpin))

	p("### Figures\n\n")
	p("| measurement | work | median | runs |\n|---|---|---|---|\n")
	p("| joblib `Parallel(n_jobs=%d)`, default (auto) batching, f(i) = i | %s calls (timed), after %s (warm-up) | %s tasks/s | %s |\n",
		w, benchkit.Count(c.joblibTasks), benchkit.Count(c.joblibWarmup), num(f.jm), benchkit.Runs(f.joblib, num))
	p("| GNU parallel, one process per task: `true` | %s tasks, whole command | %s tasks/s | %s |\n", benchkit.Count(c.parallelTasks), num(f.pm), benchkit.Runs(f.parallel, num))
	p("| simrun, Python kernel (trivial.py: x = 1.0) | %s chunks of 1 sample | %s chunks/s | %s |\n", benchkit.Count(c.py.chunks()), num(f.pym), benchkit.Runs(f.py, num))
	p("| simrun, C kernel (trivial.c: x = 1.0) | %s chunks of 1 sample | %s chunks/s | %s |\n", benchkit.Count(c.c.chunks()), num(f.cm), benchkit.Runs(f.c, num))
	k, _ := c.spin.Params["k"].(int64)
	p("| 1 ms chunks (spin.c, k = %s draws), %d copies of the program alone, each on half the requests | %s chunks | %s | %s |\n", benchkit.Count(k), w, benchkit.Count(c.spin.chunks()), sec(f.am), benchkit.Runs(f.alone, sec))
	p("| 1 ms chunks, through `simrun run` | %s chunks | %s | %s |\n", benchkit.Count(c.spin.chunks()), sec(f.sm), benchkit.Runs(f.sim, sec))
	p("| 1 ms chunks, simrun / alone − 1, each pair (run one after the other) | | %s | %s |\n\n", benchkit.Pct(f.overhead), benchkit.Runs(f.overheads, benchkit.Pct))
	p("A chunk of spin.c costs %.2f ms here (%d × the programs' wall time alone / %s chunks; k is fixed in spin_c.toml for about %.0f ms on this machine). The programs alone read the request streams simrun would send (the handshake, the point line and every chunk line with simrun's own chunk states, written by `benchext -write-requests`; a flush every %d chunks, where simrun's batches vary) from files, and write their replies to /dev/null.\n\n",
		f.chunkMs, w, benchkit.Count(c.spin.chunks()), spinTargetMs, requestBatch)

	p("### Commands\n\nRun from the repository root (DIR is a new directory each time); the experiment files, kernels and peers are in [bench/external](../bench/external):\n\n```sh\n")
	for _, cmd := range m.commands {
		p("%s\n", cmd)
	}
	p("```\n")
	p("%s\n", endMarker)
	return b.String()
}

// summary is what benchext prints on standard output.
func summary(c *config, m *measurements, f figures) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	if c.quick {
		p("(-quick: small sizes, one run; the figures mean nothing)\n")
	}
	p("load average %s before, %s after; medians of %s, %d workers\n", m.loadBefore, m.loadAfter, plural(c.reps, "run"), c.workers)
	p("  joblib Parallel, trivial           %12s tasks/s   (%s)\n", num(f.jm), benchkit.Runs(f.joblib, num))
	p("  GNU parallel, true                 %12s tasks/s   (%s)\n", num(f.pm), benchkit.Runs(f.parallel, num))
	p("  simrun, Python kernel              %12s chunks/s  (%s)\n", num(f.pym), benchkit.Runs(f.py, num))
	p("  simrun, C kernel                   %12s chunks/s  (%s)\n", num(f.cm), benchkit.Runs(f.c, num))
	p("  1 ms chunks (%.2f ms), alone        %12s           (%s)\n", f.chunkMs, sec(f.am), benchkit.Runs(f.alone, sec))
	p("  1 ms chunks, simrun                %12s           (%s)\n", sec(f.sm), benchkit.Runs(f.sim, sec))
	p("targets:\n")
	p("  Python kernel ≥ joblib             %.2f×   %s\n", f.vsJoblib, strings.Trim(benchkit.Verdict(f.metJoblib), "*"))
	p("  Python kernel ≥ %d× GNU parallel  %.0f×   %s\n", parallelFactor, f.vsParallel, strings.Trim(benchkit.Verdict(f.metParallel), "*"))
	p("  C kernel ≥ 1 M chunks/s            %s   %s\n", num(f.cm), strings.Trim(benchkit.Verdict(f.metC), "*"))
	p("  1 ms chunks within %.0f%% of alone    %s   %s\n", 100*spinOverhead, benchkit.Pct(f.overhead), strings.Trim(benchkit.Verdict(f.metSpin), "*"))
	return b.String()
}

// writeDoc replaces the benchext block of c.out, or appends the section
// with the block at the end of the file.
func writeDoc(c *config, m *measurements, f figures) error {
	return benchkit.WriteBlock(c.out, beginMarker, endMarker, section, render(c, m, f))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
