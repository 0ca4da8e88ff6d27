package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/simrun/simrun/bench/internal/benchkit"
	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// A row is one targeted statistic at one point of an experiment, and
// its intervals at every seed.
type row struct {
	point int64  // the point's index in the sweep
	key   string // its parameters, canonical
	label string // its swept parameters: "K = 90"
	stat  string // the statistic a target is set on
	index int    // its place among the point's statistics
	ref   string // the exact value's reference, as report.Check names it
	exact float64

	adaptive, fixed tally
	// onlyAdaptive and onlyFixed count the seeds at which one budget's
	// interval covered and the other's did not.
	onlyAdaptive, onlyFixed int
	// byRounds and byChunks hold the adaptive intervals by the rounds the
	// point took and by the prefix of chunks it stopped at; fixedByRounds
	// the fixed budget's intervals at the same seeds, by the rounds the
	// adaptive run of the point took at that seed.
	byRounds      map[int]*tally
	byChunks      map[int64]*tally
	fixedByRounds map[int]*tally
}

// A tally counts intervals: how many, how many covered the exact value,
// and for adaptive ones the samples and rounds they took.
type tally struct {
	n, covered           int
	samples              int64
	rounds               int
	minRounds, maxRounds int
	unreached            int // stopped at the budget's maximum
}

func (t *tally) add(iv interval) {
	if t.n == 0 || iv.rounds < t.minRounds {
		t.minRounds = iv.rounds
	}
	t.maxRounds = max(t.maxRounds, iv.rounds)
	t.n++
	if iv.covered {
		t.covered++
	}
	t.samples += iv.samples
	t.rounds += iv.rounds
	if iv.rounds > 0 && !iv.reached {
		t.unreached++
	}
}

func (t *tally) merge(u tally) {
	if u.n == 0 {
		return
	}
	if t.n == 0 || u.minRounds < t.minRounds {
		t.minRounds = u.minRounds
	}
	t.maxRounds = max(t.maxRounds, u.maxRounds)
	t.n += u.n
	t.covered += u.covered
	t.samples += u.samples
	t.rounds += u.rounds
	t.unreached += u.unreached
}

// coverage returns the fraction of intervals that covered the exact
// value and its binomial standard error, √(p(1−p)/n).
func (t *tally) coverage() (p, se float64) {
	p = float64(t.covered) / float64(t.n)
	return p, math.Sqrt(p * (1 - p) / float64(t.n))
}

// An interval is one row's 95% interval in one run.
type interval struct {
	covered bool    // CILow ≤ exact ≤ CIHigh
	exact   float64 // as report.Check gave it
	ref     string
	samples int64
	chunks  int64 // the prefix an adaptive point stopped at; 0 for a fixed budget
	rounds  int   // 0 for a fixed budget
	reached bool
}

// measurements are the runs of every configuration.
type measurements struct {
	start, end            time.Time
	loadBefore, loadAfter string
	machine               []string
	results               []result
}

// A result is one configuration's runs of both budgets at every seed.
type result struct {
	cf                      *configuration
	adaptiveWall, fixedWall time.Duration
	points                  int64
	rows                    []row
	fixedSamples            int64 // the fixed budget's samples a point
	warnings                []string
}

func (r *result) warn(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	log.Printf("%s: warning: %s", r.cf.id, s)
	r.warnings = append(r.warnings, s)
}

// measure runs each configuration of cfs, adaptive then fixed, at seeds
// 1 to c.seeds.
func measure(ctx context.Context, c *options, cfs []configuration) (*measurements, error) {
	m := &measurements{start: time.Now().UTC(), loadBefore: benchkit.LoadAvg()}
	m.machine = append(benchkit.Machine(), "simrun: revision "+benchkit.Revision())
	for i := range cfs {
		r, err := measureOne(ctx, c, &cfs[i])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cfs[i].id, err)
		}
		m.results = append(m.results, r)
	}
	m.end = time.Now().UTC()
	m.loadAfter = benchkit.LoadAvg()
	return m, nil
}

