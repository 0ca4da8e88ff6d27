package benchkit

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// GoBench holds the metrics of `go test -bench` runs: name (without the
// "Benchmark" prefix and the -GOMAXPROCS suffix) → unit → one value per
// run.
type GoBench map[string]map[string][]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.+)$`)

// RunGoBench runs the benchmarks matching pattern in pkg with the go
// command goCmd and adds their metrics to gb. The command line is
// returned for the record.
func RunGoBench(gb GoBench, goCmd, pkg, pattern, benchtime string, count int) (string, error) {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime, "-count", strconv.Itoa(count), pkg}
	cmd := exec.Command(goCmd, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	line := "go " + ShellJoin(args)
	if err != nil {
		return line, fmt.Errorf("%s: %v\n%s", line, err, Tail(string(out), 3000))
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		name := strings.TrimPrefix(m[1], "Benchmark")
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if gb[name] == nil {
				gb[name] = map[string][]float64{}
			}
			gb[name][f[i+1]] = append(gb[name][f[i+1]], v)
		}
	}
	return line, nil
}

// Get returns the median of a benchmark's metric, or NaN.
func (gb GoBench) Get(name, unit string) float64 {
	return Median(gb[name][unit])
}
