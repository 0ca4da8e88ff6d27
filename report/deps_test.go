package report

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestNoPlotDependency checks that writing results, and reducing them
// (package stats), does not link gonum/plot: drawing is package figure's
// job, and a program that only wants Reduce or WriteCSV should not build it.
func TestNoPlotDependency(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list the dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", ".", "../stats").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list -deps: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "gonum.org/v1/plot" || strings.HasPrefix(pkg, "gonum.org/v1/plot/") {
			t.Errorf("report or stats depends on %s", pkg)
		}
	}
}
