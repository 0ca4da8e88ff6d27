// Package fmath has the elementary functions whose results must be the
// same bits on every machine: simrun's results are a function of the
// experiment file, and a parameter value or a kernel's table that differed
// in its last bit between two CPUs would change a point's random streams or
// its samples.
//
// The math package cannot promise that. Its Exp and Log dispatch to
// assembly on amd64 (which differs between CPUs with and without FMA),
// arm64 and s390x; its pure-Go functions may have a multiply and an add
// fused into one rounding on arm64, ppc64 and s390x, which the Go
// specification allows; and Pow(10, x) calls Exp and Log for a fractional
// x. The functions here are the math package's pure-Go algorithms with
// every product rounded on its own (an explicit float64 conversion stops
// the fusing), so they give the same bits everywhere, with the same
// accuracy (below 1 ulp). Exact IEEE operations (+, −, ×, ÷, math.Sqrt,
// math.Floor, math.Frexp, math.Ldexp) are portable already.
package fmath
