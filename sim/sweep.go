package sim

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim/design"
	"github.com/simrun/simrun/sim/fmath"
)

// MaxRunChunks is the largest number of chunks (points × chunks per point)
// that CheckRunnable accepts. Larger experiments can be loaded and planned,
// but not run. A run holds a bit in memory for each of its chunks (a
// shard's, for each of its own), and its outputs 40 bytes an observable
// on disk (chunks.bin) and its journal about as much again while it runs:
// at this limit, 512 MB of memory and 170 GB of disk an observable, so
// that disk, not simrun, is what bounds a campaign.
const MaxRunChunks int64 = 1 << 32

// Sweep is the countable expansion of an experiment's parameters: the
// values every point shares (defaults and [params]) and the axes of the
// cartesian product. Points are computed on demand by index, never stored,
// so a sweep of 10^9 points costs no more than one of ten.
//
// The zero Sweep has no points.
type Sweep struct {
	specs []ParamSpec // the kernel's parameters, in declaration order
	base  []Value     // defaults overridden by [params], per spec
	fixed []string    // names set in [params], file order
	axes  []axis      // first varies slowest
	n     int64       // number of points: product of axis lengths
	key   []keyPart   // how AppendKey writes a point's key
}

// A keyPart is a piece of a point's Key: text, then, unless axis is -1,
// the value of column col of that axis. The text holds the names and
// the values of the parameters that are not swept, formatted once.
type keyPart struct {
	text      []byte
	axis, col int
}

// newKeyPlan returns the parts of the Key of s's points: the parameters
// by name, as Params.Key orders them.
func (s *Sweep) newKeyPlan() []keyPart {
	type at struct{ axis, col int }
	swept := make(map[int]at)
	for a, ax := range s.axes {
		for c, col := range ax.cols {
			swept[col.param] = at{a, c}
		}
	}
	idx := make([]int, len(s.specs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(s.specs[a].Name, s.specs[b].Name) })
	var parts []keyPart
	var text []byte
	for n, i := range idx {
		if n > 0 {
			text = append(text, ',')
		}
		text = append(text, s.specs[i].Name...)
		text = append(text, '=')
		if w, ok := swept[i]; ok {
			parts = append(parts, keyPart{text: text, axis: w.axis, col: w.col})
			text = nil
			continue
		}
		text = s.base[i].Append(text)
	}
	if len(text) > 0 {
		parts = append(parts, keyPart{text: text, axis: -1})
	}
	return parts
}

// AppendKey appends the Key of point i to dst: Point(i).Key, without the
// point's parameters and with the parameters that are not swept
// formatted once, for a run that journals a million points. It panics if
// i is out of range, as Point does.
func (e *Experiment) AppendKey(dst []byte, i int64) []byte {
	s := &e.sweep
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("sim: AppendKey(%d) out of range [0, %d)", i, s.n))
	}
	var stack [8]int64
	at := stack[:0]
	if len(s.axes) > len(stack) {
		at = make([]int64, 0, len(s.axes))
	}
	at = at[:len(s.axes)]
	for a := len(s.axes) - 1; a >= 0; a-- {
		at[a] = i % s.axes[a].n
		i /= s.axes[a].n
	}
	for _, p := range s.key {
		dst = append(dst, p.text...)
		if p.axis >= 0 {
			dst = s.axes[p.axis].cols[p.col].at(at[p.axis]).Append(dst)
		}
	}
	return dst
}

// Axis describes one axis of the cartesian product, for display.
type Axis struct {
	Names []string // swept parameters; more than one for a [zip] group
	Len   int64    // number of values
	Desc  string   // such as `linspace(1.5, 3.5, 21)` or `[8, 16, 32]`
}

// An axis is one factor of the product: one column, or the columns of a
// zip group, all of length n.
type axis struct {
	zip    string // zip group name, or "" for a single parameter
	design string // a design's description, or "" for a grid axis
	cols   []column
	n      int64
}

// colKind is how a column computes its values.
type colKind uint8

