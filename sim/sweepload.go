package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim/fmath"
)

// sweepKeys are the keys of a [sweep] entry given as a table.
var sweepKeys = []string{"linspace", "logspace", "from", "to", "step"}

// params validates [params], [sweep], [zip] and [design] against the
// kernel and builds the sweep: the grid's axes in [sweep] order, then the
// design's, so that each point of the grid has the design's points. It
// reports missing required parameters if required.
func (l *loader) params(e *Experiment, params, sweep, zip, designTable map[string]any, required bool) {
	k := &e.Kernel
	names := make([]string, len(k.Params))
	for i, p := range k.Params {
		names[i] = p.Name
	}
	index := func(name string) int {
		for i, p := range k.Params {
			if p.Name == name {
				return i
			}
		}
		return -1
	}
	unknown := "unknown parameter of kernel " + strconv.Quote(k.Name)

	s := Sweep{specs: k.Params, base: make([]Value, len(k.Params))}
	for i, p := range k.Params {
		s.base[i] = convertDefault(p)
	}
	set := make(map[string]bool) // set in [params] or [sweep], valid or not

	for _, name := range l.keys(params, "params") {
		key := []string{"params", name}
		i := index(name)
		if i < 0 {
			l.errorf(key, "%s%s", unknownMsg(unknown, name, names), topHint(name))
			continue
		}
		set[name] = true
		spec := k.Params[i]
		v, msg := toValue(spec, params[name])
		if msg != "" {
			l.errorf(key, "%s", msg)
			continue
		}
		s.base[i] = v
		s.fixed = append(s.fixed, name)
	}

	var cols []*column // valid columns, in [sweep] order
	sweepOrder := l.keys(sweep, "sweep")
	for _, name := range sweepOrder {
		key := []string{"sweep", name}
		i := index(name)
		if i < 0 {
			l.errorf(key, "%s%s", unknownMsg(unknown, name, names), topHint(name))
			continue
		}
		if l.sweepNames == nil {
			l.sweepNames = make(map[string]bool)
		}
		l.sweepNames[name] = true
		if _, dup := params[name]; dup {
			l.errorf(key, "is also set in [params] (line %d); a parameter is either fixed in [params] or swept in [sweep], not both",
				l.loc.line([]string{"params", name}))
			continue
		}
		set[name] = true
		if c := l.column(key, i, k.Params[i], sweep[name]); c != nil {
			cols = append(cols, c)
		}
	}

	var designed *axis
	if designTable != nil {
		taken := func(name string) []string {
			for _, t := range []struct {
				table string
				m     map[string]any
			}{{"params", params}, {"sweep", sweep}} {
				if _, ok := t.m[name]; ok {
					return []string{t.table, name}
				}
			}
			return nil
		}
		designed = l.designAxis(e, designTable, index, taken)
		if dp, ok := designTable["params"].(map[string]any); ok {
			for name := range dp {
				set[name] = true
				if index(name) >= 0 {
					if l.sweepNames == nil {
						l.sweepNames = make(map[string]bool)
					}
					l.sweepNames[name] = true
				}
			}
		}
	}

	for _, p := range k.Params {
		if required && p.Required() && !set[p.Name] {
			doc := ""
			if p.Doc != "" {
				doc = " (" + p.Doc + ")"
			}
			l.errorf([]string{"params", p.Name}, "required parameter of kernel %q%s is not set; set it in [params], such as %s = ..., or sweep it in [sweep]",
				k.Name, doc, p.Name)
		}
	}

	groups := l.zipGroups(zip, sweepOrder, cols)

	// Axes: each column on its own, except zip groups, which form one axis
	// where their first member appears in [sweep].
	placed := make(map[string]bool)
	for _, c := range cols {
		g, inGroup := groups.of[c.name]
		if !inGroup {
			s.axes = append(s.axes, axis{cols: []column{*c}, n: c.n})
			continue
		}
		if placed[g.name] {
			continue
		}
		placed[g.name] = true
		ax := axis{zip: g.name, n: c.n}
		for _, m := range g.members {
			ax.cols = append(ax.cols, *m)
		}
		s.axes = append(s.axes, ax)
	}
	for i := range s.axes {
		l.checkDistinct(&s.axes[i])
	}
	if designed != nil {
		s.axes = append(s.axes, *designed)
	}

	s.n = 1
	for _, ax := range s.axes {
		n, ok := mul64(s.n, ax.n)
		if !ok {
			l.errorf([]string{"sweep"}, "has more than 2^63-1 points (%s); use fewer values", axisLens(s.axes))
			return
		}
		s.n = n
	}
	s.key = s.newKeyPlan()
	e.sweep = s
}

