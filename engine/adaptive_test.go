package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// adaptiveExperiment prices calls over strikes to an absolute standard
// error: the deep out-of-the-money strikes, of small variance, stop in
// the first round, at the money takes rounds.
const adaptiveExperiment = `
name = "adaptive"
kernel = "option"
seed = 21
[params]
S0 = 100
r = 0.05
T = 1
sigma = 0.2
[sweep]
K = [90, 100, 130, 200]
[samples]
samples = 200_000
chunk_size = 500
min_chunks = 4
[samples.target]
call = { abs = 0.05 }
`

// TestAdaptiveWorkers: an adaptive run gives the same bytes on 1, 2 and
// 3 worker processes and in process, each point stopped at the first
// round whose prefix reached the target.
func TestAdaptiveWorkers(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "adaptive.toml", adaptiveExperiment)
	ref := runFile(t, file, filepath.Join(dir, "inprocess"), Options{InProcess: true, Workers: 2})
	pts := ref.Results.Points
	if len(pts) != 4 || ref.Results.Partial {
		t.Fatalf("%d points (partial %v), want 4", len(pts), ref.Results.Partial)
	}
	var chunks int64
	for _, p := range pts {
		pr := p.Precision
		if pr == nil || !pr.Reached || pr.Rounds < 1 || pr.Samples != 500*pr.Chunks || p.Stats[0].N != pr.Samples {
			t.Fatalf("point %d: precision %+v, stat N %d", p.Index, pr, p.Stats[0].N)
		}
		if p.Stats[0].StdErr > 0.05 {
			t.Errorf("point %d: stderr %g above the target 0.05", p.Index, p.Stats[0].StdErr)
		}
		chunks += pr.Chunks
	}
	// At the money the payoff's sd is about 14: (1.96·14/(1.96·0.05))² ≈ 80 000
	// samples; at K = 200 almost every payoff is 0.
	atm, otm := pts[1].Precision, pts[3].Precision
	if atm.Rounds < 3 || atm.Samples < 50_000 || otm.Rounds != 1 || otm.Chunks != 4 {
		t.Errorf("at the money %+v, deep out of it %+v: want rounds at the money, one round of 4 chunks at K = 200", atm, otm)
	}
	if ref.Total != chunks || ref.Done != chunks {
		t.Errorf("done %d of %d chunks, want the %d of the points' prefixes", ref.Done, ref.Total, chunks)
	}
	if again := runFile(t, file, ref.Dir, Options{InProcess: true}); !again.UpToDate || again.Total != chunks {
		t.Errorf("run again: up to date %v, with %d chunks; want up to date with the %d of the prefixes", again.UpToDate, again.Total, chunks)
	}
	for _, w := range []int{1, 2, 3} {
		o := runFile(t, file, filepath.Join(dir, fmt.Sprint(w)), Options{Workers: w})
		sameFiles(t, ref.Dir, o.Dir, ResultsCSV, ResultsParquet, ChunksFile)
		for i, p := range o.Results.Points {
			if got, want := *p.Precision, *pts[i].Precision; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%d workers, point %d: precision %+v, in process %+v", w, i, got, want)
			}
		}
	}
}

// TestAdaptiveResume: a run stopped in any wave resumes from its
// journal, takes the same decisions again and runs only the chunks they
// ask for: the same bytes as a run that was never stopped.
func TestAdaptiveResume(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "adaptive.toml", adaptiveExperiment)
	ref := runFile(t, file, filepath.Join(dir, "ref"), Options{InProcess: true})
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int64{3, 20, ref.Total / 2} {
		t.Run(fmt.Sprint(after), func(t *testing.T) {
			out := filepath.Join(dir, fmt.Sprint(after))
			ctx, cancel := context.WithCancelCause(context.Background())
			stop := errors.New("stopped by the test")
			o := Options{Dir: out, InProcess: true, Workers: 1, Progress: func(done, _ int64) {
				if done >= after {
					cancel(stop)
				}
			}}
			first, err := testEngine.Run(ctx, e, o)
			if !errors.Is(err, stop) {
				t.Fatalf("stopped run: %v, want the test's cause", err)
			}
			if first.Done >= ref.Total || first.Done < after {
				t.Fatalf("the stopped run did %d chunks, want %d to %d", first.Done, after, ref.Total-1)
			}
			resumed := runFile(t, file, out, Options{Workers: 2})
			if resumed.Reused != first.Done || resumed.Done != ref.Total {
				t.Errorf("resumed: reused %d (want %d), done %d of %d (want %d)", resumed.Reused, first.Done, resumed.Done, resumed.Total, ref.Total)
			}
			sameFiles(t, ref.Dir, out, ResultsCSV, ResultsParquet, ChunksFile)
		})
	}
}

