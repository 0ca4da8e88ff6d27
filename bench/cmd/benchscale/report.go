//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// render returns the benchscale block of docs/performance.md.
func render(c *config, m *measurements) string {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	points, chunks := benchkit.Count(int64(c.points)), benchkit.Count(int64(c.chunks))
	outputs := total(m.files)

	p("%s\n", beginMarker)
	p("<!-- Written by `make bench` (bench/cmd/benchscale); edits between these markers are overwritten. -->\n\n")
	if !c.fullSize() {
		p("**Measured at %s points and %s chunks, not the sizes of the targets (%s and %s): the verdicts mean nothing.**\n\n",
			points, chunks, benchkit.Count(defaultPoints), benchkit.Count(defaultChunks))
	}
	args := append([]string{"go", "run", "./bench/cmd/benchscale"}, os.Args[1:]...)
	p("Taken on %s, %s–%s UTC, by `%s` (%.0f s in all). 1-minute, 5-minute and 15-minute load averages: %s before, %s after (the benchmark's own load included).\n\n",
		m.start.Format("2006-01-02"), m.start.Format("15:04"), m.end.Format("15:04"), benchkit.ShellJoin(args), m.end.Sub(m.start).Seconds(), m.loadBefore, m.loadAfter)
	for _, line := range m.machine {
		p("- %s\n", line)
	}
	pandas := "pandas " + m.pdVersion
	if m.pdVersion == "" {
		pandas = "no pandas"
	}
	p("- Python peer: %s %s, numpy %s, %s (Debian's packages)\n\n", c.python, m.pyVersion, m.npVersion, pandas)
	p("Each command ran once, but the two timed `simrun run`s %d times each, of which the median counts; simrun with its default of %d workers. Wall is the process from start to exit. Peak RSS is getrusage's maximum after wait4 (what `/usr/bin/time -v` reports): the largest of the process and the children it reaped, not their sum; the parent's VmHWM, polled every 5 ms, is the parent alone. benchscale's own peak, which Linux counts into each child's maximum at the exec: %s.\n\n",
		c.repeat, c.workers, mb(m.selfHWM))

	p("### Targets of issue 14\n\n")
	p("| what | target | measured | |\n|---|---|---|---|\n")
	p("| `simrun run`, a sweep of %s points of the option kernel | ≤ %s | %s%s | %s |\n",
		points, target(runWallTarget), sec(m.run.Wall), walls(m.runWalls), benchkit.Verdict(m.run.Wall <= runWallTarget))
	p("| its peak RSS | ≤ %s | %s (the parent's VmHWM: %s) | %s |\n",
		targetMB(runRSSTarget), mb(m.run.MaxRSS), mb(m.run.HWM), benchkit.Verdict(m.run.MaxRSS <= runRSSTarget))
	p("| `simrun report DIR` on it | ≤ %s | %s (peak RSS %s) | %s |\n",
		target(reportWallTarget), sec(m.report.Wall), mb(m.report.MaxRSS), benchkit.Verdict(m.report.Wall <= reportWallTarget))
	p("| `simrun run` again on the finished run (nothing to compute) | ≤ %s | %s (peak RSS %s) | %s |\n",
		target(rerunWallTarget), sec(m.rerun.Wall), mb(m.rerun.MaxRSS), benchkit.Verdict(m.rerun.Wall <= rerunWallTarget))
	p("| all the files the run wrote | ≤ %s | %s in %d files (below) | %s |\n",
		targetMB(outputsTarget), mb(outputs), len(m.files), benchkit.Verdict(outputs <= outputsTarget))
	p("| `simrun run`, %s one-sample chunks of one point (spin, work = 0) | ≤ %s, the time before issue 14 | %s%s | %s |\n",
		chunks, target(chunksWallBefore), sec(m.chunks.Wall), walls(m.chunkWalls), benchkit.Verdict(m.chunks.Wall <= chunksWallBefore))
	p("| its parent's peak RSS (VmHWM) | ≤ %s | %s (the largest process: %s) | %s |\n",
		targetMB(chunksRSSTarget), mb(m.chunks.HWM), mb(m.chunks.MaxRSS), benchkit.Verdict(m.chunks.HWM <= chunksRSSTarget))
	trivial := m.trivial.Get(trivialName, "chunks/s")
	p("| trivial chunks through the process pool, end to end (`BenchmarkChunks/trivial/process`: 2 workers, the journal, chunks.bin and the tables) | ≥ %s chunks/s | %s chunks/s (the median of %s) | %s |\n\n",
		rateM(trivialTarget), rateM(trivial), benchkit.Runs(m.trivial[trivialName]["chunks/s"], rateM), benchkit.Verdict(trivial >= trivialTarget))

	p("### The files of the sweep's run\n\n")
	p("After `simrun run`, before `simrun report`:\n\n")
	p("| file | size | per point |\n|---|---:|---:|\n")
	for _, f := range m.files {
		p("| %s | %s | %s |\n", f.name, size(float64(f.size)), perPoint(f.size, c.points))
	}
	p("| all | %s | %s |\n\n", mb(outputs), perPoint(outputs, c.points))

	p("### simrun against multiprocessing + numpy + pandas\n\n")
	writer := "a pandas DataFrame written with to_csv"
	if m.pyWriter != "pandas" {
		writer = fmt.Sprintf("**without pandas: the rows written with the csv module** (writer=%s)", m.pyWriter)
	}
	p("The same sweep, %s points of 10 antithetic pairs, in [bench/python/scale_sweep.py](../bench/python/scale_sweep.py): Pool.map on %d workers, chunksize %s, each point's generator from SeedSequence(14).spawn, numpy for the paths, %s (K, the call's mean and its standard error: one row a point, where simrun writes a call and a put row with their intervals, and more files). Its own timing: %s for the pool, %s with the CSV; the rest of its wall time is the interpreter's start and imports.\n\n",
		points, c.workers, benchkit.Count(int64(m.pyChunksize)), writer, sec(secs(m.pyPool)), sec(secs(m.pySeconds)))
	p("| | simrun | Python | simrun faster by |\n|---|---|---|---|\n")
	p("| wall | %s | %s | %.1f× |\n", sec(m.run.Wall), sec(m.py.Wall), m.py.Wall.Seconds()/m.run.Wall.Seconds())
	p("| peak RSS (the largest process) | %s | %s | |\n", mb(m.run.MaxRSS), mb(m.py.MaxRSS))
	tables := "results.parquet " + mb(sizeOf(m.files, "results.parquet"))
	if n := sizeOf(m.files, "results.csv"); n >= 0 {
		tables += ", results.csv " + mb(n)
	} else {
		tables += "; no results.csv above sim.CSVRows rows"
	}
	p("| output | %s in %d files (%s) | %s, one CSV | |\n\n", mb(outputs), len(m.files), tables, mb(m.pyCSV))

	if len(m.warnings) > 0 {
		p("### Warnings\n\n")
		for _, w := range m.warnings {
			p("- %s\n", w)
		}
		p("\n")
	}

	p("### Commands\n\nRun from the repository root, each once and in this order; DIR is a new directory, and the experiment files are written by bench/cmd/benchscale:\n\n")
	p("```toml\n# %s\n%s\n# %s\n%s```\n\n", sweepName, sweepFile(c.points), chunksName, chunksFile(c.chunks))
	p("```sh\n")
	p("bin/simrun run --out DIR %s\n", sweepName)
	p("bin/simrun report DIR\n")
	p("bin/simrun run --out DIR %s\n", sweepName)
	p("%s bench/python/scale_sweep.py --points %d --workers %d --out prices.csv\n", c.python, c.points, c.workers)
	p("bin/simrun run --out DIR2 %s\n", chunksName)
	p("%s\n", m.trivialCmd)
	p("```\n")
	p("%s\n", endMarker)
	return b.String()
}

