//go:build linux

package main

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

const (
	beginMarker = "<!-- benchsim:begin -->"
	endMarker   = "<!-- benchsim:end -->"
)

// figures are the medians the report and the plot use.
type figures struct {
	piSim, piPy       float64 // seconds, all cores
	piWorkers         []int
	piByWorkers       []float64 // median wall per worker count
	speedup           []float64 // median per-repetition speed-up over 1 worker
	halfAlone, pair   float64
	refSpeedup        float64 // two independent processes
	relEfficiency     float64 // speed-up with 2 workers / reference
	sweepSim, sweepPy float64
	trivProc, trivIn  float64 // end to end chunks/s (go test)
	poolProc, poolIn  float64 // bare pool tasks/s
	trivCLI           float64
	pyMap1, pyMap     float64
	pySubmit          float64
	piNs, isingFlips  float64
	over10, over1     float64 // end to end process/inprocess − 1
	pool10, pool1     float64 // bare pool
	memHWM, memRSS    []float64
	memWall           []float64
}

func compute(c *config, m *measurements) figures {
	var f figures
	f.piSim, f.piPy = benchkit.Median(benchkit.Secs(m.piSim[c.workers])), benchkit.Median(benchkit.Secs(m.piPy))
	one := benchkit.Secs(m.piSim[1])
	for w := 1; w <= c.workers; w++ {
		f.piWorkers = append(f.piWorkers, w)
		f.piByWorkers = append(f.piByWorkers, benchkit.Median(benchkit.Secs(m.piSim[w])))
		f.speedup = append(f.speedup, benchkit.Median(ratios(one, benchkit.Secs(m.piSim[w]))))
	}
	f.halfAlone, f.pair = benchkit.Median(benchkit.Secs(m.halfAlone)), benchkit.Median(benchkit.Secs(m.halfPair))
	ref := ratios(benchkit.Secs(m.halfAlone), benchkit.Secs(m.halfPair))
	for i := range ref {
		ref[i] *= 2
	}
	f.refSpeedup = benchkit.Median(ref)
	f.relEfficiency = math.NaN()
	if c.workers >= 2 {
		s2 := ratios(one, benchkit.Secs(m.piSim[2]))
		f.relEfficiency = benchkit.Median(ratios(s2, ref))
	}
	f.sweepSim, f.sweepPy = benchkit.Median(benchkit.Secs(m.sweepSim)), benchkit.Median(benchkit.Secs(m.sweepPy))
	f.trivProc, f.trivIn = m.gb.Get("Chunks/trivial/process", "chunks/s"), m.gb.Get("Chunks/trivial/inprocess", "chunks/s")
	f.poolProc, f.poolIn = m.gb.Get("PoolTrivial/process", "tasks/s"), m.gb.Get("PoolTrivial/inprocess", "tasks/s")
	f.trivCLI = benchkit.Median(m.trivialCLI)
	f.pyMap1, f.pyMap, f.pySubmit = benchkit.Median(m.pyRate["map1"]), benchkit.Median(m.pyRate["map"]), benchkit.Median(m.pyRate["submit"])
	f.piNs = m.gb.Get("Pi", "ns/op")
	f.isingFlips = m.gb.Get("IsingMetropolis", "flips/s")
	over := func(prefix string) float64 {
		return m.gb.Get(prefix+"/process", "ns/op")/m.gb.Get(prefix+"/inprocess", "ns/op") - 1
	}
	f.over10, f.over1 = over("Chunks/10ms"), over("Chunks/1ms")
	f.pool10, f.pool1 = over("PoolSpin/10ms"), over("PoolSpin/1ms")
	for _, mr := range m.mem {
		var hwm, rss, wall []float64
		for _, r := range mr.runs {
			hwm = append(hwm, float64(r.HWM))
			rss = append(rss, float64(r.MaxRSS))
			wall = append(wall, r.Wall.Seconds())
		}
		f.memHWM = append(f.memHWM, benchkit.Median(hwm))
		f.memRSS = append(f.memRSS, benchkit.Median(rss))
		f.memWall = append(f.memWall, benchkit.Median(wall))
	}
	return f
}

func rate(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 1e6:
		return fmt.Sprintf("%.2f M/s", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1f k/s", x/1e3)
	}
	return fmt.Sprintf("%.0f /s", x)
}

func sec(x float64) string {
	if x < 1 {
		return fmt.Sprintf("%.3f s", x)
	}
	return fmt.Sprintf("%.2f s", x)
}

