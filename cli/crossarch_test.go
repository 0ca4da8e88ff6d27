package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/simrun/simrun/engine"
)

// crossArchExperiments touch every path where two CPUs could round
// differently: pi's AVX2 lanes, exp and log in kernel tables and variates
// (option, sir, ising2d), a fractional logspace and a float range (point
// keys, so streams), and confidence intervals with few and many degrees
// of freedom (the t quantile's table and expansion).
var crossArchExperiments = map[string]string{
	"pi.toml": "kernel = \"pi\"\nseed = 3\n[sweep]\nn = [1, 300, 1000]\n[samples]\nsamples = 20_000\nchunk_size = 2_000\n",
	"option.toml": "kernel = \"option\"\nseed = 4\n[sweep]\nsigma = { logspace = [-1.5, -0.25, 4] }\nantithetic = [false, true]\n" +
		"[samples]\nsamples = 4_000\nchunk_size = 400\n",
	"sir.toml":   "kernel = \"sir\"\nseed = 5\n[params]\nN = 300\n[sweep]\nR0 = { from = 0.5, to = 3.1, step = 0.65 }\n[samples]\nsamples = 400\nchunks = 4\n",
	"ising.toml": "kernel = \"ising2d\"\nseed = 6\n[params]\nL = 8\nburnin = 50\n[sweep]\nT = { linspace = [1.5, 3.5, 3] }\nalgorithm = [\"metropolis\", \"wolff\"]\n[samples]\nsamples = 400\nchunk_size = 40\n",
	"perc.toml":  "kernel = \"percolation\"\nseed = 7\n[params]\nL = 16\n[sweep]\np = { from = 0.5, to = 0.7, step = 0.05 }\n[samples]\nsamples = 400\nchunk_size = 100\n",
}

// TestSameResultsOn386 runs each experiment with this binary (amd64: the
// math package's assembly, FMA where the CPU has it, pi's AVX2 lanes) and
// with simrun built for GOARCH=386 (none of these) on the same machine,
// and wants results.csv and chunks.bin to be the same bytes: the contract
// that results do not depend on the machine, short of a second machine.
func TestSameResultsOn386(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("needs linux/amd64, which also runs 386 binaries; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	if testing.Short() {
		t.Skip("-short: building simrun for 386 takes about 15 s")
	}
	dir := t.TempDir()
	bin := buildSimrun(t, "GOARCH=386")
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("this kernel cannot run 386 binaries (%v); nothing to compare with", err)
		}
		t.Fatalf("simrun-386 version: %v:\n%s", err, out)
	}
	for name, src := range crossArchExperiments {
		t.Run(name, func(t *testing.T) {
			file := writeFile(t, dir, name, src)
			native, other := filepath.Join(dir, name+".amd64"), filepath.Join(dir, name+".386")
			if _, stderr, code := simrun(t, "run", "--quiet", "--out", native, file); code != 0 {
				t.Fatalf("amd64 run: exit %d: %s", code, stderr)
			}
			if out, err := exec.Command(bin, "run", "--quiet", "--workers", "2", "--out", other, file).CombinedOutput(); err != nil {
				t.Fatalf("386 run: %v:\n%s", err, out)
			}
			for _, f := range []string{engine.ResultsCSV, engine.ChunksFile} {
				a, err1 := os.ReadFile(filepath.Join(native, f))
				b, err2 := os.ReadFile(filepath.Join(other, f))
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs between amd64 and 386", f)
				}
			}
		})
	}
}

// TestNoFusedMultiplyAdd builds simrun for arm64, where Go may fuse a
// multiply and an add into one rounding, and fails if any function that
// computes results (kernels, sim, stats and its t quantile)
// contains a fused instruction: 386, in TestSameResultsOn386, never fuses,
// so it cannot catch these. Reference curves, figure layout and the pool's
// scheduling are allowed; they are not results.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building simrun for arm64 takes about 15 s")
	}
	bin := buildSimrun(t, "GOARCH=arm64", "GOOS=linux")
	out, err := exec.Command("go", "tool", "objdump", bin).Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	allowed := map[string]bool{
		// Reference values for figures, not results.
		"github.com/simrun/simrun/kernels.blackScholes": true,
		"github.com/simrun/simrun/kernels.onsagerC":     true,
		"github.com/simrun/simrun/kernels.onsagerE":     true,
		// The x values of reference curves, and the pool's window sizing
		// (figure layout: figureLayout).
		"github.com/simrun/simrun/figure.grid":                  true,
		"github.com/simrun/simrun/runner.(*Pool).complete":      true,
		"github.com/simrun/simrun/runner.(*worker).adaptLocked": true,
	}
	fn := ""
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "TEXT "); ok {
			fn, _, _ = strings.Cut(rest, "(SB)")
			continue
		}
		if !strings.HasPrefix(fn, "github.com/simrun/simrun/") || allowed[fn] {
			continue
		}
		for _, op := range []string{"FMADDD", "FMSUBD", "FNMADDD", "FNMSUBD"} {
			if strings.Contains(line, op) && !figureLayout(fn, line) {
				t.Errorf("%s: fused %s: %s", fn, op, strings.TrimSpace(line))
			}
		}
	}
}

// figureLayout reports whether a fused instruction of function fn, at
// objdump line, is in figure layout: package figure, outside the data of
// Build (figure.go) and the colour map (colormap.go), whose values the
// figures show. Ticks, margins, legends and curves drawn are positions on
// a canvas, as gonum/plot's own, which it inlines there (canvas.go).
func figureLayout(fn, line string) bool {
	if !strings.HasPrefix(fn, "github.com/simrun/simrun/figure.") {
		return false
	}
	f := strings.Fields(line)
	return len(f) > 0 && !strings.HasPrefix(f[0], "figure.go:") && !strings.HasPrefix(f[0], "colormap.go:")
}
