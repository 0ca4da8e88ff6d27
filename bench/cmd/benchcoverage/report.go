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

// render writes the block of docs/performance.md, its markers included:
// when and where it was measured, then a subsection for each
// configuration.
func render(c *options, m *measurements) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	args := append([]string{"go", "run", "./bench/cmd/benchcoverage"}, os.Args[1:]...)
	p("%s\n<!-- Written by `make bench` (bench/cmd/benchcoverage); edits between these markers are overwritten. -->\n\n", beginMarker)
	var walls []string
	var rows []row
	for _, r := range m.results {
		walls = append(walls, fmt.Sprintf("%.0f s %s", (r.adaptiveWall+r.fixedWall).Seconds(), r.cf.id))
		rows = append(rows, r.rows...)
	}
	p("Taken on %s–%s UTC, by `%s` (%.0f s in all: %s). 1-minute, 5-minute and 15-minute load averages: %s before, %s after.\n\n",
		m.start.Format("2006-01-02, 15:04"), m.end.Format("15:04"), benchkit.ShellJoin(args), m.end.Sub(m.start).Seconds(),
		strings.Join(walls, ", "), m.loadBefore, m.loadAfter)
	for _, line := range m.machine {
		p("- %s\n", line)
	}
	refs := strings.Join(uniq(rows, func(r row) string { return r.ref }), ", ")
	p("\nEach configuration below runs at seeds 1 to %d, each run in process (engine.Run with Options.InProcess, one seed a goroutine, %d at a time), twice: ", c.seeds, c.workers)
	p("adaptive, each point in rounds from its first chunks until its target is reached; then with a fixed budget, the same points and seeds without a target, the adaptive runs' mean samples a point in whole chunks. ")
	p("An interval covers when CILow ≤ exact ≤ CIHigh, the exact value being the kernel's reference (%s) as `simrun check` evaluates it (report.Check); ± is the binomial standard error √(p(1−p)/n). ", refs)
	p("The two budgets share their seeds, and so the first chunks of each point: their coverages are not independent estimates, and their difference is taken seed by seed.\n")

	for i := range m.results {
		renderResult(&b, c, &m.results[i])
	}

	p("\n### Command\n\n```sh\n%s\n```\n", benchkit.ShellJoin(args))
	p("%s\n", endMarker)
	return b.String()
}

