package main

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// render writes the block of docs/performance.md, its markers included.
func render(c *config, m *measurements) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	args := append([]string{"go", "run", "./bench/cmd/benchcoverage"}, os.Args[1:]...)
	p("%s\n<!-- Written by `make bench` (bench/cmd/benchcoverage); edits between these markers are overwritten. -->\n\n", beginMarker)
	p("Taken on %s–%s UTC, by `%s` (%.0f s in all: %.0f s the adaptive runs, %.0f s the fixed). 1-minute, 5-minute and 15-minute load averages: %s before, %s after.\n\n",
		m.start.Format("2006-01-02, 15:04"), m.end.Format("15:04"), benchkit.ShellJoin(args), m.end.Sub(m.start).Seconds(),
		m.adaptiveWall.Seconds(), m.fixedWall.Seconds(), m.loadBefore, m.loadAfter)
	for _, line := range m.machine {
		p("- %s\n", line)
	}

	var adaptive, fixed tally
	for _, r := range m.rows {
		adaptive.merge(r.adaptive)
		fixed.merge(r.fixed)
	}
	stats := strings.Join(uniq(m.rows, func(r row) string { return r.stat }), ", ")
	refs := strings.Join(uniq(m.rows, func(r row) string { return r.ref }), ", ")
	mean := float64(adaptive.samples) / float64(adaptive.n)
	p("\nThe experiment below at seeds 1 to %d, each run in process (engine.Run with Options.InProcess, one seed a goroutine, %d at a time): %d points, so %s 95%% intervals of %s for each budget. ",
		c.seeds, c.workers, m.points, benchkit.Count(int64(adaptive.n)), stats)
	p("Adaptive: a point runs in rounds from %d chunks of %s samples until its target is reached, at most %s samples. ",
		minChunks, benchkit.Count(chunkSize), benchkit.Count(maxChunks*chunkSize))
	p("Fixed: the same points and seeds without a target, %s samples a point, the adaptive runs' mean (%s) in whole chunks. ",
		benchkit.Count(m.fixedSamples), benchkit.Count(int64(math.Round(mean))))
	p("An interval covers when CILow ≤ exact ≤ CIHigh, the exact value being the kernel's reference (%s) as `simrun check` evaluates it (report.Check); ± is the binomial standard error √(p(1−p)/n).\n\n", refs)

	p("| point | exact %s | adaptive: coverage | mean samples | rounds: mean (range) | fixed, %s samples: coverage |\n", stats, benchkit.Count(m.fixedSamples))
	p("|---|---:|---:|---:|---:|---:|\n")
	line := func(label, exact string, a, f *tally) {
		p("| %s | %s | %s | %s | %s | %s |\n", label, exact, cov(a), benchkit.Count(int64(math.Round(float64(a.samples)/float64(a.n)))), rounds(a), cov(f))
	}
	for _, r := range m.rows {
		line(r.label, fmt.Sprintf("%.4f", r.exact), &r.adaptive, &r.fixed)
	}
	line("all", "", &adaptive, &fixed)
	pa, sa := adaptive.coverage()
	pf, sf := fixed.coverage()
	p("\nOver all %s intervals of each budget (%d seeds × %d points): adaptive %.4f ± %.4f, fixed %.4f ± %.4f; adaptive − fixed = %+.4f, %.1f of the adaptive coverage's standard errors. ",
		benchkit.Count(int64(adaptive.n)), c.seeds, m.points, pa, sa, pf, sf, pa-pf, (pa-pf)/sa)
	p("The two budgets share their seeds, and so the first chunks of each point: their coverages are not independent estimates.\n\n")

	p("### Adaptive coverage by where a point stopped\n\n")
	p("| point | stopped at | rounds | intervals | coverage |\n|---|---:|---:|---:|---:|\n")
	for _, r := range m.rows {
		for _, ch := range slices.Sorted(maps.Keys(r.byChunks)) {
			t := r.byChunks[ch]
			p("| %s | %s samples (%d chunks) | %s | %s | %s |\n", r.label, benchkit.Count(ch*chunkSize), ch, roundRange(t), benchkit.Count(int64(t.n)), cov(t))
		}
	}

	if len(m.warnings) > 0 {
		p("\n### Warnings\n\n")
		for _, w := range m.warnings {
			p("- %s\n", w)
		}
	}

	p("\n### Command\n\n")
	p("The experiment, as bench/cmd/benchcoverage writes it at seed 1 (the fixed budget's `[samples]` is `samples = %s` and `chunk_size = %s`, no `min_chunks` or target):\n\n",
		underscores(m.fixedSamples), underscores(chunkSize))
	p("```toml\n%s```\n\n", experimentFile(1, 0))
	p("```sh\n%s\n```\n", benchkit.ShellJoin(args))
	p("%s\n", endMarker)
	return b.String()
}

// cov writes a tally's coverage with its standard error: "0.948 ± 0.011".
func cov(t *tally) string {
	if t.n == 0 {
		return "–"
	}
	p, se := t.coverage()
	return fmt.Sprintf("%.3f ± %.3f", p, se)
}

// rounds writes a tally's mean rounds and their range: "4.6 (4–5)".
func rounds(t *tally) string {
	return fmt.Sprintf("%.2f (%s)", float64(t.rounds)/float64(t.n), roundRange(t))
}

// roundRange writes the range of a tally's rounds: "4–5", or "5".
func roundRange(t *tally) string {
	if t.minRounds == t.maxRounds {
		return fmt.Sprint(t.minRounds)
	}
	return fmt.Sprintf("%d–%d", t.minRounds, t.maxRounds)
}

// uniq returns the distinct values of f over rows, in their order.
func uniq(rows []row, f func(row) string) []string {
	var s []string
	for _, r := range rows {
		if v := f(r); !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	return s
}

// underscores writes n as a TOML integer with digit separators: 1_000_000.
func underscores(n int64) string { return strings.ReplaceAll(benchkit.Count(n), ",", "_") }