// TestAdaptiveTighter: a tighter target in the same directory keeps
// every chunk of the looser run and samples on from there, to the bytes
// of a run of the tighter target from scratch.
func TestAdaptiveTighter(t *testing.T) {
	dir := t.TempDir()
	loose := writeTestFile(t, dir, "loose.toml", strings.Replace(adaptiveExperiment, "abs = 0.05", "abs = 0.1", 1))
	tight := writeTestFile(t, dir, "tight.toml", adaptiveExperiment)
	out := filepath.Join(dir, "out")
	first := runFile(t, loose, out, Options{InProcess: true})
	second := runFile(t, tight, out, Options{InProcess: true})
	if second.Reused != first.Total || second.Total <= first.Total {
		t.Errorf("the tighter run reused %d of the looser run's %d chunks, and needs %d", second.Reused, first.Total, second.Total)
	}
	fresh := runFile(t, tight, filepath.Join(dir, "fresh"), Options{InProcess: true})
	sameFiles(t, fresh.Dir, out, ResultsCSV, ResultsParquet, ChunksFile)
}

// TestAdaptiveShardRefused: the decisions of an adaptive run need every
// chunk of a point, which no shard has.
func TestAdaptiveShardRefused(t *testing.T) {
	dir := t.TempDir()
	e, err := testEngine.Load(writeTestFile(t, dir, "adaptive.toml", adaptiveExperiment))
	if err != nil {
		t.Fatal(err)
	}
	_, err = testEngine.Run(context.Background(), e, Options{Dir: filepath.Join(dir, "out"), Shard: &Shard{Index: 0, Count: 2}})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "[samples.target]") || !strings.Contains(err.Error(), "without --shard") {
		t.Errorf("sharded adaptive run: %v, want an *InputError saying to run it whole", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused run made its directory: %v", err)
	}
}

// TestAdaptiveMerge: merging the directory of an adaptive run says why
// there is nothing to merge.
func TestAdaptiveMerge(t *testing.T) {
	dir := t.TempDir()
	out := runFile(t, writeTestFile(t, dir, "adaptive.toml", adaptiveExperiment), filepath.Join(dir, "out"), Options{InProcess: true})
	_, err := testEngine.Merge(out.Dir)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "never sharded, so there is nothing to merge") {
		t.Errorf("merge of an adaptive run: %v", err)
	}
}

// TestAdaptiveReport: the outputs rebuilt from chunks.bin alone (simrun
// report) take the same decisions as the run.
func TestAdaptiveReport(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "adaptive.toml", adaptiveExperiment)
	out := runFile(t, file, filepath.Join(dir, "out"), Options{InProcess: true})
	want, err := os.ReadFile(filepath.Join(out.Dir, ResultsCSV))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out.Dir, ResultsCSV))
	rep, _, err := testEngine.Report(out.Dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(out.Dir, ResultsCSV))
	if err != nil || string(got) != string(want) {
		t.Errorf("rebuilt results.csv differs (%v)", err)
	}
	for i, p := range rep.Results.Points {
		if fmt.Sprint(*p.Precision) != fmt.Sprint(*out.Results.Points[i].Precision) {
			t.Errorf("point %d: rebuilt precision %+v, the run's %+v", i, *p.Precision, *out.Results.Points[i].Precision)
		}
	}
}
