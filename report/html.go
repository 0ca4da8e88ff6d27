package report

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/internal/words"
)

// An HTMLFigure is a figure of report.html: its plot's name (the file
// stem of its images, and the page's id fig-NAME), its title, an SVG
// document of it to set inline, and the image files written beside the
// report that the caption links to.
type HTMLFigure struct {
	Name  string
	Title string
	SVG   []byte
	Files []string
}

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report.html").
	Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }}).
	Parse(htmlSource))

// WriteHTML writes report.html, a self-contained page of r for a
// browser: no script, style sheet, font or image that it loads, and it
// reads without JavaScript. It holds what WriteMarkdown writes, as
// sections with stable ids: the title (the experiment's name); the
// description, as plain text, a paragraph to each block of lines
// between blank ones; the figures (id "figures"), each a <figure
// id="fig-NAME"> with its SVG inline, scaled to the width of the page,
// and a caption; the table of the points (id "summary") as
// WriteMarkdown's, with its limit of rows and, beyond it, where every
// point is and an overview of all; the warnings ("warnings"); the
// failed chunks, each with the command that reruns it ("failures");
// and the provenance ("provenance"), WriteMarkdown's with the host and
// the command line besides.
//
// Everything from the data is escaped (html/template). Each SVG is set
// in the page as markup, without its XML declaration, comments and
// doctype: it must be one well-formed XML document whose root is <svg>,
// from a renderer one trusts (package figure), else WriteHTML returns
// an error. The page is well-formed XML too (XHTML-compatible HTML), so
// that encoding/xml reads it back.
func WriteHTML(w io.Writer, r *Results, description string, figures []HTMLFigure) error {
	d, err := r.digest()
	if err != nil {
		return err
	}
	pv := r.Provenance
	page := htmlPage{
		Title:       pv.Experiment,
		Partial:     r.Partial,
		Description: paragraphs(description),
		Points:      d.n,
		Fixed:       strings.Join(d.fixed(), ", "),
		Tables:      tablesText(r),
		Provenance:  provenanceRows(r),
		Runs:        runRows(pv),
		NaNAt:       -1,
	}
	if page.Title == "" {
		page.Title = "simrun report"
	}
	for _, f := range figures {
		svg, err := inlineSVG(f.SVG)
		if err != nil {
			return fmt.Errorf("report: figure %s: %w", f.Name, err)
		}
		title := f.Title
		if title == "" {
			title = f.Name
		}
		page.Figures = append(page.Figures, htmlFigure{Name: f.Name, Title: title, SVG: svg, Files: f.Files})
	}
	if d.n > 0 {
		page.Table = newPointTable(r, d, mdPoints, mdHead)
		page.Adaptive = adaptiveLine(r, d)
		if page.Table.More > 0 {
			page.Overview, page.NaNAt = d.overview()
		}
	}
	var total int
	page.Warnings, total = allWarnings(r, d)
	page.WarningCount = words.Count(int64(total), "warning")
	for _, f := range r.Failures {
		page.Failures = append(page.Failures, htmlFailure{Point: f.Point, Key: f.Key, Chunk: f.Chunk, Message: failureMessage(f), Rerun: f.Rerun})
	}
	page.FailureCount = words.Count(int64(len(r.Failures)), "failed chunk")
	page.Provenance = append(page.Provenance, provRow{Name: "host", Value: orDash(pv.Host)})
	command := provRow{Name: "command", Value: "-"}
	if len(pv.Command) > 0 {
		command = codeRow("command", shell.Join(pv.Command[0], pv.Command[1:]...))
	}
	page.Provenance = append(page.Provenance, command)

	// Executed into a buffer: a template error midway leaves w untouched.
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write HTML: %w", err)
	}
	return nil
}

// htmlPage is what the template of report.html shows.
type htmlPage struct {
	Title        string
	Partial      bool
	Description  []string // paragraphs
	Figures      []htmlFigure
	Points       int64 // every point, shown or not
	Fixed        string
	Table        pointTable
	Adaptive     string // adaptiveLine
	Tables       string // the files that hold every point
	Overview     []overviewRow
	NaNAt        int64
	Warnings     []string
	WarningCount string
	Failures     []htmlFailure
	FailureCount string
	Provenance   []provRow
	Runs         []runRow
}

type htmlFigure struct {
	Name, Title string
	SVG         template.HTML
	Files       []string
}

type htmlFailure struct {
	Point   int64
	Key     string
	Chunk   int64
	Message string
	Rerun   string
}

// paragraphs splits s into its blocks of lines between blank lines,
// each trimmed.
func paragraphs(s string) []string {
	var ps []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			ps = append(ps, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return ps
}

// inlineSVG returns the <svg> element of the SVG document b, without
// what comes before it (the XML declaration, comments, a doctype) or
// after it, checking that b is well-formed XML with an <svg> root.
func inlineSVG(b []byte) (template.HTML, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	start, end := int64(-1), int64(-1)
	depth := 0
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("SVG is not well-formed: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if start < 0 {
				if tok.Name.Local != "svg" {
					return "", fmt.Errorf("SVG's root element is <%s>, want <svg>", tok.Name.Local)
				}
				start = off
			} else if depth == 0 {
				return "", errors.New("SVG has a second root element")
			}
			depth++
		case xml.EndElement:
			if depth--; depth == 0 {
				end = dec.InputOffset()
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(tok)) > 0 {
				return "", errors.New("SVG has text outside its root element")
			}
		}
	}
	if start < 0 || end < 0 {
		return "", errors.New("SVG has no <svg> element")
	}
	return template.HTML(b[start:end]), nil
}
