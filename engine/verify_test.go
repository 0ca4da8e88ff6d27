package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/report"
)

// TestVerifyOtherModule: results made by a binary with a kernel this one
// lacks are refused with the module that provides it, not only "unknown
// kernel".
func TestVerifyOtherModule(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	out := runFile(t, file, filepath.Join(dir, "out"), Options{InProcess: true})
	if got, want := out.Results.Provenance.KernelModule, "github.com/simrun/simrun"; got != want {
		t.Errorf("kernel_module %q, want %q (the test binary's main module)", got, want)
	}
	path := filepath.Join(out.Dir, ResultsJSON)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Provenance.Kernel = "heat"
	res.Provenance.KernelModule = "example.com/heat@v1.2.0"
	res.Provenance.Module, res.Provenance.Version = "example.com/heat", "v1.2.0"
	var edited bytes.Buffer
	if err := report.WriteJSON(&edited, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edited.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = testEngine.Verify(out.Dir, 0)
	for _, want := range []string{`kernel "heat" of module example.com/heat@v1.2.0`, "binary of example.com/heat v1.2.0", "built with module example.com/heat@v1.2.0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("verify: %v; want an error with %q", err, want)
		}
	}
}
