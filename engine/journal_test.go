package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