// convertDefault returns p's default converted to p's kind where that is
// exact (an Int default for a Float parameter, an integral Float default
// for an Int one), so that points carry values of the declared kinds. A
// Float default of -0 is 0, as in files.
func convertDefault(p ParamSpec) Value {
	d := p.Default
	switch {
	case p.Kind == Float && d.Kind == Int:
		return FloatValue(float64(d.I))
	case p.Kind == Float && d.Kind == Float:
		return FloatValue(zero(d.F))
	case p.Kind == Int && d.Kind == Float:
		if n, ok := asInt(d.F); ok {
			return IntValue(n)
		}
	}
	return d
}

func axisLens(axes []axis) string {
	parts := make([]string, len(axes))
	for i, ax := range axes {
		names := make([]string, len(ax.cols))
		for j, c := range ax.cols {
			names[j] = c.name
		}
		parts[i] = fmt.Sprintf("%s: %d", strings.Join(names, "+"), ax.n)
	}
	return strings.Join(parts, " × ")
}

// zipGroup is a valid [zip] group.
type zipGroup struct {
	name    string
	members []*column
}

type zipGroups struct {
	of map[string]*zipGroup // by member name
}

// zipGroups validates [zip]. Only groups whose members are all valid
// columns of equal length are returned; the others have been reported
// (or their members' own errors have).
func (l *loader) zipGroups(zip map[string]any, sweepOrder []string, cols []*column) zipGroups {
	gs := zipGroups{of: make(map[string]*zipGroup)}
	byName := make(map[string]*column)
	for _, c := range cols {
		byName[c.name] = c
	}
	groupOf := make(map[string]string) // member → group, valid or not
	for _, name := range l.keys(zip, "zip") {
		key := []string{"zip", name}
		list, ok := zip[name].([]any)
		if !ok || len(list) == 0 {
			what := describe(zip[name])
			if ok {
				what = "an empty list"
			}
			l.errorf(key, "is %s, want a list of swept parameters to pair element by element, such as %s = [%q, %q]",
				what, joinKey([]string{name}), firstOr(sweepOrder, "a"), "b")
			continue
		}
		g := &zipGroup{name: name}
		valid := true
		for i, m := range list {
			member, ok := m.(string)
			switch {
			case !ok:
				l.errorf(key, "index %d: is %s, want the name of a swept parameter as a string", i, describe(m))
			case !l.sweepNames[member]:
				l.errorf(key, "index %d: %s", i, unknownMsg(strconv.Quote(member)+" is not a parameter in [sweep]", member, sweepOrder))
			case groupOf[member] == name:
				l.errorf(key, "index %d: %q is listed twice", i, member)
			case groupOf[member] != "":
				l.errorf(key, "index %d: %q is already in zip group %q; a parameter can be in one group only", i, member, groupOf[member])
			default:
				groupOf[member] = name
				if c := byName[member]; c != nil {
					g.members = append(g.members, c)
					continue
				}
			}
			valid = false // reported here, or the column's own error was
		}
		if !valid {
			continue
		}
		var lens []string
		for _, c := range g.members {
			lens = append(lens, fmt.Sprintf("%s has %d", c.name, c.n))
			if c.n != g.members[0].n {
				valid = false
			}
		}
		if !valid {
			l.errorf(key, "lengths differ: %s values; zipped parameters pair element by element, so they need the same number of values",
				strings.Join(lens, ", "))
			continue
		}
		for _, c := range g.members {
			gs.of[c.name] = g
		}
	}
	return gs
}

