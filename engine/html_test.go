package engine

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/report"
)

// htmlExperiment has a line plot with a reference and three coloured
// series, written as PNG and SVG, and a histogram written as PNG only:
// report.html has both inline as SVG all the same.
const htmlExperiment = `
name = "walk-html"
description = """
Mean squared displacement of the simple random walk, d = 1, 2, 3.

The reference is the exact MSD = T <in every dimension>.
"""
kernel = "randomwalk"
seed = 11

[sweep]
d = [1, 2, 3]
steps = [10, 20, 40, 80]

[samples]
samples = 4000
chunk_size = 500

[[plot]]
name = "msd"
x = "steps"
y = "r2"
reference = "msd"
title = "Random walk: mean squared displacement"

[[plot]]
name = "chunks"
kind = "histogram"
y = "x1"
formats = ["png"]
`

// runHTMLExperiment runs htmlExperiment in process and returns its
// output directory and outcome.
func runHTMLExperiment(t *testing.T) (string, *Outcome) {
	t.Helper()
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", htmlExperiment)
	out := filepath.Join(dir, "out")
	return out, runFile(t, file, out, Options{Workers: 2, InProcess: true})
}

// TestReportHTML checks that a run writes report.html beside report.md,
// with every plot's figure inline, also one whose formats lack SVG, and
// that simrun report rebuilds it byte for byte.
func TestReportHTML(t *testing.T) {
	out, o := runHTMLExperiment(t)
	path := filepath.Join(out, ReportHTML)
	if !slices.Contains(o.Written, path) {
		t.Errorf("run wrote %q, want %s among them", o.Written, path)
	}
	if _, err := os.Stat(filepath.Join(out, "chunks.svg")); err == nil {
		t.Errorf("chunks.svg written although its formats are [\"png\"]")
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"msd", "chunks"} {
		fig := figureElement(page, name)
		if fig == "" {
			t.Errorf("report.html has no <figure id=\"fig-%s\">", name)
			continue
		}
		if !strings.Contains(fig, "<svg") || !strings.Contains(fig, "</svg>") {
			t.Errorf("figure fig-%s has no inline <svg>", name)
		}
		if strings.Contains(fig, "<?xml") {
			t.Errorf("figure fig-%s keeps the SVG's XML declaration", name)
		}
	}
	// The SVG of msd is the bytes of msd.svg, from the figure's one build.
	svg, err := os.ReadFile(filepath.Join(out, "msd.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if i := bytes.Index(svg, []byte("<svg")); i < 0 || !strings.Contains(figureElement(page, "msd"), string(bytes.TrimSpace(svg[i:]))) {
		t.Errorf("figure fig-msd does not hold msd.svg's <svg> element")
	}
	if !strings.Contains(string(page), "&lt;in every dimension&gt;") {
		t.Errorf("report.html lacks the description, escaped")
	}

	// simrun report rebuilds it from the chunks, byte for byte.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := testEngine.Report(out); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("simrun report did not rebuild report.html: %v", err)
	}
	if !bytes.Equal(rebuilt, page) {
		t.Errorf("report.html rebuilt by Report differs from the run's")
	}
}

// figureElement returns the <figure id="fig-NAME"> element of page, up
// to its </figure>, or "".
func figureElement(page []byte, name string) string {
	s := string(page)
	i := strings.Index(s, `<figure id="fig-`+name+`">`)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], "</figure>")
	if j < 0 {
		return ""
	}
	return s[i : i+j+len("</figure>")]
}

// chromium returns the path of a Chromium or Chrome binary, or skips t.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("chromium not installed: apt-get install chromium to run this test (.ci/run does)")
	return ""
}

