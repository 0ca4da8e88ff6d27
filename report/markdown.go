package report

import (
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// WriteMarkdown writes a self-contained Markdown report of r: a title (the
// experiment's name), description (Markdown, written as given), a table of
// the run's provenance, the summary of every point as a table (the swept
// parameters, the observable or derived quantity, mean ± standard error and
// 95% confidence interval rounded as in Summary, samples, the target
// column of Summary when a point shown was sampled adaptively, chunks and
// method; beyond mdPoints points, the first mdHead and an overview of all
// of them), the warnings, and each of figures (PNG file names relative to
// the report) embedded as an image named after its file's stem.
//
// Text that comes from the data (names, values, warnings) is escaped so
// that Markdown shows it literally.
func WriteMarkdown(w io.Writer, r *Results, description string, figures []string) error {
	d, err := r.digest()
	if err != nil {
		return err
	}
	ew := &errWriter{w: w}
	pv := r.Provenance

	title := pv.Experiment
	if title == "" {
		title = "simrun report"
	}
	fmt.Fprintf(ew, "# %s\n\n", mdEscape(title))
	if r.Partial {
		fmt.Fprintf(ew, "**Partial results:** the run stopped before every point finished.\n\n")
	}
	if d := strings.TrimSpace(description); d != "" {
		fmt.Fprintf(ew, "%s\n\n", d)
	}

	fmt.Fprintf(ew, "## Provenance\n\n")
	fmt.Fprintf(ew, "| | |\n|---|---|\n")
	for _, row := range provenanceRows(r) {
		v := mdEscape(row.Value)
		if row.Code {
			v = mdCode(row.Value)
		}
		fmt.Fprintf(ew, "| %s | %s |\n", row.Name, v)
	}
	if runs := runRows(pv); len(runs) > 0 {
		fmt.Fprintf(ew, "\nThe runs whose chunks these results hold, oldest first:\n\n")
		fmt.Fprintf(ew, "| start | wall time | host | workers | executor | chunks computed | from the journal |\n|---|---|---|---|---|---|---|\n")
		for _, run := range runs {
			fmt.Fprintf(ew, "| %s | %s | %s | %d | %s | %d | %d |\n", run.Start, run.Wall,
				mdEscape(run.Host), run.Workers, mdEscape(run.Executor), run.Computed, run.Reused)
		}
	}

	fmt.Fprintf(ew, "\n## Results\n\n")
	if d.n == 0 {
		fmt.Fprintf(ew, "No points finished.\n")
	} else {
		if fixed := d.fixed(); len(fixed) > 0 {
			fmt.Fprintf(ew, "Fixed parameters: %s.\n\n", mdEscape(strings.Join(fixed, ", ")))
		}
		t := newPointTable(r, d, mdPoints, mdHead)
		header := []string{"point"}
		for _, name := range t.Params {
			header = append(header, mdEscape(name))
		}
		header = append(header, "observable", "mean ± stderr", "95% CI", "samples")
		if t.Adaptive {
			header = append(header, "target")
		}
		header = append(header, "chunks", "method")
		fmt.Fprintf(ew, "| %s |\n|", strings.Join(header, " | "))
		for range header {
			fmt.Fprint(ew, "---|")
		}
		fmt.Fprintln(ew)
		for _, row := range t.Rows {
			cells := []string{strconv.FormatInt(row.Point, 10)}
			for _, v := range row.Params {
				cells = append(cells, mdEscape(v))
			}
			cells = append(cells, mdEscape(row.Observable), row.Estimate, row.CI, strconv.FormatInt(row.Samples, 10))
			if t.Adaptive {
				cells = append(cells, row.Target)
			}
			cells = append(cells, strconv.FormatInt(row.Chunks, 10), mdEscape(row.Method))
			fmt.Fprintf(ew, "| %s |\n", strings.Join(cells, " | "))
		}
		if t.More > 0 {
			fmt.Fprintf(ew, "\nThe first %d of %d points; every point is in %s. Over all %d:\n\n", t.Shown, d.n, tablesText(r), d.n)
			writeOverview(ew, d)
		}
	}

	if len(r.Failures) > 0 {
		fmt.Fprintf(ew, "\n## Failed chunks\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(ew, "- point %d (%s), chunk %d: %s; rerun with `%s`\n", f.Point, mdEscape(f.Key), f.Chunk, mdEscape(failureMessage(f)), f.Rerun)
		}
	}

	if warnings, _ := allWarnings(r, d); len(warnings) > 0 {
		fmt.Fprintf(ew, "\n## Warnings\n\n")
		for _, w := range warnings {
			fmt.Fprintf(ew, "- %s\n", mdEscape(w))
		}
	}

	if len(figures) > 0 {
		fmt.Fprintf(ew, "\n## Figures\n")
		for _, f := range figures {
			name := strings.TrimSuffix(path.Base(f), path.Ext(f))
			fmt.Fprintf(ew, "\n![%s](%s)\n", mdEscape(name), mdDest(f))
		}
	}
	if ew.err != nil {
		return fmt.Errorf("report: write Markdown: %w", ew.err)
	}
	return nil
}

// A report of more than mdPoints points lists the first mdHead, then an
// overview of every point by observable: a sweep of a million points
// made a report of 158 MB that no one reads as Markdown.
const (
	mdPoints = 1000
	mdHead   = 100
)

// writeOverview writes, for each observable or derived quantity, the
// range of its means over the points, the point with the largest
// standard error, and the fewest samples at a point.
func writeOverview(ew *errWriter, d *Digest) {
	rows, nanAt := d.overview()
	fmt.Fprintf(ew, "| observable | points | means from | to | largest stderr | at point | fewest samples |\n|---|---|---|---|---|---|---|\n")
	for _, o := range rows {
		fmt.Fprintf(ew, "| %s | %d | %s | %s | %s | %s | %d |\n", mdEscape(o.Observable), o.Points, o.From, o.To, o.Worst, o.At, o.Fewest)
	}
	if nanAt >= 0 {
		fmt.Fprintf(ew, "\nSome means are NaN, the first at point %d.\n", nanAt)
	}
}

// mdEscaper backslash-escapes the characters that Markdown (CommonMark and
// GitHub's tables) would otherwise interpret inline, and flattens newlines.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`<`, `\<`, `>`, `\>`, `|`, `\|`, "\n", " ", "\r", " ",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdCode writes s as a code span, or "-" when empty. Inside a table, a pipe
// must still be escaped.
func mdCode(s string) string {
	if s == "" {
		return "-"
	}
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdDest writes a link destination, in angle brackets when it has
// characters that would end a bare one.
func mdDest(f string) string {
	if strings.ContainsAny(f, " ()<>\t\n") {
		return "<" + strings.NewReplacer("<", `\<`, ">", `\>`, "\n", "%0A").Replace(f) + ">"
	}
	return f
}