// measureOne runs the configuration cf, adaptive then fixed, at seeds 1
// to c.seeds, and tallies the intervals of its rows.
func measureOne(ctx context.Context, c *options, cf *configuration) (result, error) {
	res := result{cf: cf}
	rows, points, err := targetRows(c, cf)
	if err != nil {
		return res, err
	}
	res.rows, res.points = rows, points

	log.Printf("%s adaptive: seeds 1 to %d, %d points each", cf.id, c.seeds, points)
	start := time.Now()
	adaptive, err := runSeeds(ctx, c, cf, "adaptive", 0, rows)
	if err != nil {
		return res, err
	}
	res.adaptiveWall = time.Since(start)
	var samples int64
	for _, ivs := range adaptive {
		for i, iv := range ivs {
			samples += iv.samples
			r := &rows[i]
			r.adaptive.add(iv)
			addTo(r.byRounds, iv.rounds, iv)
			addTo(r.byChunks, iv.chunks, iv)
		}
	}
	// The fixed budget: the adaptive runs' mean samples a point, in whole
	// chunks. Every point has every target, so the mean over rows is the
	// mean over points.
	mean := float64(samples) / float64(len(adaptive)*len(rows))
	res.fixedSamples = max(1, int64(math.Round(mean/float64(cf.chunkSize)))) * cf.chunkSize
	log.Printf("%s adaptive: %.1f s; %.0f samples a point on average", cf.id, res.adaptiveWall.Seconds(), mean)
	for _, r := range rows {
		first := r.byRounds[1]
		if first == nil {
			first = &tally{}
		}
		log.Printf("%s adaptive: %s: %d of %d seeds (%.0f%%) stopped after round 1; rounds %s", cf.id, r.label,
			first.n, r.adaptive.n, 100*float64(first.n)/float64(r.adaptive.n), roundRange(&r.adaptive))
	}

	log.Printf("%s fixed: seeds 1 to %d, %s samples a point", cf.id, c.seeds, benchkit.Count(res.fixedSamples))
	start = time.Now()
	fixed, err := runSeeds(ctx, c, cf, "fixed", res.fixedSamples, rows)
	if err != nil {
		return res, err
	}
	res.fixedWall = time.Since(start)
	log.Printf("%s fixed: %.1f s", cf.id, res.fixedWall.Seconds())
	for s, ivs := range fixed {
		for i, iv := range ivs {
			r := &rows[i]
			r.fixed.add(iv)
			a := adaptive[s][i]
			addTo(r.fixedByRounds, a.rounds, iv)
			switch {
			case a.covered && !iv.covered:
				r.onlyAdaptive++
			case iv.covered && !a.covered:
				r.onlyFixed++
			}
		}
	}

	// The exact values, the same at every seed and in both budgets.
	for i := range rows {
		r := &rows[i]
		r.exact, r.ref = adaptive[0][i].exact, adaptive[0][i].ref
		for _, run := range [][][]interval{adaptive, fixed} {
			for s, ivs := range run {
				if iv := ivs[i]; iv.exact != r.exact || iv.ref != r.ref {
					return res, fmt.Errorf("seed %d, %s: %s's exact value %s is %g, at seed 1 %s is %g", s+1, r.key, r.stat, iv.ref, iv.exact, r.ref, r.exact)
				}
			}
		}
		if r.adaptive.unreached > 0 {
			res.warn("%s: %d of the %d adaptive runs stopped at the maximum, %s samples, with the target of %s unreached",
				r.label, r.adaptive.unreached, r.adaptive.n, benchkit.Count(cf.maxChunks*cf.chunkSize), r.stat)
		}
	}
	return res, nil
}

// addTo adds iv to the tally of key in by, making it if need be.
func addTo[K comparable](by map[K]*tally, key K, iv interval) {
	if by[key] == nil {
		by[key] = &tally{}
	}
	by[key].add(iv)
}

// mergeInto merges each tally of src into the tally of its key in dst,
// making it if need be.
func mergeInto[K comparable](dst, src map[K]*tally) {
	for k, t := range src {
		if dst[k] == nil {
			dst[k] = &tally{}
		}
		dst[k].merge(*t)
	}
}