// runChromium runs the headless browser with args after the flags that
// let it run as root in a container without a display, GPU or network
// profile, with a profile of its own in a temporary directory, and
// returns what it printed on stdout. It kills it after a minute.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	flags := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
		"--user-data-dir=" + t.TempDir(), "--window-size=1200,1600",
	}
	cmd := exec.CommandContext(ctx, bin, append(flags, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Its helper processes may keep the pipes open after it is killed.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (killed after %v)", err, 60*time.Second)
		}
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestReportHTMLInChromium renders the report.html of a run in headless
// Chromium: its screenshot must not be blank, and its figures must add
// colour (their series lines and bars) to what the same page without
// them shows, and the DOM the browser builds must hold every figure
// with its SVG, the table of points and the provenance.
func TestReportHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	out, o := runHTMLExperiment(t)
	path, err := filepath.Abs(filepath.Join(out, ReportHTML))
	if err != nil {
		t.Fatal(err)
	}
	// The page without its figures, to tell their colour from that of
	// the page's links.
	e, err := testEngine.ReadExperiment(out)
	if err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "nofigures.html")
	var b bytes.Buffer
	if err := report.WriteHTML(&b, o.Results, e.Description, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bare, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// go test -artifacts keeps the screenshots, to look at.
	m := measureScreenshot(screenshot(t, bin, path, filepath.Join(t.ArtifactDir(), "report.png")))
	base := measureScreenshot(screenshot(t, bin, bare, filepath.Join(t.ArtifactDir(), "nofigures.png")))
	t.Logf("screenshot %dx%d: %.1f%% of pixels differ from the background, %d in colour; without the figures %.1f%%, %d",
		m.width, m.height, 100*m.inkFraction, m.coloured, 100*base.inkFraction, base.coloured)
	if m.width != 1200 || m.height != 1600 {
		t.Errorf("screenshot is %dx%d, want the window's 1200x1600", m.width, m.height)
	}
	// A page of text, tables and two figures inks several per cent of
	// the window; a blank page or an error page next to nothing.
	if m.inkFraction < 0.02 {
		t.Errorf("screenshot is nearly blank: %.2f%% of pixels differ from the background, want at least 2%%", 100*m.inkFraction)
	}
	// The three series of msd and the histogram's bars and curves are
	// many thousand coloured pixels.
	if added := m.coloured - base.coloured; added < 3000 {
		t.Errorf("the figures add %d coloured pixels to the page (%d, without them %d), want at least 3000: are they drawn?", added, m.coloured, base.coloured)
	}

	checkDOM(t, string(runChromium(t, bin, "--dump-dom", fileURL(path))))
}

// screenshot has chromium take a screenshot of the page at path into
// shot, and decodes it.
func screenshot(t *testing.T, bin, path, shot string) image.Image {
	t.Helper()
	runChromium(t, bin, "--screenshot="+shot, fileURL(path))
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	return img
}

// fileURL is the file: URL of the absolute path.
func fileURL(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// A screenshotMeasure is what measureScreenshot counts.
type screenshotMeasure struct {
	width, height int
	inkFraction   float64 // pixels that differ from the background
	coloured      int     // pixels far from grey
}

// measureScreenshot counts the pixels of img that differ from its
// background (the colour of its top-left pixel) by more than a faint
// tint, and those whose channels differ from each other by more than
// 60 of 255: colour, not the grey of text and rules.
func measureScreenshot(img image.Image) screenshotMeasure {
	b := img.Bounds()
	br, bg, bb, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	var ink, coloured int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if absDiff(r, br)+absDiff(g, bg)+absDiff(bl, bb) > 3*16<<8 {
				ink++
			}
			if max(r, g, bl)-min(r, g, bl) > 60<<8 {
				coloured++
			}
		}
	}
	return screenshotMeasure{width: b.Dx(), height: b.Dy(), inkFraction: float64(ink) / float64(b.Dx()*b.Dy()), coloured: coloured}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// checkDOM checks the DOM that chromium --dump-dom printed: HTML as the
// browser serialises it, not XML, so it is read with regular
// expressions.
func checkDOM(t *testing.T, dom string) {
	t.Helper()
	if !strings.Contains(dom, "<h1>walk-html</h1>") {
		t.Errorf("DOM has no title walk-html:\n%s", dom)
	}
	for _, name := range []string{"msd", "chunks"} {
		fig := figureElement([]byte(dom), name)
		switch {
		case fig == "":
			t.Errorf("DOM has no <figure id=\"fig-%s\">", name)
		case !regexp.MustCompile(`(?s)<svg[^>]*viewBox=.*<path .*</svg>`).MatchString(fig):
			t.Errorf("DOM's figure fig-%s has no <svg> with paths in it", name)
		case !strings.Contains(fig, "<figcaption>"):
			t.Errorf("DOM's figure fig-%s has no caption", name)
		}
	}
	summary := section(dom, "summary")
	// 12 points of one observable or more: a row each, and a header.
	if rows := strings.Count(summary, "<tr>"); !strings.Contains(summary, `<table class="points">`) || rows < 13 {
		t.Errorf("DOM's summary has %d table rows, want the 12 points' and a header:\n%s", rows, summary)
	}
	prov := section(dom, "provenance")
	for _, want := range []string{"SHA-256", "seed", "<td>11</td>", "randomwalk", "generator"} {
		if !strings.Contains(prov, want) {
			t.Errorf("DOM's provenance lacks %q:\n%s", want, prov)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Errorf("DOM has a <script>")
	}
}

// section returns the <section id="ID"> element of dom, up to its
// </section> (sections do not nest), or "".
func section(dom, id string) string {
	i := strings.Index(dom, `<section id="`+id+`">`)
	if i < 0 {
		return ""
	}
	j := strings.Index(dom[i:], "</section>")
	if j < 0 {
		return ""
	}
	return dom[i : i+j]
}
