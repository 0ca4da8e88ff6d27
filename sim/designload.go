package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"github.com/simrun/simrun/sim/design"
	"github.com/simrun/simrun/sim/fmath"
)

// designKeys are the keys of [design], and designParamKeys those of a
// designed parameter.
var (
	designKeys      = []string{"kind", "points", "scramble", "params"}
	designParamKeys = []string{"from", "to", "scale"}
)

// maxIntDesign bounds the points of a design with an int parameter, whose
// points are all computed at load time to check that none repeats.
const maxIntDesign = 1 << 20

// designAxis validates [design] and returns its axis: one column per
// designed parameter, the parameters in name order as the design's
// dimensions, or nil if [design] is invalid (reported). taken says where
// else a parameter is set, for the error when it is designed too.
func (l *loader) designAxis(e *Experiment, m map[string]any, index func(string) int, taken func(name string) []string) *axis {
	key := []string{"design"}
	ok := true
	for _, k := range l.keys(m, "design") {
		if !slices.Contains(designKeys, k) {
			l.errorf(append(key, k), "%s", unknownMsg("unknown key of [design]", k, designKeys))
			ok = false
		}
	}
	var kind design.Kind
	switch v, has := m["kind"]; {
	case !has:
		l.errorf(key, "missing kind; want kind = %q, or one of %s", "sobol", strings.Join(design.Kinds(), ", "))
		ok = false
	default:
		s, isStr := v.(string)
		k, known := design.ParseKind(s)
		if !isStr || !known {
			what := describe(v)
			if isStr {
				what = fmt.Sprintf("%q", s)
			}
			l.errorf(append(key, "kind"), "is %s, want one of %s (uniform: independent random points; lhs: a Latin hypercube; halton and sobol: low-discrepancy sequences)", what, strings.Join(quoteAll(design.Kinds()), ", "))
			ok = false
		}
		kind = k
	}
	var points int64
	switch v, has := m["points"]; {
	case !has:
		l.errorf(key, "missing points; want the number of points of the design, such as points = 256")
		ok = false
	default:
		n, isInt := asInt(v)
		if !isInt || n < 1 || n > design.MaxPoints {
			l.errorf(append(key, "points"), "is %s, want an integer from 1 to %d", describe(v), int64(design.MaxPoints))
			ok = false
		}
		points = n
	}
	scramble := false
	if v, has := m["scramble"]; has {
		b, isBool := v.(bool)
		switch {
		case !isBool:
			l.errorf(append(key, "scramble"), "is %s, want true or false", describe(v))
			ok = false
		case b && kind != 0 && kind != design.Halton && kind != design.Sobol:
			l.errorf(append(key, "scramble"), "applies to halton and sobol designs only: a %s design is random already", kind)
			ok = false
		}
		scramble = b
	}
	params, isTable := m["params"].(map[string]any)
	switch {
	case m["params"] == nil:
		l.errorf(key, "missing [design.params]: the parameters to design over, each with its range, such as p = { from = 0.1, to = 0.9 }")
		return nil
	case !isTable:
		l.errorf(append(key, "params"), "is %s, want a table of parameters, each with its range, such as p = { from = 0.1, to = 0.9 }", describe(m["params"]))
		return nil
	case len(params) == 0:
		l.errorf(append(key, "params"), "is empty; want at least one parameter, such as p = { from = 0.1, to = 0.9 }")
		return nil
	case len(params) > design.MaxDims:
		l.errorf(append(key, "params"), "has %d parameters; a design has at most %d", len(params), design.MaxDims)
		return nil
	}
	k := &e.Kernel
	names := make([]string, len(k.Params))
	for i, p := range k.Params {
		names[i] = p.Name
	}
	var cols []column
	for _, name := range l.keys(params, "design", "params") {
		pkey := []string{"design", "params", name}
		i := index(name)
		if i < 0 {
			l.errorf(pkey, "%s", unknownMsg("unknown parameter of kernel "+fmt.Sprintf("%q", k.Name), name, names))
			ok = false
			continue
		}
		if where := taken(name); len(where) > 0 {
			l.errorf(pkey, "is also set in %s (line %d); a parameter is fixed, swept or designed, once", joinKey(where[:1]), l.loc.line(where))
			ok = false
			continue
		}
		c, good := l.designColumn(pkey, i, k.Params[i], params[name])
		if !good {
			ok = false
			continue
		}
		cols = append(cols, c)
	}
	if !ok {
		return nil
	}
	// The dimensions in name order, so that reordering the file's lines
	// changes nothing.
	slices.SortFunc(cols, func(a, b column) int { return strings.Compare(a.name, b.name) })
	d, err := design.New(kind, len(cols), points, scramble, designSeed(e.Seed, kind, scramble, cols))
	if err != nil {
		l.errorf(key, "%v", err)
		return nil
	}
	ax := &axis{n: points, design: fmt.Sprintf("%s design of %d points", kind, points)}
	if scramble {
		ax.design += ", scrambled"
	}
	for j := range cols {
		cols[j].design, cols[j].dim, cols[j].n = d, j, points
		ax.cols = append(ax.cols, cols[j])
	}
	if !l.checkDesignPoints(ax) {
		return nil
	}
	return ax
}