// rateM formats a rate in millions a second: "1.52 M".
func rateM(x float64) string { return fmt.Sprintf("%.2f M", x/1e6) }

// walls describes the runs a median came from: " (the median of 4.5 s,
// 4.6 s, 5.1 s)", or nothing for one run.
func walls(ws []time.Duration) string {
	if len(ws) < 2 {
		return ""
	}
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = sec(w)
	}
	return " (the median of " + strings.Join(s, ", ") + ")"
}

// target and targetMB write a target as the issue does: "5 s", "500 MB".
func target(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }
func targetMB(b float64) string     { return fmt.Sprintf("%g MB", b/1e6) }

func secs(x float64) time.Duration { return time.Duration(x * float64(time.Second)) }

func sec(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3f s", d.Seconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// mb formats bytes in MB (10^6), as docs/performance.md does.
func mb(b int64) string {
	if b < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

// size formats bytes in B, kB or MB (powers of 10): "190 B", "16.5 kB",
// "3.3 MB".
func size(b float64) string {
	switch {
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", b/1e6)
	case b >= 1e3:
		return fmt.Sprintf("%.1f kB", b/1e3)
	}
	return fmt.Sprintf("%.0f B", b)
}

// perPoint is the bytes of a file a point, or "–" for a file of less than
// a byte a point, whose size does not grow with the points.
func perPoint(b int64, points int) string {
	x := float64(b) / float64(points)
	if x < 1 {
		return "–"
	}
	return size(x)
}
