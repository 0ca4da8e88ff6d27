package benchkit

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// Machine returns the "what: value" lines that describe the machine: the
// CPU and how many logical CPUs Go sees, the memory, the OS and the Go
// toolchain.
func Machine() []string {
	var info []string
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	info = append(info, fmt.Sprintf("CPU: %s, %d logical CPUs (runtime.NumCPU)", cpu, runtime.NumCPU()))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			info = append(info, fmt.Sprintf("memory: %.1f GiB", kb/(1<<20)))
		}
	}
	info = append(info, "OS: "+Output("uname", "-srm"))
	info = append(info, "Go: "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return info
}

// Revision returns the short revision of the working tree's HEAD, with
// " with uncommitted changes" when tracked files differ from it.
func Revision() string {
	rev := Output("git", "rev-parse", "--short", "HEAD")
	if Output("git", "status", "--porcelain", "--untracked-files=no") != "" {
		rev += " with uncommitted changes"
	}
	return rev
}

// LoadAvg returns the 1-, 5- and 15-minute load averages of /proc/loadavg,
// "0.12 0.34 0.56", or "?".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// WarnIfBusy logs a warning when the 1-minute figure of load (as LoadAvg
// returns it) is above 0.5: other work on the machine will show in the
// figures.
func WarnIfBusy(load string) {
	if l1, _ := strconv.ParseFloat(strings.Fields(load + " 0")[0], 64); l1 > 0.5 {
		log.Printf("warning: 1-minute load average %s: other work on the machine will show in the figures", load)
	}
}

// Output runs a command and returns its trimmed standard output, or ""
// when it fails.
func Output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
