package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/journal"
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
// over a complete journal says it computed none, and --force starts the
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
		name string
		file string
		o    Options
		want []rec
	}{
		{"first run", small, Options{InProcess: true}, []rec{{15, 0}}},            // 3 points × 5 chunks of 400
		{"grown budget", big, Options{InProcess: true}, []rec{{15, 0}, {24, 15}}}, // 13 chunks each now
		{"rerun", big, Options{Workers: 2}, []rec{{15, 0}, {24, 15}, {0, 39}}},
		{"force", big, Options{InProcess: true, Force: true}, []rec{{39, 0}}},
	} {
		got := history(runFile(t, step.file, out, step.o))
		if !slices.Equal(got, step.want) {
			t.Errorf("%s: runs (computed, reused) %v, want %v", step.name, got, step.want)
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
