package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestDigestOfTheFirstPoints: results that hold only their first points
// and a Digest of all of them summarise and report as the results of
// every point do, byte for byte, even when a parameter varies only after
// the points held and a warning first appears there.
func TestDigestOfTheFirstPoints(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		held int
	}{
		{"a summary's worth", 150, 60},
		{"a report's worth", 1500, 120},
		{"all held", 150, 150},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := sweepResults(tc.n)
			// v is 0 at the points held and 1 after them; the last point
			// warns "late".
			specs := []sim.ParamSpec{{Name: "w", Kind: sim.Int}, {Name: "v", Kind: sim.Int}}
			for i := range all.Points {
				p := &all.Points[i]
				v := int64(0)
				if i >= tc.held {
					v = 1
				}
				p.Params = sim.NewParams(specs, []sim.Value{p.Params.Value(0), sim.IntValue(v)})
			}
			all.Points[tc.n-1].Warnings = append(all.Points[tc.n-1].Warnings, "late")
			d := NewDigest()
			for _, p := range all.Points {
				if err := d.Add(p); err != nil {
					t.Fatal(err)
				}
			}
			if d.Points() != int64(tc.n) {
				t.Errorf("Points() = %d, want %d", d.Points(), tc.n)
			}
			held := &Results{Provenance: all.Provenance, Points: all.Points[:tc.held], PointsOmitted: int64(tc.n - tc.held), Digest: d}
			for _, w := range []struct {
				name  string
				write func(*strings.Builder, *Results) error
			}{
				{"Summary", func(b *strings.Builder, r *Results) error { return Summary(b, r) }},
				{"WriteMarkdown", func(b *strings.Builder, r *Results) error { return WriteMarkdown(b, r, "", nil) }},
			} {
				var want, got strings.Builder
				if err := w.write(&want, all); err != nil {
					t.Fatal(err)
				}
				if err := w.write(&got, held); err != nil {
					t.Fatal(err)
				}
				if w.name == "WriteMarkdown" && tc.n <= mdPoints && tc.held < tc.n {
					// The report lists more points than are held: it lists
					// those, and sums up all.
					if line := fmt.Sprintf("The first %d of %d points;", tc.held, tc.n); !strings.Contains(got.String(), line) {
						t.Errorf("WriteMarkdown of %d points held of %d lacks %q", tc.held, tc.n, line)
					}
					continue
				}
				if got.String() != want.String() {
					t.Errorf("%s of %d points held and a digest differs from that of all %d:\n%s\nwant:\n%s", w.name, tc.held, tc.n, tail(got.String(), 8), tail(want.String(), 8))
				}
				if !strings.Contains(want.String(), "late") || tc.held < tc.n && !strings.Contains(want.String(), "v=0") {
					t.Errorf("%s: the test's points do not vary v or warn late:\n%s", w.name, tail(want.String(), 8))
				}
			}
		})
	}
}

// TestDigestParamsMismatch: a point named otherwise than the first is an
// error that the Digest keeps, and Summary returns.
func TestDigestParamsMismatch(t *testing.T) {
	r := sweepResults(3)
	r.Points[2].Params = sim.NewParams([]sim.ParamSpec{{Name: "x", Kind: sim.Int}}, []sim.Value{sim.IntValue(1)})
	d := NewDigest()
	var err error
	for _, p := range r.Points {
		if err = d.Add(p); err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "point 2 has parameters [x], want [w]") {
		t.Fatalf("Add = %v, want the mismatch of point 2", err)
	}
	if err := Summary(&strings.Builder{}, &Results{Points: r.Points[:1], PointsOmitted: 2, Digest: d}); err == nil {
		t.Error("Summary with a failed digest: no error")
	}
}