// renderResult writes the subsection of one configuration's result.
func renderResult(b *strings.Builder, c *options, r *result) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	cf := r.cf
	var adaptive, fixed tally
	var onlyA, onlyF int
	for _, w := range r.rows {
		adaptive.merge(w.adaptive)
		fixed.merge(w.fixed)
		onlyA, onlyF = onlyA+w.onlyAdaptive, onlyF+w.onlyFixed
	}
	stats := strings.Join(uniq(r.rows, func(w row) string { return w.stat }), ", ")
	mean := float64(adaptive.samples) / float64(adaptive.n)
	p("\n### %s\n\n%s ", cf.heading(), cf.about)
	p("Adaptive: a point runs in rounds from %d chunks of %s samples until the standard error of %s is at most %g, at most %s samples. ",
		cf.minChunks, benchkit.Count(cf.chunkSize), stats, cf.targetAbs, benchkit.Count(cf.maxChunks*cf.chunkSize))
	p("Fixed: %s samples a point, the adaptive runs' mean (%s) in whole chunks. ",
		benchkit.Count(r.fixedSamples), benchkit.Count(int64(math.Round(mean))))
	p("%d points, so %s 95%% intervals of %s for each budget; the adaptive runs took %.0f s, the fixed %.0f s.\n\n",
		r.points, benchkit.Count(int64(adaptive.n)), stats, r.adaptiveWall.Seconds(), r.fixedWall.Seconds())

	p("| point | exact %s | adaptive: coverage | mean samples | rounds: mean (range) | fixed, %s samples: coverage | covers in one budget only: adaptive / fixed |\n", stats, benchkit.Count(r.fixedSamples))
	p("|---|---:|---:|---:|---:|---:|---:|\n")
	line := func(label, exact string, a, f *tally, onlyA, onlyF int) {
		p("| %s | %s | %s | %s | %s | %s | %d / %d |\n", label, exact, cov(a), meanSamples(a), rounds(a), cov(f), onlyA, onlyF)
	}
	for _, w := range r.rows {
		line(w.label, fmt.Sprintf("%.4f", w.exact), &w.adaptive, &w.fixed, w.onlyAdaptive, w.onlyFixed)
	}
	line("all", "", &adaptive, &fixed, onlyA, onlyF)
	pa, sa := adaptive.coverage()
	pf, sf := fixed.coverage()
	p("\nOver all %s intervals of each budget (%d seeds × %d points): adaptive %.4f ± %.4f, fixed %.4f ± %.4f. ",
		benchkit.Count(int64(adaptive.n)), c.seeds, r.points, pa, sa, pf, sf)
	if onlyA+onlyF == 0 {
		p("Paired by seed and point, every interval covers in both runs or in neither: adaptive − fixed = 0.\n\n")
	} else {
		d, sd := pairedDiff(onlyA, onlyF, adaptive.n)
		p("Paired by seed and point, %d intervals cover in the adaptive run only and %d in the fixed run only: adaptive − fixed = %+.4f ± %.4f (the paired standard error √(b + c − (b − c)²/n)/n, b and c those counts), %.1f of them.\n\n",
			onlyA, onlyF, d, sd, d/sd)
	}

	p("#### Adaptive coverage by rounds\n\n")
	p("The intervals of each point by the rounds its adaptive run took (one interval a seed), and the fixed budget's intervals at the same seeds.\n\n")
	p("| point | rounds | intervals | fraction | mean samples | adaptive: coverage | fixed, same seeds: coverage |\n|---|---:|---:|---:|---:|---:|---:|\n")
	byRounds := func(label string, a, f map[int]*tally, n int) {
		for _, k := range slices.Sorted(maps.Keys(a)) {
			t := a[k]
			p("| %s | %d | %s | %.3f | %s | %s | %s |\n", label, k, benchkit.Count(int64(t.n)), float64(t.n)/float64(n), meanSamples(t), cov(t), cov(f[k]))
		}
	}
	allA, allF := map[int]*tally{}, map[int]*tally{}
	for _, w := range r.rows {
		byRounds(w.label, w.byRounds, w.fixedByRounds, w.adaptive.n)
		mergeInto(allA, w.byRounds)
		mergeInto(allF, w.fixedByRounds)
	}
	if len(r.rows) > 1 {
		byRounds("all", allA, allF, adaptive.n)
	}

	if cf.byPrefix {
		p("\n#### Adaptive coverage by where a point stopped\n\n")
		p("| point | stopped at | rounds | intervals | coverage |\n|---|---:|---:|---:|---:|\n")
		for _, w := range r.rows {
			for _, ch := range slices.Sorted(maps.Keys(w.byChunks)) {
				t := w.byChunks[ch]
				p("| %s | %s samples (%d chunks) | %s | %s | %s |\n", w.label, benchkit.Count(ch*cf.chunkSize), ch, roundRange(t), benchkit.Count(int64(t.n)), cov(t))
			}
		}
	}

	if len(r.warnings) > 0 {
		p("\n#### Warnings\n\n")
		for _, w := range r.warnings {
			p("- %s\n", w)
		}
	}

	p("\n#### Experiment file\n\n")
	p("As bench/cmd/benchcoverage writes it at seed 1 (the fixed budget's `[samples]` is `samples = %s` and `chunk_size = %s`, no `min_chunks` or target):\n\n",
		underscores(r.fixedSamples), underscores(cf.chunkSize))
	p("```toml\n%s```\n", cf.file(1, 0))
}

// pairedDiff returns the difference of two coverages measured on the
// same n pairs of intervals, of which b covered in the first only and c
// in the second only, and its standard error √(b + c − (b − c)²/n)/n:
// the intervals both or neither covered do not contribute to it.
func pairedDiff(b, c, n int) (d, se float64) {
	fb, fc, fn := float64(b), float64(c), float64(n)
	d = (fb - fc) / fn
	return d, math.Sqrt(fb+fc-(fb-fc)*(fb-fc)/fn) / fn
}

// meanSamples writes a tally's mean samples an interval, rounded.
func meanSamples(t *tally) string {
	return benchkit.Count(int64(math.Round(float64(t.samples) / float64(t.n))))
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
