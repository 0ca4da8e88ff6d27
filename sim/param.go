package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim/fmath"
)

// Kind is the type of a kernel parameter.
type Kind uint8

// The parameter kinds. A TOML integer is accepted for a Float parameter; a
// TOML float is accepted for an Int parameter only if it is integral.
const (
	Invalid Kind = iota
	Int
	Float
	Bool
	String
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	case String:
		return "string"
	}
	return "invalid"
}

// Value is one parameter value. Only the field matching Kind is meaningful.
type Value struct {
	Kind Kind
	I    int64
	F    float64
	B    bool
	S    string
}

// IntValue, FloatValue, BoolValue and StringValue build Values.
func IntValue(i int64) Value     { return Value{Kind: Int, I: i} }
func FloatValue(f float64) Value { return Value{Kind: Float, F: f} }
func BoolValue(b bool) Value     { return Value{Kind: Bool, B: b} }
func StringValue(s string) Value { return Value{Kind: String, S: s} }

// String formats v canonically: integers in decimal, floats with
// FormatFloat, strings quoted. The canonical form is part of the seeding
// contract (see Params.Key).
func (v Value) String() string {
	switch v.Kind {
	case Int:
		return strconv.FormatInt(v.I, 10)
	case Float:
		return FormatFloat(v.F)
	case Bool:
		return strconv.FormatBool(v.B)
	case String:
		return strconv.Quote(v.S)
	}
	return "<invalid>"
}

// Same reports whether v and w have the same canonical form (String),
// without formatting them: floats are the same bit for bit (-0 is not 0),
// except that every NaN is NaN.
func (v Value) Same(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case Int:
		return v.I == w.I
	case Float:
		return math.Float64bits(v.F) == math.Float64bits(w.F) || math.IsNaN(v.F) && math.IsNaN(w.F)
	case Bool:
		return v.B == w.B
	case String:
		return v.S == w.S
	}
	return true // both invalid
}

// Append appends the canonical form of v (String) to b.
func (v Value) Append(b []byte) []byte {
	switch v.Kind {
	case Int:
		return strconv.AppendInt(b, v.I, 10)
	case Float:
		return AppendFloat(b, v.F)
	case Bool:
		return strconv.AppendBool(b, v.B)
	case String:
		return strconv.AppendQuote(b, v.S)
	}
	return append(b, "<invalid>"...)
}

// AppendFloat appends FormatFloat(f) to b.
func AppendFloat(b []byte, f float64) []byte { return strconv.AppendFloat(b, f, 'g', -1, 64) }

// FormatFloat formats f in the shortest form that reads back as the same
// float64 (strconv 'g' with precision -1): 0.1, 2.5e-08, +Inf, NaN. It is
// the canonical form of a float that parameter keys (Value.String) and
// results files use: changing it would change every point's key, and so
// its random streams.
func FormatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// Float64 returns v as a float64 for Int and Float values, and NaN otherwise.
func (v Value) Float64() float64 {
	switch v.Kind {
	case Int:
		return float64(v.I)
	case Float:
		return v.F
	}
	return math.NaN()
}

// Range bounds a numeric parameter. The bounds are inclusive unless
// MinOpen or MaxOpen excludes them (σ > 0 is {Min: 0, Max: +Inf, MinOpen:
// true}); use ±Inf for a side without a bound. Infinite values are never
// valid, whatever the range.
type Range struct {
	Min, Max         float64
	MinOpen, MaxOpen bool
}

// Contains reports whether f lies in r.
func (r *Range) Contains(f float64) bool {
	if f < r.Min || f > r.Max {
		return false
	}
	return !(r.MinOpen && f == r.Min) && !(r.MaxOpen && f == r.Max)
}

// ReservedParams are the names no kernel parameter may have: the columns
// of results.csv besides the parameters (report.WriteCSV), so that every
// column has a name of its own for csv.DictReader and pandas. Go kernels
// (kernels.Registry.Register) and programs (package external) are held to
// it alike.
var ReservedParams = []string{"point", "observable", "samples", "chunks", "mean", "variance", "stderr", "ci_low", "ci_high", "min", "max", "method"}