// designColumn validates one designed parameter: { from = a, to = b },
// and scale = "log" for a logarithmic one.
func (l *loader) designColumn(key []string, param int, spec ParamSpec, v any) (column, bool) {
	c := column{name: spec.Name, param: param}
	m, isTable := v.(map[string]any)
	if !isTable {
		l.errorf(key, "is %s, want a range such as { from = 0.1, to = 0.9 }, or { from = 1, to = 100, scale = %q }", describe(v), "log")
		return c, false
	}
	for _, k := range l.keys(m, key...) {
		if !slices.Contains(designParamKeys, k) {
			l.errorf(append(slices.Clip(key), k), "%s", unknownMsg("unknown key of a designed parameter", k, designParamKeys))
			return c, false
		}
	}
	if spec.Kind != Int && spec.Kind != Float {
		l.errorf(key, "%s is a %s parameter; a design ranges over numbers: sweep it in [sweep] instead, such as %s = [%s]", spec.Name, spec.Kind, spec.Name, example(spec))
		return c, false
	}
	log := false
	if s, has := m["scale"]; has {
		switch s {
		case "linear":
		case "log":
			log = true
		default:
			l.errorf(append(slices.Clip(key), "scale"), "is %s, want %q or %q", describe(s), "linear", "log")
			return c, false
		}
	}
	for _, k := range []string{"from", "to"} {
		if _, has := m[k]; !has {
			l.errorf(key, "missing %s; want { from = a, to = b }, the range of the parameter, such as { from = 0.1, to = 0.9 }", k)
			return c, false
		}
	}
	if spec.Kind == Int {
		var v [2]int64
		for i, k := range []string{"from", "to"} {
			n, isInt := asInt(m[k])
			if !isInt {
				l.errorf(append(slices.Clip(key), k), "is %s, want an integer: %s is an int parameter", describe(m[k]), spec.Name)
				return c, false
			}
			v[i] = n
		}
		from, to := v[0], v[1]
		switch {
		case to <= from:
			l.errorf(key, "from = %d, to = %d: want from < to", from, to)
			return c, false
		case uint64(to)-uint64(from) >= 1<<53:
			l.errorf(key, "spans more than 2^53 integers; want a narrower range")
			return c, false
		case log && from < 1:
			l.errorf(append(slices.Clip(key), "from"), "is %d; a log scale needs from ≥ 1", from)
			return c, false
		}
		c.ia, c.ib = from, to
		c.kind = colDesignInt
		if log {
			c.kind = colDesignIntLog
			c.a = fmath.Log(float64(from))
			c.b = fmath.Log(float64(to)+1) - c.a
		}
		c.desc = fmt.Sprintf("%d…%d", from, to)
	} else {
		var v [2]float64
		for i, k := range []string{"from", "to"} {
			f, isNum := asFloat(m[k])
			if !isNum || !fmath.IsFinite(f) {
				l.errorf(append(slices.Clip(key), k), "is %s, want a finite number", describe(m[k]))
				return c, false
			}
			v[i] = zero(f)
		}
		from, to := v[0], v[1]
		switch {
		case !(to > from):
			l.errorf(key, "from = %s, to = %s: want from < to", FormatFloat(from), FormatFloat(to))
			return c, false
		case !fmath.IsFinite(to - from):
			l.errorf(key, "to - from overflows a float64; want a narrower range")
			return c, false
		case log && !(from > 0):
			l.errorf(append(slices.Clip(key), "from"), "is %s; a log scale needs from > 0", FormatFloat(from))
			return c, false
		}
		c.kind = colDesign
		c.a, c.b, c.lo, c.hi = from, to-from, from, to
		if log {
			c.kind = colDesignLog
			c.a = fmath.Log(from)
			c.b = fmath.Log(to) - c.a
		}
		c.desc = fmt.Sprintf("%s…%s", FormatFloat(from), FormatFloat(to))
	}
	if log {
		c.desc += " (log)"
	}
	// The range's ends bound every value.
	for _, x := range c.bounds() {
		if err := spec.Check(x); err != nil {
			l.errorf(key, "%s", err)
			return c, false
		}
	}
	return c, true
}