// checkDistinct reports an axis whose values repeat: two points with the
// same parameters would have the same key, and so the same random streams.
// It checks explicit lists, and linspace/logspace axes whose start is their
// stop; lazily computed values are not compared one by one.
func (l *loader) checkDistinct(ax *axis) {
	for _, c := range ax.cols {
		if c.kind != colList {
			if len(ax.cols) == 1 && (c.kind == colLinspace || c.kind == colLogspace) && c.n > 1 && c.a == c.b {
				l.errorf([]string{"sweep", c.name}, "all %d values are %s: start equals stop; use num = 1 or a different stop", c.n, c.at(0))
			}
			return
		}
	}
	seen := make(map[string]int64, ax.n)
	var b strings.Builder
	for i := int64(0); i < ax.n; i++ {
		b.Reset()
		for _, c := range ax.cols {
			b.WriteString(c.list[i].String())
			b.WriteByte(',')
		}
		t := b.String()
		if j, dup := seen[t]; dup {
			if ax.zip == "" {
				c := ax.cols[0]
				l.errorf([]string{"sweep", c.name}, "index %d: %s repeats index %d; each value must appear once, or the point would run twice with the same random streams", i, c.list[i], j)
			} else {
				l.errorf([]string{"zip", ax.zip}, "index %d repeats index %d (%s); each combination must appear once, or the point would run twice with the same random streams", i, j, strings.TrimSuffix(t, ","))
			}
			return
		}
		seen[t] = i
	}
}

// column validates one [sweep] entry.
func (l *loader) column(key []string, param int, spec ParamSpec, v any) *column {
	c := &column{name: spec.Name, param: param}
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			l.errorf(key, "is an empty list; give at least one value, such as %s = [%s]", spec.Name, example(spec))
			return nil
		}
		c.kind, c.n, c.list = colList, int64(len(v)), make([]Value, len(v))
		for i, x := range v {
			val, msg := toValue(spec, x)
			if msg != "" {
				l.errorf(key, "index %d: %s", i, msg)
				return nil
			}
			c.list[i] = val
		}
		c.desc = listDesc(c.list)
		return c
	case map[string]any:
		return l.tableColumn(key, c, spec, v)
	}
	l.errorf(key, "is %s, want a list of values such as [%s], or a table such as { linspace = [start, stop, num] } or { from = 1, to = 10, step = 1 }",
		describe(v), example(spec))
	return nil
}

