package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/report"
)

// TestResumeRefusesOtherKernelVersion: a journal written by a simrun whose
// kernel gave other samples from the same streams (here, pi before its
// version 1, whose journals carry no version) is refused rather than
// mixed into the results.
func TestResumeRefusesOtherKernelVersion(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "pi.toml", "kernel = \"pi\"\nseed = 1\n[samples]\nsamples = 4000\nchunk_size = 1000\n")
	out := filepath.Join(dir, "out")
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if e.Kernel.Version == 0 {
		t.Fatal("the pi kernel has version 0; this test needs one that is not")
	}
	h := newJournalHeader(e)
	h.KernelVersion = 0
	hdr, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(hdr), "kernel_version") {
		t.Fatalf("header %s: version 0 should be absent, as in journals written before versions", hdr)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(filepath.Join(out, JournalFile), hdr)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = testEngine.Run(context.Background(), e, Options{Dir: out, InProcess: true})
	want := fmt.Sprintf("version 0 of kernel \"pi\", this simrun has version %d", e.Kernel.Version)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("run: %v; want an *InputError with %q and --force", err, want)
	}
}

// TestProvenanceHistory: results.json keeps a record of every run whose
// chunks it holds: a grown budget computes only the new chunks, a rerun
// of a finished run has nothing to do and changes nothing, one after an
// output was deleted says it computed none, and --force starts the
// history anew.
func TestProvenanceHistory(t *testing.T) {
	dir := t.TempDir()
	small := writeTestFile(t, dir, "small.toml", strings.Replace(walkExperiment, "samples = 5000", "samples = 2000", 1))
	big := writeTestFile(t, dir, "big.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	type rec struct{ computed, reused int64 }
	history := func(o *Outcome) []rec {
		var rs []rec
		for _, r := range o.Results.Provenance.Runs {
			rs = append(rs, rec{r.Computed, r.Reused})
		}
		return rs
	}
	for _, step := range []struct {
		name     string
		file     string
		o        Options
		before   func()
		want     []rec
		upToDate bool
	}{
		{"first run", small, Options{InProcess: true}, nil, []rec{{15, 0}}, false},            // 3 points × 5 chunks of 400
		{"grown budget", big, Options{InProcess: true}, nil, []rec{{15, 0}, {24, 15}}, false}, // 13 chunks each now
		{"rerun", big, Options{Workers: 2}, nil, []rec{{15, 0}, {24, 15}}, true},
		{"rerun, report.md deleted", big, Options{Workers: 2}, func() { os.Remove(filepath.Join(out, ReportMD)) }, []rec{{15, 0}, {24, 15}, {0, 39}}, false},
		{"force", big, Options{InProcess: true, Force: true}, nil, []rec{{39, 0}}, false},
	} {
		if step.before != nil {
			step.before()
		}
		o := runFile(t, step.file, out, step.o)
		if got := history(o); !slices.Equal(got, step.want) || o.UpToDate != step.upToDate {
			t.Errorf("%s: runs (computed, reused) %v, up to date %v; want %v, %v", step.name, got, o.UpToDate, step.want, step.upToDate)
		}
		if _, err := os.Stat(filepath.Join(out, JournalFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the finished run left its journal (%v): one copy of the chunks, chunks.bin, is enough", step.name, err)
		}
	}
	res, err := ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Provenance.Runs[0]; r.Executor != "in-process" || r.Host == "" || r.Start.IsZero() {
		t.Errorf("the run record does not round-trip through results.json: %+v", r)
	}
}

// TestLargeSweepResults: a sweep of more than report.JSONPoints points
// keeps a results.json that lists none of them, a few kilobytes; Results
// rebuilds them from the chunks, the same as the run's; a rerun is up to
// date and writes nothing; report rewrites the same bytes.
func TestLargeSweepResults(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "wide.toml", `
kernel = "randomwalk"
seed = 3
[params]
d = 1
[sweep]
steps = { from = 1, to = 10_001, step = 1 }
[samples]
samples = 2
chunk_size = 1
`)
	out := filepath.Join(dir, "out")
	run := runFile(t, file, out, Options{InProcess: true})
	// The run keeps its first JSONPoints points and a digest of all.
	if r := run.Results; len(r.Points) != report.JSONPoints || r.PointsOmitted != 1 || r.Digest == nil || r.Digest.Points() != report.JSONPoints+1 {
		t.Fatalf("the run kept %d points and %d omitted (digest %v); want the first %d, 1 omitted and a digest of all",
			len(r.Points), r.PointsOmitted, r.Digest != nil, report.JSONPoints)
	}
	fi, err := os.Stat(filepath.Join(out, ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	saved, err := ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Points) != 0 || saved.PointsOmitted != report.JSONPoints+1 || fi.Size() > 8<<10 {
		t.Errorf("results.json: %d bytes listing %d points, %d omitted; want at most 8 KB, none listed and %d omitted",
			fi.Size(), len(saved.Points), saved.PointsOmitted, report.JSONPoints+1)
	}
	all, err := testEngine.Results(filepath.Join(out, ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(out, ResultsCSV))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := report.WriteCSV(&got, all); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) || all.Provenance.Start != saved.Provenance.Start {
		t.Errorf("Results rebuilt %d points that differ from the run's results.csv, or another provenance", len(all.Points))
	}
	// Reduced on one core, in one part, the same bytes.
	procs := runtime.GOMAXPROCS(1)
	one, err := testEngine.Results(out)
	runtime.GOMAXPROCS(procs)
	if err != nil {
		t.Fatal(err)
	}
	var oneCSV bytes.Buffer
	if err := report.WriteCSV(&oneCSV, one); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(oneCSV.Bytes(), want) {
		t.Errorf("the points reduced on one core differ from those reduced on %d", procs)
	}

	before := snapshotFiles(t, out)
	if again := runFile(t, file, out, Options{InProcess: true}); !again.UpToDate || len(again.Written) != 0 || again.Done != again.Total {
		t.Errorf("rerun: up to date %v, wrote %v, %d of %d chunks; want up to date, nothing written", again.UpToDate, again.Written, again.Done, again.Total)
	}
	if after := snapshotFiles(t, out); after != before {
		t.Errorf("the rerun changed the directory")
	}
	if _, _, err := testEngine.Report(out); err != nil {
		t.Fatal(err)
	}
	if after := snapshotFiles(t, out); after != before {
		t.Errorf("report rewrote other bytes")
	}
}

// snapshotFiles describes every file of dir by name, size, time and
// content.
func snapshotFiles(t *testing.T, dir string) string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %x\n", filepath.Base(name), len(data), sha256.Sum256(data))
	}
	return b.String()
}