// ParamSpec declares one kernel parameter.
type ParamSpec struct {
	Name string
	Kind Kind
	Doc  string
	// Label is the parameter's name in figures, with its unit where it
	// has one: "temperature T", "strike K", "σ"; "" for Name. Its last
	// word, when at most three characters long, is the parameter's
	// symbol in legends ("σ = 0.2"; KernelSpec.ParamSymbol).
	Label string
	// Default is used when the experiment does not set the parameter. A
	// Default of Kind Invalid (the zero Value) makes the parameter required.
	Default Value
	// Range, if set, bounds an Int or Float parameter.
	Range *Range
	// Choices, if set, lists the valid values of a String parameter.
	Choices []string
}

// Required reports whether the parameter has no default.
func (p ParamSpec) Required() bool { return p.Default.Kind == Invalid }

// Check reports whether v is a valid value of p, already converted to p.Kind.
// The error says what would be valid.
func (p ParamSpec) Check(v Value) error {
	if v.Kind != p.Kind {
		return fmt.Errorf("has type %s, want %s", v.Kind, p.Kind)
	}
	if p.Kind == Float && !fmath.IsFinite(v.F) {
		return fmt.Errorf("is %s, want a finite number", v)
	}
	if p.Range != nil && (p.Kind == Int || p.Kind == Float) {
		if f := v.Float64(); !p.Range.Contains(f) {
			return fmt.Errorf("is %s, outside the valid range %s", v, p.Range)
		}
	}
	if p.Kind == String && len(p.Choices) > 0 {
		for _, c := range p.Choices {
			if v.S == c {
				return nil
			}
		}
		return fmt.Errorf("is %s, want one of %s", v, strings.Join(quoteAll(p.Choices), ", "))
	}
	return nil
}

// String writes r as an interval: [2, 4096], (0, +inf), with an infinite
// side open because infinities are never valid.
func (r *Range) String() string {
	lo, hi := "(-inf", "+inf)"
	if !math.IsInf(r.Min, -1) {
		lo = map[bool]string{false: "[", true: "("}[r.MinOpen] + formatBound(r.Min)
	}
	if !math.IsInf(r.Max, 1) {
		hi = formatBound(r.Max) + map[bool]string{false: "]", true: ")"}[r.MaxOpen]
	}
	return lo + ", " + hi
}

// formatBound writes whole numbers in full (1099511627776, not
// 1.099511627776e+12) and others in the shortest form.
func formatBound(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return FormatFloat(x)
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return q
}

// ObservableSpec declares one quantity a kernel records per sample.
type ObservableSpec struct {
	Name string
	Doc  string
	// Label is the observable's name in figures: "call price",
	// "magnetisation |m|"; "" for Name.
	Label string
	// IID reports that a kernel's samples within a chunk are independent,
	// so the standard error can use every sample; otherwise only chunk
	// means are treated as independent (batch means).
	IID bool
}

// KernelSpec is what a kernel declares about itself: enough to validate an
// experiment and to describe the kernel, without the kernel's code.
type KernelSpec struct {
	Name string
	// Version counts the changes to the kernel's algorithm that give other
	// samples from the same stream, 0 for the first. Runs record it, and
	// chunks of two versions are never merged into one result.
	Version     int
	Doc         string
	Params      []ParamSpec
	Observables []ObservableSpec
	Derived     []DerivedSpec   // quantities computed from observable means
	References  []ReferenceSpec // exact or published values, for figures
	// Check, if set, rejects a combination of parameter values that the
	// per-parameter ranges cannot express (an odd L for a checkerboard
	// update), preferably with a *ParamError naming the parameter to
	// change. It is called for every point before a run starts, so it must
	// be cheap (no allocation of the kernel's state), and it must not
	// retain p, whose values change from call to call. It is called from
	// as many goroutines at once as there are cores.
	Check func(p Params) error
}

// ParamError blames one parameter of a point: what a KernelSpec.Check
// returns so that the error can name the key and line that set it.
type ParamError struct {
	Param string // the parameter to change
	Msg   string // what is wrong and what would be valid, after "NAME "
}

func (e *ParamError) Error() string { return e.Param + " " + e.Msg }