// tableColumn validates a [sweep] entry given as a table: linspace,
// logspace, or from/to/step.
func (l *loader) tableColumn(key []string, c *column, spec ParamSpec, m map[string]any) *column {
	var forms []string
	ok := true
	for _, k := range l.keys(m, key...) {
		switch k {
		case "linspace", "logspace":
			forms = append(forms, k)
		case "from", "to", "step":
			if !slices.Contains(forms, "from/to/step") {
				forms = append(forms, "from/to/step")
			}
		default:
			l.errorf(append(key, k), "%s", unknownMsg("unknown key of a swept parameter", k, sweepKeys))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	if len(forms) != 1 {
		l.errorf(key, "want exactly one of { linspace = [start, stop, num] }, { logspace = [start, stop, num] } or { from = a, to = b, step = s }; found %s",
			orNone(forms))
		return nil
	}
	if spec.Kind != Int && spec.Kind != Float {
		l.errorf(key, "%s is a %s parameter; %s needs a number parameter: list the values instead, such as %s = [%s]",
			spec.Name, spec.Kind, forms[0], spec.Name, example(spec))
		return nil
	}
	if forms[0] == "from/to/step" {
		return l.rangeColumn(key, c, spec, m)
	}
	form := forms[0]
	fkey := append(slices.Clip(key), form)
	if spec.Kind == Int {
		l.errorf(fkey, "%s is an int parameter and %s gives floats; use { from = a, to = b, step = s } or a list such as %s = [%s]",
			spec.Name, form, spec.Name, example(spec))
		return nil
	}
	arr, isArr := m[form].([]any)
	if !isArr || len(arr) != 3 {
		l.errorf(fkey, "is %s, want [start, stop, num], such as %s = [1, 2, 11]", describe(m[form]), form)
		return nil
	}
	start, ok1 := asFloat(arr[0])
	stop, ok2 := asFloat(arr[1])
	start, stop = zero(start), zero(stop)
	num, ok3 := asInt(arr[2])
	switch {
	case !ok1 || !ok2:
		l.errorf(fkey, "start and stop must be numbers; want [start, stop, num], such as %s = [1, 2, 11]", form)
		return nil
	case !ok3:
		l.errorf(fkey, "num is %s, want an integer ≥ 1; want [start, stop, num], such as %s = [1, 2, 11]", describe(arr[2]), form)
		return nil
	case num < 1:
		l.errorf(fkey, "num is %d, want an integer ≥ 1 (the number of values, both ends included)", num)
		return nil
	case !fmath.IsFinite(start) || !fmath.IsFinite(stop):
		l.errorf(fkey, "start and stop must be finite, not %s and %s", FormatFloat(start), FormatFloat(stop))
		return nil
	case !fmath.IsFinite(stop - start):
		l.errorf(fkey, "stop - start overflows a float64; want a narrower interval")
		return nil
	}
	c.kind = colLinspace
	if form == "logspace" {
		c.kind = colLogspace
	}
	c.a, c.b, c.n = start, stop, num
	c.desc = fmt.Sprintf("%s(%s, %s, %d)", form, FormatFloat(start), FormatFloat(stop), num)
	// The values are monotonic in the index except that the last is set
	// to stop exactly, so the extremes are among these three.
	if !l.checkAt(fkey, c, spec, 0, num-2, num-1) {
		return nil
	}
	return c
}

// rangeColumn validates { from = a, to = b, step = s }.
func (l *loader) rangeColumn(key []string, c *column, spec ParamSpec, m map[string]any) *column {
	for _, k := range []string{"from", "to", "step"} {
		if _, ok := m[k]; !ok {
			l.errorf(key, "missing %s; want { from = a, to = b, step = s }, such as { from = 8, to = 64, step = 8 }", k)
			return nil
		}
	}
	if spec.Kind == Int {
		var v [3]int64
		for i, k := range []string{"from", "to", "step"} {
			n, ok := asInt(m[k])
			if !ok {
				l.errorf(append(slices.Clip(key), k), "is %s, want an integer: %s is an int parameter", describe(m[k]), spec.Name)
				return nil
			}
			v[i] = n
		}
		from, to, step := v[0], v[1], v[2]
		if !l.checkStep(key, step == 0, step > 0, to > from, to < from, fmt.Sprint(step)) {
			return nil
		}
		// |to-from| and |step| as uint64, which cannot overflow.
		span, mag := uint64(to)-uint64(from), uint64(step)
		if to < from {
			span, mag = uint64(from)-uint64(to), -uint64(step)
		}
		n := span/mag + 1
		if n > math.MaxInt64 {
			l.errorf(key, "has more than 2^63-1 values; want a larger step")
			return nil
		}
		c.kind, c.ia, c.ib, c.n = colIntRange, from, step, int64(n)
		c.desc = fmt.Sprintf("from %d to %d step %d", from, to, step)
	} else {
		var v [3]float64
		for i, k := range []string{"from", "to", "step"} {
			f, ok := asFloat(m[k])
			if !ok || !fmath.IsFinite(f) {
				l.errorf(append(slices.Clip(key), k), "is %s, want a finite number", describe(m[k]))
				return nil
			}
			v[i] = zero(f)
		}
		from, to, step := v[0], v[1], v[2]
		if !l.checkStep(key, step == 0, step > 0, to > from, to < from, FormatFloat(step)) {
			return nil
		}
		q := (to-from)/step + 1e-9
		if !(q < 1<<62) {
			l.errorf(key, "has more than 2^62 values; want a larger step")
			return nil
		}
		c.kind, c.a, c.b, c.n = colFloatRange, from, step, int64(math.Floor(q))+1
		c.desc = fmt.Sprintf("from %s to %s step %s", FormatFloat(from), FormatFloat(to), FormatFloat(step))
	}
	// from + i*step is monotonic in i: its ends are its extremes.
	if !l.checkAt(key, c, spec, 0, c.n-1) {
		return nil
	}
	return c
}

// checkStep reports a zero step or one going away from "to".
func (l *loader) checkStep(key []string, zero, up, toAbove, toBelow bool, step string) bool {
	skey := append(slices.Clip(key), "step")
	switch {
	case zero:
		l.errorf(skey, "is 0; want a nonzero step, positive when to > from and negative when to < from")
		return false
	case up && toBelow:
		l.errorf(skey, "is %s, but to < from; want a negative step to count down", step)
		return false
	case !up && toAbove:
		l.errorf(skey, "is %s, but to > from; want a positive step to count up", step)
		return false
	}
	return true
}

// checkAt checks the values of c at the given indices (those out of range
// are skipped) and reports the first bad one.
func (l *loader) checkAt(key []string, c *column, spec ParamSpec, idx ...int64) bool {
	for _, i := range idx {
		if i < 0 || i >= c.n {
			continue
		}
		if err := spec.Check(c.at(i)); err != nil {
			l.errorf(key, "index %d: %s", i, err)
			return false
		}
	}
	return true
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " and ")
}

// toValue converts a decoded TOML value to spec's kind and checks it
// with spec.Check, or returns a message saying why it is not valid.
func toValue(spec ParamSpec, v any) (Value, string) {
	val, msg := asKind(spec, v)
	if msg == "" {
		if err := spec.Check(val); err != nil {
			msg = err.Error()
		}
	}
	return val, msg
}

// asKind converts a decoded TOML value to spec's kind, or returns a
// message saying why it cannot.
func asKind(spec ParamSpec, v any) (Value, string) {
	switch spec.Kind {
	case Int:
		if n, ok := asInt(v); ok {
			return IntValue(n), ""
		}
		if f, ok := v.(float64); ok {
			return Value{}, fmt.Sprintf("is %s, want an integer: %s is an int parameter", FormatFloat(f), spec.Name)
		}
	case Float:
		if f, ok := asFloat(v); ok {
			return FloatValue(zero(f)), ""
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return BoolValue(b), ""
		}
	case String:
		if s, ok := v.(string); ok {
			return StringValue(s), ""
		}
	}
	return Value{}, fmt.Sprintf("is %s, want %s: %s is %s parameter", describe(v), kindWant(spec.Kind), spec.Name, article(spec.Kind))
}

// zero returns f, or 0 if f is -0. A float parameter's -0 is loaded as 0:
// a kernel could tell them apart only through the sign (1/x, Copysign,
// Atan2), a user writing -0.0 means zero, and their keys would differ, so
// that [0.0, -0.0] would be two points of the same value with different
// random streams. Every computed value is then a +0 rather than a -0 too:
// start + (stop-start)*i/(n-1) and from + i*step are -0 only when their
// first term is.
func zero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

func kindWant(k Kind) string {
	switch k {
	case Int:
		return "an integer"
	case Float:
		return "a number"
	case Bool:
		return "true or false"
	case String:
		return "a string"
	}
	return "nothing: the kernel declares this parameter with an invalid kind"
}

func article(k Kind) string {
	if k == Int || k == Invalid {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// example returns a valid-looking value of spec, for messages.
func example(spec ParamSpec) string {
	if spec.Default.Kind == spec.Kind {
		return spec.Default.String()
	}
	switch spec.Kind {
	case Int:
		return "1, 2, 3"
	case Float:
		return "0.5, 1.0"
	case Bool:
		return "true, false"
	case String:
		if len(spec.Choices) > 0 {
			return strconv.Quote(spec.Choices[0])
		}
		return `"a", "b"`
	}
	return "..."
}

// listDesc formats a list of values for Axis.Desc, eliding the middle of
// long lists.
func listDesc(vals []Value) string {
	var parts []string
	if len(vals) <= 8 {
		for _, v := range vals {
			parts = append(parts, v.String())
		}
	} else {
		for _, v := range vals[:3] {
			parts = append(parts, v.String())
		}
		parts = append(parts, "...")
		for _, v := range vals[len(vals)-2:] {
			parts = append(parts, v.String())
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
