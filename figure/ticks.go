package figure

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// defaultMaxTicks is the most labelled ticks a linear axis gets.
const defaultMaxTicks = 8

// linearTicks places the labelled (major) ticks of a linear axis at the
// multiples of a 1-2-5 step (1, 2 or 5 × 10^k) inside the range: the
// smallest such step that gives at most max of them (defaultMaxTicks if
// max is 0), which is 4 to max ticks on all but a few ranges (3 at
// worst). Unlabelled minor ticks divide each step in 5 (steps 1 and 5) or
// 4 (step 2), as matplotlib's AutoMinorLocator does, over the whole range.
// The labels have the same number of decimals, the fewest that tell the
// ticks apart (0, 0.2, 0.4; 3.1405, 3.1410), a minus sign (−) for
// negative values, and an exponent (2e6) beyond a million or below 10^-5.
type linearTicks struct{ max int }

func (t linearTicks) Ticks(min, max float64) []plot.Tick {
	if !(min < max) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return nil
	}
	most := t.max
	if most <= 0 {
		most = defaultMaxTicks
	}
	major, ok := niceStep(min, max, most)
	if !ok {
		return nil
	}
	minor := major.minor()
	ndiv := major.div()
	var ticks []plot.Tick
	lo, hi := minor.indexRange(min, max)
	var values []float64
	for j := lo; j <= hi; j++ {
		if j%ndiv == 0 {
			values = append(values, minor.at(j))
		}
	}
	labels := linearLabels(values, major)
	k := 0
	for j := lo; j <= hi; j++ {
		if j%ndiv == 0 {
			ticks = append(ticks, plot.Tick{Value: values[k], Label: labels[k]})
			k++
		} else {
			ticks = append(ticks, plot.Tick{Value: minor.at(j)})
		}
	}
	return ticks
}

// step is a tick step, mant × 10^exp with mant 1, 2 or 5.
type step struct{ mant, exp int }

func (s step) size() float64 { return s.at(1) }

// at returns i steps, computed so that decimal steps give the decimal
// values (3 × 0.1 is 0.3, not 0.30000000000000004).
func (s step) at(i int) float64 {
	v := float64(i * s.mant)
	if s.exp < 0 {
		return v / math.Pow10(-s.exp)
	}
	return v * math.Pow10(s.exp)
}

// indexRange returns the first and last i with at(i) in [min, max],
// allowing for rounding at the ends.
func (s step) indexRange(min, max float64) (lo, hi int) {
	d := s.size()
	const eps = 1e-9
	return int(math.Ceil(min/d - eps)), int(math.Floor(max/d + eps))
}

// div returns the number of minor divisions of one step.
func (s step) div() int {
	if s.mant == 2 {
		return 4
	}
	return 5
}

// minor returns the minor step, size()/div().
func (s step) minor() step {
	switch s.mant {
	case 1:
		return step{2, s.exp - 1}
	case 2:
		return step{5, s.exp - 1}
	}
	return step{1, s.exp}
}

// niceStep returns the smallest 1-2-5 step that puts at most most ticks
// in [min, max] and at least one; false if the range is too narrow for
// float64 to tell the ticks apart.
func niceStep(min, max float64, most int) (step, bool) {
	span := max - min
	if !(span > 0) || math.IsInf(span, 0) {
		return step{}, false
	}
	exp := int(math.Floor(math.Log10(span/float64(most)))) - 1
	for range 12 {
		for _, m := range [...]int{1, 2, 5} {
			s := step{m, exp}
			lo, hi := s.indexRange(min, max)
			// A step below the numbers' resolution tells nothing apart.
			if s.size() < 4*math.Max(math.Abs(min), math.Abs(max))*1e-15 {
				continue
			}
			if n := hi - lo + 1; n <= most {
				if n < 1 {
					// Wider than the range: the previous step was
					// too dense, and none falls inside.
					return step{}, false
				}
				return s, true
			}
		}
		exp++
	}
	return step{}, false
}

// linearLabels formats values, multiples of s, with as many decimals as
// s has, or with an exponent when they are large or small.
func linearLabels(values []float64, s step) []string {
	biggest := 0.0
	for _, v := range values {
		biggest = math.Max(biggest, math.Abs(v))
	}
	labels := make([]string, len(values))
	if biggest >= 1e6 || s.exp < -5 {
		// Significant digits down to the step's.
		digits := 1
		if biggest > 0 {
			digits = int(math.Floor(math.Log10(biggest))) - s.exp + 1
		}
		for i, v := range values {
			labels[i] = expLabel(v, max(digits, 1))
		}
		return distinct(values, labels)
	}
	for i, v := range values {
		labels[i] = minus(strconv.FormatFloat(v, 'f', max(0, -s.exp), 64))
	}
	return labels
}

// distinct adds significant digits to labels until they differ, in case
// rounding made two equal.
func distinct(values []float64, labels []string) []string {
	for prec := 1; prec <= 17; prec++ {
		seen := make(map[string]bool, len(labels))
		dup := false
		for _, l := range labels {
			if seen[l] {
				dup = true
				break
			}
			seen[l] = true
		}
		if !dup {
			return labels
		}
		for i, v := range values {
			labels[i] = expLabel(v, prec)
		}
	}
	return labels
}