const (
	colList         colKind = iota // explicit values
	colLinspace                    // start + (stop-start)*i/(n-1); last = stop
	colLogspace                    // 10^linspace
	colIntRange                    // from + i*step, in int64
	colFloatRange                  // from + i*step, in float64
	colDesign                      // a design's coordinate on [from, to]
	colDesignLog                   // on a log scale
	colDesignInt                   // on the integers from..to
	colDesignIntLog                // on a log scale
)

// A column is the values of one swept parameter.
type column struct {
	name  string
	param int // index into Sweep.specs
	kind  colKind
	list  []Value // colList, converted to the parameter's kind
	a, b  float64 // linspace/logspace: start, stop; float range: from, step
	ia    int64   // int range: from; int design: from
	ib    int64   // int range: step; int design: to
	n     int64
	desc  string

	// A designed column's coordinate dim of design, mapped onto [lo, hi]
	// as a + b·u (float), or exp(a + b·u) on a log scale (a, b the logs).
	design *design.Design
	dim    int
	lo, hi float64
}

// at returns value i of the column, 0 ≤ i < c.n.
func (c *column) at(i int64) Value {
	switch c.kind {
	case colList:
		return c.list[i]
	case colLinspace:
		return FloatValue(linspace(c.a, c.b, c.n, i))
	case colLogspace:
		return FloatValue(fmath.Pow10(linspace(c.a, c.b, c.n, i)))
	case colIntRange:
		// from + i*step fits in int64 by construction; computing it in
		// uint64 avoids overflow in the intermediate product.
		return IntValue(int64(uint64(c.ia) + uint64(i)*uint64(c.ib)))
	case colFloatRange:
		return FloatValue(c.a + float64(float64(i)*c.b)) // no fused multiply-add: the same value on every CPU
	case colDesign, colDesignLog, colDesignInt, colDesignIntLog:
		return c.designAt(i)
	}
	panic("sim: invalid column kind")
}

// linspace returns value i of numpy.linspace(start, stop, n): start +
// (stop-start)*i/(n-1), evaluated in that order, with the last value
// exactly stop and a single value equal to start.
func linspace(start, stop float64, n, i int64) float64 {
	switch {
	case i == 0:
		return start
	case i == n-1:
		return stop
	}
	return start + (stop-start)*float64(i)/float64(n-1)
}

// NumPoints returns the number of points of the sweep: the product of the
// axis lengths, 1 when nothing is swept.
func (e *Experiment) NumPoints() int64 { return e.sweep.n }

// Point returns point i in enumeration order, 0 ≤ i < NumPoints: the index
// is read in mixed radix over the axes, the last axis varying fastest, as in
// nested loops written in [sweep] order. Its cost is proportional to the
// number of parameters; nothing is cached. Point panics if i is out of
// range, which is a bug in the caller.
func (e *Experiment) Point(i int64) Point {
	s := &e.sweep
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("sim: Point(%d) out of range [0, %d)", i, s.n))
	}
	p := e.PointParams(i)
	return Point{Index: i, Params: p, Key: p.Key()}
}

// PointParams returns the parameters of point i, as Point does, without
// its Key: formatting the key's floats is most of the cost of a point,
// which a reduction of a million points need not pay.
func (e *Experiment) PointParams(i int64) Params {
	s := &e.sweep
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("sim: PointParams(%d) out of range [0, %d)", i, s.n))
	}
	return NewParams(s.specs, e.values(i, make([]Value, len(s.base))))
}

// PointParamsIn is PointParams with the values in vals, which must have
// room for every parameter (len(e.Kernel.Params)), so that a reduction
// can take the values of a block of points from one allocation.
func (e *Experiment) PointParamsIn(i int64, vals []Value) Params {
	s := &e.sweep
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("sim: PointParamsIn(%d) out of range [0, %d)", i, s.n))
	}
	return NewParams(s.specs, e.values(i, vals[:len(s.base):len(s.base)]))
}

// values fills vals (of the length of the parameter list) with point i's
// parameter values and returns it.
func (e *Experiment) values(i int64, vals []Value) []Value {
	s := &e.sweep
	copy(vals, s.base)
	r := i
	for a := len(s.axes) - 1; a >= 0; a-- {
		ax := &s.axes[a]
		j := r % ax.n
		r /= ax.n
		for c := range ax.cols {
			col := &ax.cols[c]
			vals[col.param] = col.at(j)
		}
	}
	return vals
}

