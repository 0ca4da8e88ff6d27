package figure

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// svgStructure summarises an SVG document without its coordinates: one
// line per element, in document order, indented by depth, naming the
// element and, for a path, its fill or its stroke colour, width and
// whether it is dashed, for a text its font size and text. A run of
// identical lines is one line with "×n". Two renderings with the same
// summary draw the same things in the same order and style, wherever
// they are.
func svgStructure(svg []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(svg))
	var lines []string
	depth := 0
	var text *strings.Builder // inside a <text>
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line := strings.Repeat("  ", depth) + t.Name.Local
			style := map[string]string{}
			for _, a := range t.Attr {
				if a.Name.Local != "style" {
					continue
				}
				for _, kv := range strings.Split(a.Value, ";") {
					k, v, _ := strings.Cut(strings.TrimSpace(kv), ":")
					style[k] = v
				}
			}
			switch t.Name.Local {
			case "path":
				if f := style["fill"]; f != "" && f != "none" {
					line += " fill=" + f
					if o := style["fill-opacity"]; o != "" {
						line += "/" + o
					}
				}
				if s := style["stroke"]; s != "" && s != "none" {
					line += " stroke=" + s
					if w := style["stroke-width"]; w != "" {
						line += " width=" + w
					}
					if style["stroke-dasharray"] != "" {
						line += " dashed"
					}
				}
			case "text":
				line += " " + style["font-size"]
				text = new(strings.Builder)
			}
			lines = append(lines, line)
			depth++
		case xml.CharData:
			if text != nil {
				text.Write(t)
			}
		case xml.EndElement:
			depth--
			if text != nil {
				lines[len(lines)-1] += " " + fmt.Sprintf("%q", text.String())
				text = nil
			}
		}
	}
	// Runs of identical lines.
	var out strings.Builder
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		out.WriteString(lines[i])
		if j-i > 1 {
			fmt.Fprintf(&out, " ×%d", j-i)
		}
		out.WriteByte('\n')
		i = j
	}
	return out.String(), nil
}

// goldenFigure is a fixed line plot with everything Render draws for
// one: two series with error bars, each with its reference curve, and
// their residual panel.
func goldenFigure() *Figure {
	nan := math.NaN()
	fig := &Figure{Spec: sim.PlotSpec{
		Name: "golden", X: "K", Y: "call", Reference: "bs", Residuals: true,
		Title: "European call: Monte Carlo and Black–Scholes", XLabel: "strike K", YLabel: "call price",
	}.WithDefaults()}
	for i, sigma := range []float64{0.2, 0.4} {
		s := Series{Label: fmt.Sprintf("σ = %g", sigma)}
		r := Series{Label: fmt.Sprintf("Black–Scholes (σ = %g)", sigma)}
		res := Series{Label: s.Label}
		for k := 60.0; k <= 140; k += 10 {
			// A made-up price, decreasing and convex in K, and a
			// made-up error: the figure's structure is what counts.
			y := 40 * math.Exp(-(k-60)/(30+40*sigma))
			d := 0.3 + 0.1*float64(i)
			s.X, s.Y = append(s.X, k), append(s.Y, y+d*math.Sin(k+float64(i)))
			s.Lo, s.Hi = append(s.Lo, y-2*d), append(s.Hi, y+2*d)
			res.X, res.Y = append(res.X, k), append(res.Y, math.Sin(k+float64(i)))
			res.Lo, res.Hi = append(res.Lo, nan), append(res.Hi, nan)
		}
		for k := 60.0; k <= 140; k += 2 {
			r.X, r.Y = append(r.X, k), append(r.Y, 40*math.Exp(-(k-60)/(30+40*sigma)))
		}
		fig.Series = append(fig.Series, s)
		fig.Reference = append(fig.Reference, r)
		fig.Residuals = append(fig.Residuals, res)
	}
	return fig
}

// TestRenderGolden compares the structure of a fixed figure's SVG with
// testdata/line_residuals.golden; go test -update rewrites it. On a
// mismatch, the summary is written to testdata/line_residuals.got.
func TestRenderGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Render(&b, goldenFigure(), "svg"); err != nil {
		t.Fatal(err)
	}
	got, err := svgStructure(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "line_residuals.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	gotFile := strings.TrimSuffix(golden, ".golden") + ".got"
	if got != string(want) {
		os.WriteFile(gotFile, []byte(got), 0o644)
		t.Errorf("the SVG's structure differs from %s: see %s (diff them; go test -update accepts it)", golden, gotFile)
	} else {
		os.Remove(gotFile)
	}
}
