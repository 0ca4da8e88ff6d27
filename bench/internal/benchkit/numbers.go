package benchkit

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Median returns the median of v (the mean of the middle two when there is
// an even number), or NaN when v is empty. v is left as it is.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Secs returns the durations in seconds.
func Secs(d []time.Duration) []float64 {
	v := make([]float64, len(d))
	for i, x := range d {
		v[i] = x.Seconds()
	}
	return v
}

// Verdict is a target's last column: "met" or "**missed**".
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

// Pct writes a fraction as a signed percentage: 0.012 is "+1.2%".
func Pct(x float64) string { return fmt.Sprintf("%+.1f%%", 100*x) }

// Count writes n ≥ 0 with a comma between groups of three digits:
// 1,000,000.
func Count(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Runs writes every value of v with format, separated by ", ".
func Runs(v []float64, format func(float64) string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = format(x)
	}
	return strings.Join(s, ", ")
}