// Axes describes the axes of the product, first (slowest) first.
func (e *Experiment) Axes() []Axis {
	out := make([]Axis, len(e.sweep.axes))
	for i, ax := range e.sweep.axes {
		names := make([]string, len(ax.cols))
		for j, c := range ax.cols {
			names[j] = c.name
		}
		out[i] = Axis{Names: names, Len: ax.n, Desc: ax.desc()}
	}
	return out
}

func (ax *axis) desc() string {
	if ax.zip == "" && ax.design == "" {
		return ax.cols[0].desc
	}
	var b strings.Builder
	if ax.design != "" {
		fmt.Fprintf(&b, "%s: ", ax.design)
	} else {
		fmt.Fprintf(&b, "zip %s: ", strconv.Quote(ax.zip))
	}
	for i, c := range ax.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
		b.WriteString(" = ")
		b.WriteString(c.desc)
	}
	return b.String()
}

// Fixed returns the names of the parameters set in [params], in file order.
func (e *Experiment) Fixed() []string {
	return append([]string(nil), e.sweep.fixed...)
}

// Swept returns the names of the swept parameters in axis order; the
// members of a zip group appear in the group's order.
func (e *Experiment) Swept() []string {
	var out []string
	for _, ax := range e.sweep.axes {
		for _, c := range ax.cols {
			out = append(out, c.name)
		}
	}
	return out
}

// Designed returns the names of the parameters a [design] sets, in the
// design's dimension order (by name), or nil without a design. They are
// among Swept's.
func (e *Experiment) Designed() []string {
	var out []string
	for _, ax := range e.sweep.axes {
		if ax.design == "" {
			continue
		}
		for _, c := range ax.cols {
			out = append(out, c.name)
		}
	}
	return out
}

// Zipped returns the members of each [zip] group, in axis order, each in
// the group's order, or nil without [zip].
func (e *Experiment) Zipped() [][]string {
	var out [][]string
	for _, ax := range e.sweep.axes {
		if ax.zip == "" {
			continue
		}
		names := make([]string, len(ax.cols))
		for j, c := range ax.cols {
			names[j] = c.name
		}
		out = append(out, names)
	}
	return out
}

// ZippedWith returns the other members of the [zip] group of the named
// parameter, in the group's order, or nil if it is in none: the
// parameters that vary with it, value by value.
func (e *Experiment) ZippedWith(name string) []string {
	return zippedWith(e.Zipped(), name)
}

// zippedWith returns the other members of name's group among groups.
func zippedWith(groups [][]string, name string) []string {
	for _, g := range groups {
		if slices.Contains(g, name) {
			var out []string
			for _, n := range g {
				if n != name {
					out = append(out, n)
				}
			}
			return out
		}
	}
	return nil
}

// NumChunks returns the number of chunks of the whole experiment,
// NumPoints × Budget.Chunks, and false if that overflows an int64.
func (e *Experiment) NumChunks() (int64, bool) {
	return mul64(e.sweep.n, e.Budget.Chunks)
}

// CheckRunnable returns an *Error if the experiment has more than
// MaxRunChunks chunks (loading and planning such an experiment is fine;
// running it would never finish, or would exhaust the journal), or if the
// kernel rejects one of its points (CheckPoints).
func (e *Experiment) CheckRunnable() error {
	n, ok := e.NumChunks()
	if ok && n <= MaxRunChunks {
		return e.CheckPoints()
	}
	total := "more than 2^63"
	if ok {
		total = strconv.FormatInt(n, 10)
	}
	return &Error{
		File: e.File,
		Key:  "sweep",
		Msg: fmt.Sprintf("%d points × %d chunks per point = %s chunks, more than the limit of %d (MaxRunChunks); "+
			"use fewer sweep values, or fewer chunks per point (a larger samples.chunk_size or a smaller samples.chunks)",
			e.sweep.n, e.Budget.Chunks, total, MaxRunChunks),
	}
}

// mul64 returns a×b for a, b ≥ 0, and false on overflow of int64.
func mul64(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}