// Param returns the spec of the named parameter.
func (k *KernelSpec) Param(name string) (ParamSpec, bool) {
	for _, p := range k.Params {
		if p.Name == name {
			return p, true
		}
	}
	return ParamSpec{}, false
}

// Catalog looks kernels up by name. The kernels package's registry is one.
type Catalog interface {
	Lookup(name string) (KernelSpec, bool)
	Names() []string // sorted
}

// Params is the full parameter set of one point: every parameter the
// kernel declares, in declaration order, with defaults filled in.
type Params struct {
	specs []ParamSpec
	vals  []Value
}

// NewParams pairs a kernel's specs with one value each. It panics if the
// lengths differ: that is a bug in the caller, not bad input.
func NewParams(specs []ParamSpec, vals []Value) Params {
	if len(specs) != len(vals) {
		panic("sim: NewParams: specs and values differ in length")
	}
	return Params{specs: specs, vals: vals}
}

// Len returns the number of parameters.
func (p Params) Len() int { return len(p.vals) }

// Name returns the name of parameter i.
func (p Params) Name(i int) string { return p.specs[i].Name }

// Value returns the value of parameter i.
func (p Params) Value(i int) Value { return p.vals[i] }

// Lookup returns the named parameter's value.
func (p Params) Lookup(name string) (Value, bool) {
	for i := range p.specs {
		// By index: a ParamSpec is a dozen words, which range would copy
		// at every lookup of every kernel's New.
		if p.specs[i].Name == name {
			return p.vals[i], true
		}
	}
	return Value{}, false
}

func (p Params) must(name string, k Kind) Value {
	v, ok := p.Lookup(name)
	if !ok || v.Kind != k {
		// A kernel asking for a parameter it did not declare is a bug in the kernel.
		panic(fmt.Sprintf("sim: kernel asked for %s parameter %q, which it did not declare", k, name))
	}
	return v
}

// Int, Float, Bool and Str return the named parameter. They panic if the
// kernel did not declare it with that kind, which is a bug in the kernel.
func (p Params) Int(name string) int64     { return p.must(name, Int).I }
func (p Params) Float(name string) float64 { return p.must(name, Float).F }
func (p Params) Bool(name string) bool     { return p.must(name, Bool).B }
func (p Params) Str(name string) string    { return p.must(name, String).S }

// With returns a copy of p with the named parameter set to v, converted to
// the parameter's kind (an Int value for a Float parameter is converted;
// other mismatches panic as caller bugs). Figures use it to evaluate a
// reference curve between the swept values.
func (p Params) With(name string, v Value) Params {
	for i, s := range p.specs {
		if s.Name != name {
			continue
		}
		if s.Kind == Float && v.Kind == Int {
			v = FloatValue(float64(v.I))
		}
		if v.Kind != s.Kind {
			panic(fmt.Sprintf("sim: Params.With(%q): value of kind %s for a %s parameter", name, v.Kind, s.Kind))
		}
		vals := append([]Value(nil), p.vals...)
		vals[i] = v
		return Params{specs: p.specs, vals: vals}
	}
	panic(fmt.Sprintf("sim: Params.With: no parameter %q", name))
}

// Key returns the point's canonical key: name=value pairs, sorted by name,
// joined by commas, with values in their canonical form (Value.String).
// A point's random streams are derived from its key, not its position in
// the sweep, so reordering or extending a sweep leaves them unchanged.
func (p Params) Key() string {
	// Sorted by insertion into an array on the stack: a sweep of a
	// million points asks for a million keys, and sort.Slice's closure
	// and swapper were a quarter of each.
	var stack [16]int
	idx := stack[:0]
	if len(p.specs) > len(stack) {
		idx = make([]int, 0, len(p.specs))
	}
	for i := range p.specs {
		j := len(idx)
		idx = append(idx, i)
		for ; j > 0 && p.specs[idx[j-1]].Name > p.specs[i].Name; j-- {
			idx[j] = idx[j-1]
		}
		idx[j] = i
	}
	var buf [128]byte
	b := buf[:0]
	for n, i := range idx {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, p.specs[i].Name...)
		b = append(b, '=')
		b = p.vals[i].Append(b)
	}
	return string(b)
}

// String returns the key; it names the point in messages.
func (p Params) String() string { return p.Key() }
