package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim"
)

// A Digest sums up a sweep's points as they come, for Summary and
// WriteMarkdown: how many there are, which parameters vary, the warnings
// grouped by message, and the range of each observable. Its memory grows
// with the warnings' messages, not with the points, so that a run of a
// million points keeps a Digest and its first points (Results.Digest)
// instead of all of them. A Digest of Results.Points, which Summary and
// WriteMarkdown build when Results.Digest is nil, is the same as one
// built as the points came, and so are the bytes they write.
type Digest struct {
	n     int64
	names []string
	first sim.Params
	swept []bool
	err   error // the first point whose parameters are not the first's

	groups []*warningGroup // in order of first appearance
	byMsg  map[string]*warningGroup

	obs    []*obsOverview // in order of first appearance
	byName map[string]*obsOverview
}

// A warningGroup is the points that share a warning message: how many,
// and the first warnGroup+1 of them, to label.
type warningGroup struct {
	msg    string
	n      int
	points []PointResult // Index and Params only
}

// An obsOverview is what writeOverview writes of one observable or
// derived quantity over every point.
type obsOverview struct {
	name          string
	lo, hi        float64 // of the means that are not NaN
	worst         float64 // largest standard error
	worstAt       int64
	fewest        int64
	points, nanAt int64
}

// NewDigest returns an empty Digest.
func NewDigest() *Digest {
	return &Digest{byMsg: make(map[string]*warningGroup), byName: make(map[string]*obsOverview)}
}

// Add adds point p, which comes after those added before it in sweep
// order. It keeps none of p but its index and parameters, and those only
// for the first point and a few that warn. A point whose parameters are
// not named as the first point's is an error, which Add returns and the
// Digest keeps.
func (d *Digest) Add(p PointResult) error {
	if d.err != nil {
		return d.err
	}
	if d.n == 0 {
		d.names = make([]string, p.Params.Len())
		for i := range d.names {
			d.names[i] = p.Params.Name(i)
		}
		d.first = p.Params
		d.swept = make([]bool, len(d.names))
	} else {
		if err := checkParams(p, d.names); err != nil {
			d.err = err
			return err
		}
		for i := range d.swept {
			d.swept[i] = d.swept[i] || !p.Params.Value(i).Same(d.first.Value(i))
		}
	}
	d.n++
	for _, w := range p.Warnings {
		g := d.byMsg[w]
		if g == nil {
			g = &warningGroup{msg: w}
			d.byMsg[w] = g
			d.groups = append(d.groups, g)
		}
		g.n++
		// Labelled only while a group still lists its points: a large
		// sweep whose points all warn the same way keeps warnGroup+1.
		if len(g.points) <= warnGroup {
			g.points = append(g.points, PointResult{Index: p.Index, Params: p.Params})
		}
	}
	for _, s := range p.Stats {
		o := d.byName[s.Observable]
		if o == nil {
			o = &obsOverview{name: s.Observable, lo: math.Inf(1), hi: math.Inf(-1), worst: -1, worstAt: -1, fewest: math.MaxInt64, nanAt: -1}
			d.byName[s.Observable] = o
			d.obs = append(d.obs, o)
		}
		o.points++
		o.fewest = min(o.fewest, s.N)
		if math.IsNaN(s.Mean) {
			if o.nanAt < 0 {
				o.nanAt = p.Index
			}
			continue
		}
		o.lo, o.hi = math.Min(o.lo, s.Mean), math.Max(o.hi, s.Mean)
		if s.StdErr > o.worst {
			o.worst, o.worstAt = s.StdErr, p.Index
		}
	}
	return nil
}

// Points returns the number of points added.
func (d *Digest) Points() int64 { return d.n }

// digest returns r's Digest, or one of r.Points.
func (r *Results) digest() (*Digest, error) {
	if r.Digest != nil {
		return r.Digest, r.Digest.err
	}
	d := NewDigest()
	for _, p := range r.Points {
		if err := d.Add(p); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// fixed returns "name=value" for each parameter that does not vary.
func (d *Digest) fixed() []string {
	var fixed []string
	for i, s := range d.swept {
		if !s {
			fixed = append(fixed, d.first.Name(i)+"="+d.first.Value(i).String())
		}
	}
	return fixed
}

// warnings returns every point's warnings, each prefixed with the point
// ("point 2 (L=16 T=2): "). A warning that more than warnGroup points
// share is one line naming how many and the first of them, so that a
// sweep of 10,000 one-sample points warns in one line, not 10,000. total
// counts the warnings before grouping.
func (d *Digest) warnings() (lines []string, total int) {
	for _, g := range d.groups {
		total += g.n
		if g.n <= warnGroup {
			for _, p := range g.points {
				lines = append(lines, d.label(p)+": "+g.msg)
			}
			continue
		}
		labels := make([]string, warnExamples)
		for i := range labels {
			labels[i] = d.label(g.points[i])
		}
		lines = append(lines, fmt.Sprintf("%d points: %s (%s and %d more)",
			g.n, g.msg, strings.Join(labels, ", "), g.n-warnExamples))
	}
	return lines, total
}

// label names point p by its index and swept parameters.
func (d *Digest) label(p PointResult) string {
	label := "point " + strconv.FormatInt(p.Index, 10)
	if key := pointLabel(p.Params, d.swept); key != "" {
		label += " (" + key + ")"
	}
	return label
}

// allWarnings returns d's warnings, then the run's.
func allWarnings(r *Results, d *Digest) (lines []string, total int) {
	lines, total = d.warnings()
	return append(lines, r.Warnings...), total + len(r.Warnings)
}