// designSeed is the seed of a design: the experiment's seed and the
// design's description, its number of points aside, so that a design
// with more points keeps the points it had (design.New).
func designSeed(seed uint64, kind design.Kind, scramble bool, cols []column) uint64 {
	b := []byte("simrun/design/v1\x00")
	b = binary.LittleEndian.AppendUint64(b, seed)
	b = fmt.Appendf(b, "%s scramble=%v", kind, scramble)
	for _, c := range cols {
		b = fmt.Appendf(b, " %s=%s", c.name, c.desc)
	}
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// checkDesignPoints reports a design with an int parameter whose points
// repeat: two points with the same parameters would run with the same
// random streams. Such a design's points are all computed, so it has at
// most maxIntDesign; a design of float parameters has distinct points
// wherever its ranges are wider than the floats' resolution.
func (l *loader) checkDesignPoints(ax *axis) bool {
	if !slices.ContainsFunc(ax.cols, func(c column) bool { return c.kind == colDesignInt || c.kind == colDesignIntLog }) {
		return true
	}
	if ax.n > maxIntDesign {
		l.errorf([]string{"design", "points"}, "is %d; a design with an int parameter has at most %d points, which are checked for repeats", ax.n, maxIntDesign)
		return false
	}
	point := func(b []byte, i int64) []byte {
		for c := range ax.cols {
			b = ax.cols[c].at(i).Append(b)
			b = append(b, ',')
		}
		return b
	}
	// A point's hash, then its values when two hashes meet: 16 bytes a
	// point, not its text.
	seed := maphash.MakeSeed()
	seen := make(map[uint64]int64, ax.n)
	collided := make(map[string]int64) // points whose hash another point has
	var b, o []byte
	for i := range ax.n {
		b = point(b[:0], i)
		h := maphash.Bytes(seed, b)
		j, dup := seen[h]
		if dup {
			if o = point(o[:0], j); string(o) != string(b) {
				j, dup = collided[string(b)]
				if !dup {
					collided[string(b)] = i
					continue
				}
			}
			l.errorf([]string{"design", "points"}, "point %d repeats point %d (%s): the int parameters' ranges hold fewer combinations than the design has points; want fewer points, wider ranges, or float parameters",
				i, j, strings.TrimSuffix(string(b), ","))
			return false
		}
		seen[h] = i
	}
	return true
}

// bounds returns the values at the ends of a designed column's range.
func (c *column) bounds() []Value {
	switch c.kind {
	case colDesignInt, colDesignIntLog:
		return []Value{IntValue(c.ia), IntValue(c.ib)}
	}
	return []Value{FloatValue(c.lo), FloatValue(c.hi)}
}

// designAt returns value i of a designed column.
func (c *column) designAt(i int64) Value {
	u := c.design.At(i, c.dim)
	switch c.kind {
	case colDesign:
		return FloatValue(min(c.a+float64(c.b*u), c.hi)) // no fused multiply-add
	case colDesignLog:
		if u == 0 {
			return FloatValue(c.lo) // not exp(log(lo)), which may differ in its last bit
		}
		return FloatValue(max(c.lo, min(fmath.Exp(c.a+float64(c.b*u)), c.hi)))
	case colDesignInt:
		span := float64(uint64(c.ib) - uint64(c.ia) + 1)
		return IntValue(c.ia + min(int64(float64(u*span)), c.ib-c.ia))
	case colDesignIntLog:
		v := math.Floor(fmath.Exp(c.a + float64(c.b*u)))
		return IntValue(max(c.ia, min(int64(v), c.ib)))
	}
	panic("sim: not a designed column")
}