// targetRows loads cf's adaptive experiment and returns a row for each
// of its targets at each of its points, and the number of points.
func targetRows(c *options, cf *configuration) ([]row, int64, error) {
	file := filepath.Join(c.tmp, cf.id+".toml")
	if err := os.WriteFile(file, []byte(cf.file(1, 0)), 0o644); err != nil {
		return nil, 0, err
	}
	e, err := en.Load(file)
	if err != nil {
		return nil, 0, err
	}
	if !e.Budget.Adaptive() {
		return nil, 0, fmt.Errorf("%s has no [samples.target]", file)
	}
	var rows []row
	for p := range e.NumPoints() {
		pt := e.Point(p)
		for _, t := range e.Budget.Targets {
			rows = append(rows, row{point: p, key: pt.Key, label: swept(e, pt.Params), stat: t.Stat, index: t.Index,
				byRounds: map[int]*tally{}, byChunks: map[int64]*tally{}, fixedByRounds: map[int]*tally{}})
		}
	}
	return rows, e.NumPoints(), nil
}

// swept writes a point's swept parameters: "K = 90".
func swept(e *sim.Experiment, p sim.Params) string {
	var s []string
	for _, name := range e.Swept() {
		v, _ := p.Lookup(name)
		s = append(s, name+" = "+v.String())
	}
	return strings.Join(s, ", ")
}

// runSeeds runs cf's experiment at seeds 1 to c.seeds, adaptive when
// samples is 0, on c.workers goroutines, and returns each seed's
// intervals of rows.
func runSeeds(ctx context.Context, c *options, cf *configuration, name string, samples int64, rows []row) ([][]interval, error) {
	out := make([][]interval, c.seeds)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	seeds := make(chan int)
	var wg sync.WaitGroup
	for range c.workers {
		wg.Go(func() {
			for s := range seeds {
				ivs, err := runFile(ctx, c, fmt.Sprintf("%s-%s-%d", cf.id, name, s), cf.file(s, samples), rows)
				if err != nil {
					cancel(err)
					continue
				}
				out[s-1] = ivs
			}
		})
	}
feed:
	for s := 1; s <= c.seeds; s++ {
		select {
		case seeds <- s:
		case <-ctx.Done():
			break feed
		}
	}
	close(seeds)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// runFile writes the experiment src to name.toml in c.tmp, runs it in
// process into the directory name beside it, and returns the interval
// of each of rows, judged against the exact values report.Check gives
// (what `simrun check` compares a run with). Both are removed after.
func runFile(ctx context.Context, c *options, name, src string, rows []row) ([]interval, error) {
	file, dir := filepath.Join(c.tmp, name+".toml"), filepath.Join(c.tmp, name)
	defer os.Remove(file)
	defer os.RemoveAll(dir)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return nil, err
	}
	e, err := en.Load(file)
	if err != nil {
		return nil, err
	}
	o, err := en.Run(ctx, e, engine.Options{Dir: dir, InProcess: true, Workers: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	res := o.Results
	if res.Partial || int64(len(res.Points)) != e.NumPoints() {
		return nil, fmt.Errorf("%s: %d of %d points finished", name, len(res.Points), e.NumPoints())
	}
	devs, err := report.Check(e, res)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	exact := make(map[[2]string]report.Deviation, len(devs))
	for _, d := range devs {
		exact[[2]string{d.Key, d.Observable}] = d
	}
	out := make([]interval, len(rows))
	for i, r := range rows {
		pr := res.Points[r.point]
		if pr.Index != r.point || pr.Params.Key() != r.key || pr.Stats[r.index].Observable != r.stat {
			return nil, fmt.Errorf("%s: point %d is %s, statistic %d %s; want %s, %s", name, pr.Index, pr.Params.Key(), r.index, pr.Stats[r.index].Observable, r.key, r.stat)
		}
		d, ok := exact[[2]string{r.key, r.stat}]
		if !ok {
			return nil, fmt.Errorf("%s: kernel %s declares no exact value of %s at %s", name, e.Kernel.Name, r.stat, r.key)
		}
		s := pr.Stats[r.index]
		iv := interval{covered: s.CILow <= d.Exact && d.Exact <= s.CIHigh, exact: d.Exact, ref: d.Reference, samples: s.N}
		if p := pr.Precision; p != nil {
			iv.chunks, iv.rounds, iv.reached = p.Chunks, p.Rounds, p.Reached
		}
		out[i] = iv
	}
	return out, nil
}