// expLabel formats v with prec significant digits and an exponent:
// 2.5e6, 1e−7.
func expLabel(v float64, prec int) string {
	if v == 0 {
		return "0"
	}
	s := strconv.FormatFloat(v, 'e', prec-1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	e, _ := strconv.Atoi(exp)
	return minus(mant + "e" + strconv.Itoa(e))
}

// minus writes negative signs as the typographic minus, U+2212.
func minus(s string) string { return strings.ReplaceAll(s, "-", "−") }

// logTicks labels every power of ten inside the range of a log axis
// (0.1, 1, 10, ...; every second or more when there are more than
// defaultMaxTicks decades), with unlabelled minor ticks at 2..9 times each
// power (when every decade is labelled). A range holding fewer than two
// powers of ten has its 1, 2 and 5 × 10^k labelled, or, if that gives
// fewer than three labels, every n × 10^k, or, if that still gives fewer
// than two, on a range narrower than that, the ticks of a linear axis. Labels are decimal from 10^-4
// to 10^5 (0.001, 20, 100000), with an exponent beyond (1e−5, 1e6).
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && min < max) || math.IsInf(max, 0) {
		return nil
	}
	lo := int(math.Floor(math.Log10(min)))
	hi := int(math.Ceil(math.Log10(max)))
	const eps = 1e-9
	inside := func(v float64) bool { return v >= min*(1-eps) && v <= max*(1+eps) }
	// n × 10^k for n in 1..9 and every decade k of the range.
	type mark struct {
		n, k int
		v    float64
	}
	var marks []mark
	for k := lo; k <= hi; k++ {
		for n := 1; n <= 9; n++ {
			if v := pow10Times(n, k); inside(v) {
				marks = append(marks, mark{n, k, v})
			}
		}
	}
	count := func(f func(mark) bool) int {
		c := 0
		for _, m := range marks {
			if f(m) {
				c++
			}
		}
		return c
	}
	decades := count(func(m mark) bool { return m.n == 1 })
	var labelled func(mark) bool
	minors := true
	switch {
	case decades > defaultMaxTicks:
		stride := (decades + defaultMaxTicks - 1) / defaultMaxTicks
		labelled = func(m mark) bool { return m.n == 1 && floorMod(m.k, stride) == 0 }
		minors = false
	case decades >= 2:
		labelled = func(m mark) bool { return m.n == 1 }
	case count(func(m mark) bool { return m.n == 1 || m.n == 2 || m.n == 5 }) >= 3:
		labelled = func(m mark) bool { return m.n == 1 || m.n == 2 || m.n == 5 }
	case len(marks) >= 2:
		labelled = func(mark) bool { return true }
	default:
		return linearTicks{}.Ticks(min, max)
	}
	var ticks []plot.Tick
	for _, m := range marks {
		switch {
		case labelled(m):
			ticks = append(ticks, plot.Tick{Value: m.v, Label: logLabel(m.v)})
		case minors || m.n == 1:
			ticks = append(ticks, plot.Tick{Value: m.v})
		}
	}
	return ticks
}

// pow10Times returns n × 10^k, exact for the decimal values.
func pow10Times(n, k int) float64 {
	if k < 0 {
		return float64(n) / math.Pow10(-k)
	}
	return float64(n) * math.Pow10(k)
}

func floorMod(a, b int) int { return ((a % b) + b) % b }

// logLabel formats a tick value of a log axis, n × 10^k.
func logLabel(v float64) string {
	if v >= 1e-4 && v < 1e6 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return expLabel(v, 1)
}

// The fraction of the data's range added at either end of an axis, as
// matplotlib's default margins: no point sits on an axis line.
const margin = 0.05

// padRange returns [lo, hi] widened by margin of its span at either end
// (of its logarithms' span when log), keeping lo itself when lowFixed
// (a histogram's counts start at 0). An empty range (lo > hi) becomes
// [0, 1] ([1, 10] when log), and a single value v one of ±10% around it
// (±1 around 0; ×/÷2 when log).
func padRange(lo, hi float64, log, lowFixed bool) (float64, float64) {
	switch {
	case lo > hi || math.IsInf(lo, 0) || math.IsInf(hi, 0) || math.IsNaN(lo) || math.IsNaN(hi):
		if log {
			return 1, 10
		}
		return 0, 1
	case lo == hi && log:
		lo, hi = lo/2, hi*2
	case lo == hi:
		d := math.Abs(lo) * 0.1
		if d == 0 {
			d = 1
		}
		if !lowFixed {
			lo -= d
		}
		hi += d
	}
	if log {
		l, h := math.Log10(lo), math.Log10(hi)
		d := margin * (h - l)
		if !lowFixed {
			lo = math.Pow(10, l-d)
		}
		return lo, math.Pow(10, h+d)
	}
	d := margin * (hi - lo)
	if !lowFixed {
		lo -= d
	}
	return lo, hi + d
}