func mb(x float64) string { return fmt.Sprintf("%.0f MB", x/1e6) }

// render returns the benchsim block of docs/performance.md.
func render(c *config, m *measurements, f figures) string {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	memFlat := len(f.memHWM) == 2 && f.memHWM[1] <= 1.1*f.memHWM[0]+10e6
	ratioPi := f.piPy / f.piSim

	p("%s\n", beginMarker)
	p("<!-- Written by `make bench` (bench/cmd/benchsim); edits between these markers are overwritten. -->\n\n")
	if c.quick {
		p("**A -quick dry run at small sizes: these figures mean nothing.**\n\n")
	}
	p("Taken on %s, %s–%s UTC, by `make bench` (%.0f s in all). 1-minute, 5-minute and 15-minute load averages: %s before, %s after (the benchmark's own load included).\n\n",
		m.start.Format("2006-01-02"), m.start.Format("15:04"), m.end.Format("15:04"), m.end.Sub(m.start).Seconds(), m.loadBefore, m.loadAfter)
	for _, line := range m.machine {
		p("- %s\n", line)
	}
	p("- Python peer: %s %s, numpy %s (Debian's python3-numpy)\n\n", c.python, m.pyVersion, m.npVersion)
	p("Command-line figures are medians of %d runs (simrun's pi runs: %d; memory and Python's trivial tasks: %d), each run of each configuration in turn so that a slow spell of the VM falls on all of them; go test figures are medians over their `-count` runs (see the commands). Wall times are the whole process, start to exit, on both sides.\n\n",
		c.reps, c.reps*piScalingRuns, min(c.reps, 3))

	p("### Targets of the core issue\n\n")
	p("| what | target | measured | |\n|---|---|---|---|\n")
	p("| pi kernel, one core | ≤ 2.5 ns/sample | %.2f ns/sample (runs: %s) | %s |\n", f.piNs, benchkit.Runs(m.gb["Pi"]["ns/op"], func(x float64) string { return fmt.Sprintf("%.2f", x) }), benchkit.Verdict(f.piNs <= 2.5))
	p("| trivial chunks through the process pool | ≥ 1,000,000 chunks/s | %s end to end (in-process %s); bare pool %s | %s |\n", rate(f.trivProc), rate(f.trivIn), rate(f.poolProc), benchkit.Verdict(f.trivProc >= 1e6))
	// BenchmarkChunks runs 2 workers and calibrates the spin kernel's work
	// once per run, so the chunk's real cost is 2 × ns/op in-process.
	cost := func(name string) string {
		return fmt.Sprintf("%.2f ms", 2*m.gb.Get(name, "ns/op")/1e6)
	}
	p("| process pool vs in-process, 10 ms chunks | within 3%% | %s end to end (chunks of %s); %s bare pool | %s |\n", benchkit.Pct(f.over10), cost("Chunks/10ms/inprocess"), benchkit.Pct(f.pool10), benchkit.Verdict(f.over10 <= 0.03))
	p("| process pool vs in-process, 1 ms chunks | within 10%% | %s end to end (chunks of %s); %s bare pool | %s |\n\n", benchkit.Pct(f.over1), cost("Chunks/1ms/inprocess"), benchkit.Pct(f.pool1), benchkit.Verdict(f.over1 <= 0.10))

	p("### Targets of the benchmark issue\n\n")
	p("| what | target | measured | |\n|---|---|---|---|\n")
	p("| pi, %s samples, all %d cores, against multiprocessing + numpy | ≥ 6× faster | %.1f× (%s against %s) | %s |\n", sci(c.piSamples), c.workers, ratioPi, sec(f.piSim), sec(f.piPy), benchkit.Verdict(ratioPi >= 6))
	p("| trivial chunks through the process pool | ≥ 2,000,000 chunks/s | %s end to end (`go test`), %s for `simrun run` of %s chunks; bare pool %s | %s |\n", rate(f.trivProc), rate(f.trivCLI), benchkit.Count(c.memChunks), rate(f.poolProc), benchkit.Verdict(f.trivProc >= 2e6))
	p("| process pool vs in-process, 10 ms / 1 ms chunks | within 3%% / 10%% | %s / %s end to end | %s |\n", benchkit.Pct(f.over10), benchkit.Pct(f.over1), benchkit.Verdict(f.over10 <= 0.03 && f.over1 <= 0.10))
	if c.workers >= 2 {
		p("| parallel efficiency, 2 workers, against two independent processes | ≥ 97%% | %.1f%% (median of %d paired ratios; median speed-ups %.3f and %.3f) | %s |\n", 100*f.relEfficiency, c.reps*piScalingRuns, f.speedup[1], f.refSpeedup, benchkit.Verdict(f.relEfficiency >= 0.97))
	}
	p("| ising2d Metropolis, one core | ≥ 250 M flips/s | %.0f M flips/s | %s |\n", f.isingFlips/1e6, benchkit.Verdict(f.isingFlips >= 250e6))
	if len(f.memHWM) == 2 {
		p("| parent's peak RSS, %s chunks | < 200 MB, flat in samples | %s with 1 sample a chunk, %s with 10 | %s |\n\n", benchkit.Count(c.memChunks), mb(f.memHWM[0]), mb(f.memHWM[1]), benchkit.Verdict(f.memHWM[0] < 200e6 && f.memHWM[1] < 200e6 && memFlat))
	}

	p("### simrun against multiprocessing + numpy\n\n")
	p("Same work on both sides; the Python peers are in [bench/python](../bench/python). Both sides use all %d cores.\n\n", c.workers)
	p("| workload | simrun | Python | simrun faster by |\n|---|---|---|---|\n")
	p("| pi: %s points in %d chunks of %s (Python: Pool.map, chunksize 1, numpy in batches of %s) | %s | %s | %.1f× |\n",
		sci(c.piSamples), c.piChunks, sci(c.piSamples/c.piChunks), sci(c.pyBatch), sec(f.piSim), sec(f.piPy), ratioPi)
	p("| sweep: %s points, point w = the mean of w uniforms, w = 1 … %s (simrun: spin kernel, `work` swept, 1 sample; Python: Pool.map, chunksize %d) | %s | %s | %.1f× |\n",
		benchkit.Count(c.sweepPoints), benchkit.Count(c.sweepPoints), c.sweepChunksize, sec(f.sweepSim), sec(f.sweepPy), f.sweepPy/f.sweepSim)
	p("| trivial tasks, Pool.map chunksize 1 | %s end to end | %s | %.0f× |\n", rate(f.trivProc), rate(f.pyMap1), f.trivProc/f.pyMap1)
	p("| trivial tasks, Pool.map chunksize %d | %s end to end | %s | %.2f× |\n", c.trivChunksize, rate(f.trivProc), rate(f.pyMap), f.trivProc/f.pyMap)
	p("| trivial tasks, ProcessPoolExecutor.submit | %s end to end | %s | %.0f× |\n", rate(f.trivProc), rate(f.pySubmit), f.trivProc/f.pySubmit)
	p("| trivial tasks, bare pool (runner.Pool.Stream) against Pool.map chunksize %d | %s | %s | %.1f× |\n\n", c.trivChunksize, rate(f.poolProc), rate(f.pyMap), f.poolProc/f.pyMap)
	p("Python's trivial rates time the tasks only, on a pool already started; simrun's end-to-end rate (`BenchmarkChunks/trivial`) includes starting the workers, seeding every chunk, the journal, the reduction and the output files.\n\n")

	p("### Scaling (pi, %s points)\n\n", sci(c.piSamples))
	p("| workers | wall | speed-up | efficiency |\n|---|---|---|---|\n")
	for i, w := range f.piWorkers {
		p("| %d | %s | %.3f | %.1f%% |\n", w, sec(f.piByWorkers[i]), f.speedup[i], 100*f.speedup[i]/float64(w))
	}
	p("| reference: two independent `simrun run --workers 1` of %s points at once, against one alone | %s (one alone: %s) | %.3f | %.1f%% |\n\n", sci(m.halfSamples), sec(f.pair), sec(f.halfAlone), f.refSpeedup, 100*f.refSpeedup/2)
	p("Speed-ups are medians of the per-repetition ratios. The reference is what this VM's second core gives two processes that share nothing; the target compares simrun's speed-up with it.\n\n")

	p("### Memory: the parent with %s trivial chunks (spin, work = 0)\n\n", benchkit.Count(c.memChunks))
	p("| samples a chunk | parent's peak RSS (VmHWM) | `/usr/bin/time -v` maximum RSS | wall |\n|---|---|---|---|\n")
	for i, mr := range m.mem {
		p("| %d | %s | %s | %s |\n", mr.samplesPerChunk, mb(f.memHWM[i]), mb(f.memRSS[i]), sec(f.memWall[i]))
	}
	p("\nVmHWM is read from /proc/PID/status of the simrun parent every 5 ms while it runs. The maximum RSS that `/usr/bin/time -v` reports (getrusage after wait4) is the largest of the parent and the workers it reaped.\n\n")

	p("### go test benchmarks\n\n| benchmark | median | runs |\n|---|---|---|\n")
	for _, row := range []struct{ name, unit string }{
		{"Pi", "ns/op"}, {"IsingMetropolis", "flips/s"}, {"IsingMetropolis", "ns/flip"},
		{"IsingSample", "flips/s"}, {"IsingWolff", "spins/s"},
		{"PoolTrivial/process", "tasks/s"}, {"PoolTrivial/inprocess", "tasks/s"},
		{"PoolTrivial/process", "allocs/op"}, {"PoolTrivial/process", "B/op"},
		{"PoolSpin/1ms/process", "ns/op"}, {"PoolSpin/1ms/inprocess", "ns/op"},
		{"PoolSpin/10ms/process", "ns/op"}, {"PoolSpin/10ms/inprocess", "ns/op"},
		{"Chunks/trivial/process", "chunks/s"}, {"Chunks/trivial/inprocess", "chunks/s"},
		{"Chunks/1ms/process", "ns/op"}, {"Chunks/1ms/inprocess", "ns/op"},
		{"Chunks/10ms/process", "ns/op"}, {"Chunks/10ms/inprocess", "ns/op"},
	} {
		v := m.gb[row.name][row.unit]
		p("| %s | %s %s | %s |\n", row.name, num(benchkit.Median(v)), row.unit, benchkit.Runs(v, num))
	}
	p("\nOne op of Pi is one sample; of IsingMetropolis one sweep of 64×64 spins. The pool and chunk benchmarks run 2 workers and report ns per chunk of the pool as a whole, so a 1 ms chunk shows as about 0.5 ms/op. BenchmarkChunks sets the spin kernel's work for \"1ms\" and \"10ms\" from one timing at its start, so its chunks cost what 2 × the in-process ns/op says, which is the figure given in the targets.\n\n")

	p("### Commands\n\nRun from the repository root; DIR is a new directory each time, and the experiment files are written by bench/cmd/benchsim:\n\n")
	p("```toml\n# bench_pi.toml (bench_pi_half.toml: samples = %d)\nkernel = \"pi\"\nseed = 20261125\n[samples]\nsamples = %d\nchunk_size = %d\n\n", m.halfSamples, c.piSamples, c.piSamples/c.piChunks)
	p("# bench_sweep.toml\nkernel = \"spin\"\nseed = 20261125\n[sweep]\nwork = { from = 1, to = %d, step = 1 }\n[samples]\nsamples = 1\nchunk_size = 1\n\n", c.sweepPoints)
	p("# bench_mem_1.toml (bench_mem_10.toml: samples = %d, chunk_size = 10)\nkernel = \"spin\"\nseed = 20261125\n[params]\nwork = 0\n[samples]\nsamples = %d\nchunk_size = 1\n```\n\n", 10*c.memChunks, c.memChunks)
	p("```sh\n")
	for _, cmd := range m.commands {
		p("%s\n", cmd)
	}
	p("```\n\n")
	p("![simrun scaling and its speed against the Python peers](%s)\n", relTo(c.out, c.png))
	p("%s\n", endMarker)
	return b.String()
}

func sci(n int64) string {
	e := 0
	for n >= 10 && n%10 == 0 {
		n /= 10
		e++
	}
	switch {
	case e < 3:
		return benchkit.Count(n * int64(math.Pow10(e)))
	case n == 1:
		return fmt.Sprintf("10^%d", e)
	}
	return fmt.Sprintf("%d·10^%d", n, e)
}

func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 1e6:
		return fmt.Sprintf("%.3g M", x/1e6)
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.3g", x)
}

func relTo(from, to string) string {
	rel, err := filepath.Rel(filepath.Dir(from), to)
	if err != nil {
		return to
	}
	return filepath.ToSlash(rel)
}

// writeDoc replaces the benchsim block of c.out (or appends one).
func writeDoc(c *config, m *measurements) error {
	block := render(c, m, compute(c, m))
	return benchkit.UpdateFile(c.out, func(s string) string {
		if s, ok := benchkit.ReplaceBlock(s, beginMarker, endMarker, block); ok {
			return s
		}
		if s != "" && !strings.HasSuffix(s, "\n\n") {
			s += "\n"
		}
		return s + block
	})
}
