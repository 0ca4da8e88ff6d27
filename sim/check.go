package sim

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// checkPart is the fewest points a goroutine of CheckPoints checks.
const checkPart = 4096

// CheckPoints calls the kernel's Check on every point of the sweep. For
// the first point it rejects, it returns an *Error at the key that sets
// the blamed parameter ([sweep] or [params]; the kernel key for a default
// value), naming the point and how many points are rejected. It returns
// nil if the kernel has no Check.
func (e *Experiment) CheckPoints() error {
	if e.Kernel.Check == nil {
		return nil
	}
	n := e.NumPoints()
	// The points are checked in as many contiguous parts as there are
	// cores (a sweep of a million points is checked before any runs);
	// the first rejected is the one of lowest index.
	type part struct {
		first   error
		firstAt int64
		bad     int64
	}
	parts := make([]part, max(1, min(int64(runtime.GOMAXPROCS(0)), n/checkPart)))
	var wg sync.WaitGroup
	for w := range parts {
		wg.Go(func() {
			x := &parts[w]
			// One Params for every point, filled in place: Point would
			// build each point's key too, which took most of the 16 s a
			// 16-million-point sweep spent here.
			vals := make([]Value, len(e.sweep.base))
			p := NewParams(e.sweep.specs, vals)
			for i := int64(w) * n / int64(len(parts)); i < int64(w+1)*n/int64(len(parts)); i++ {
				e.values(i, vals)
				if err := e.Kernel.Check(p); err != nil {
					if x.bad == 0 {
						x.first, x.firstAt = err, i
					}
					x.bad++
				}
			}
		})
	}
	wg.Wait()
	var first error
	var firstPt Point
	var bad int64
	for _, x := range parts {
		if x.bad > 0 && bad == 0 {
			first, firstPt = x.first, e.Point(x.firstAt)
		}
		bad += x.bad
	}
	if bad == 0 {
		return nil
	}
	msg := first.Error()
	key := []string{"kernel"}
	loc := newLocator(e.Source)
	var pe *ParamError
	if errors.As(first, &pe) {
		switch {
		case loc.defines([]string{"sweep", pe.Param}):
			key = []string{"sweep", pe.Param}
		case loc.defines([]string{"params", pe.Param}):
			key = []string{"params", pe.Param}
		default:
			msg = "the default " + msg
		}
	}
	if n > 1 {
		msg = fmt.Sprintf("point %d (%s): %s", firstPt.Index, firstPt.Key, msg)
	}
	if bad > 1 {
		msg += fmt.Sprintf(" (%d of the %d points are rejected; this is the first)", bad, n)
	}
	return &Error{File: e.File, Line: loc.line(key), Key: joinKey(key), Msg: msg}
}
