package sim

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// slurmKeys are the keys of the [slurm] table.
var slurmKeys = []string{"array", "throttle", "partition", "time", "mem", "cpus_per_task", "account", "signal_before", "merge_time", "merge_mem", "max_tasks", "auto_resume", "sbatch_args"}

// slurmSettings sets e.Slurm from the [slurm] table m (nil when absent or
// not a table).
func (l *loader) slurmSettings(e *Experiment, m map[string]any) {
	s := &e.Slurm
	for _, k := range l.keys(m, "slurm") {
		v := m[k]
		key := []string{"slurm", k}
		switch k {
		case "array", "throttle", "cpus_per_task", "signal_before", "max_tasks", "auto_resume":
			n, ok := asInt(v)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			if msg := CheckSlurm(k, n); msg != "" {
				l.errorf(key, "is %s, %s", describe(v), msg)
				continue
			}
			switch k {
			case "array":
				s.Array = int(n)
			case "throttle":
				s.Throttle = int(n)
			case "cpus_per_task":
				s.CPUsPerTask = int(n)
			case "signal_before":
				s.SignalBefore = int(n)
			case "max_tasks":
				s.MaxTasks = int(n)
			case "auto_resume":
				s.AutoResume = int(n)
			}
		case "partition", "time", "mem", "account", "merge_time", "merge_mem":
			str, ok := v.(string)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			if msg := CheckSlurm(k, str); msg != "" {
				l.errorf(key, "is %s, %s", describe(v), msg)
				continue
			}
			switch k {
			case "partition":
				s.Partition = str
			case "time":
				s.Time = str
			case "mem":
				s.Mem = str
			case "account":
				s.Account = str
			case "merge_time":
				s.MergeTime = str
			case "merge_mem":
				s.MergeMem = str
			}
		case "sbatch_args":
			list, ok := v.([]any)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			args := make([]string, 0, len(list))
			bad := false
			for i, a := range list {
				str, ok := a.(string)
				msg := slurmWant(k)
				if ok {
					msg = CheckSlurm(k, str)
				}
				if msg != "" {
					l.errorf(key, "index %d: is %s, %s", i, describe(a), msg)
					bad = true
					continue
				}
				args = append(args, str)
			}
			if !bad {
				s.SbatchArgs = args
			}
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, slurmKeys), topHint(k))
		}
	}
}

// slurmWant says what a valid value of a [slurm] key is.
func slurmWant(key string) string {
	switch key {
	case "array":
		return fmt.Sprintf("want an integer in [1, %d], the number of shards (one array task each, or several to a task beyond the cluster's limits), such as array = 16", MaxSlurmArray)
	case "throttle":
		return "want an integer ≥ 0, the most array tasks running at once (0 for no limit), such as throttle = 4"
	case "cpus_per_task":
		return "want an integer in [1, 65536], the CPUs (and workers) of each array task, such as cpus_per_task = 4"
	case "signal_before":
		return "want an integer in [1, 65535], the seconds before its time limit that a task is told to stop (SIGTERM), finish its running chunks and journal them, such as signal_before = 300"
	case "max_tasks":
		return fmt.Sprintf("want an integer in [1, %d], the most array tasks at once in the queue (your QOS's MaxSubmitJobs, say); more shards than that are packed several to a task, such as max_tasks = 500", MaxSlurmArray)
	case "auto_resume":
		return "want an integer in [0, 100], how many times the merge job may run incomplete shards again itself, such as auto_resume = 2"
	case "partition":
		return `want a partition name without spaces or quotes, such as partition = "short"`
	case "account":
		return `want an account name without spaces or quotes, such as account = "project42"`
	case "time":
		return `want a Slurm time limit as a string: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS", such as time = "2:00:00"`
	case "mem":
		return `want memory per node as a string: an integer with an optional unit K, M (the default), G or T, such as mem = "4G"`
	case "merge_time":
		return `want the merge job's Slurm time limit as a string: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS", such as merge_time = "1:00:00"`
	case "merge_mem":
		return `want the merge job's memory as a string: an integer with an optional unit K, M (the default), G or T, such as merge_mem = "2G"`
	case "sbatch_args":
		return `want a list of sbatch options, one string each, written --name=value, such as sbatch_args = ["--qos=long"]`
	}
	return "unknown key"
}

// MaxSlurmArray is the largest number of array tasks Slurm can be
// configured to allow (MaxArraySize is at most 4000001).
const MaxSlurmArray = 4000001

var (
	slurmTimeRE = regexp.MustCompile(`^([0-9]+(:[0-9]+){0,2}|[0-9]+-[0-9]+(:[0-9]+){0,2}|(?i:unlimited|infinite))$`)
	slurmMemRE  = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)
)

// sbatchOwnOptions are the sbatch options that sbatch_args must not hold,
// by long and short name: those with their own [slurm] key, mapped to it,
// and those the generated job script sets, mapped to "".
var sbatchOwnOptions = map[string]string{
	"--array":         "array",
	"-a":              "array",
	"--partition":     "partition",
	"-p":              "partition",
	"--time":          "time",
	"-t":              "time",
	"--mem":           "mem",
	"--cpus-per-task": "cpus_per_task",
	"-c":              "cpus_per_task",
	"--account":       "account",
	"-A":              "account",
	"--job-name":      "",
	"-J":              "",
	"--output":        "",
	"-o":              "",
	"--signal":        "signal_before",
	"--requeue":       "",
	"--no-requeue":    "",
	"--open-mode":     "",
}

// CheckSlurm checks the value of one [slurm] key: an int64 for array,
// throttle, cpus_per_task, signal_before, max_tasks and auto_resume, a string for partition, time, mem and
// account, and one of its strings for sbatch_args. It returns "" if the
// value is valid, and otherwise what would be ("want ...") or, for an
// sbatch option that has no place in sbatch_args, where it goes instead.
//
// The message is phrased for the experiment file: it names [slurm] keys
// and gives examples written as in the file (such as array = 16). A caller
// that checks a value from elsewhere with the same rules, such as a
// command-line flag, adds its own context: which flag, which value.
func CheckSlurm(key string, v any) string {
	switch v := v.(type) {
	case int64:
		switch key {
		case "array":
			if v >= 1 && v <= MaxSlurmArray {
				return ""
			}
		case "throttle":
			if v >= 0 && v <= MaxSlurmArray {
				return ""
			}
		case "cpus_per_task":
			if v >= 1 && v <= 65536 {
				return ""
			}
		case "signal_before":
			if v >= 1 && v <= 65535 {
				return ""
			}
		case "max_tasks":
			if v >= 1 && v <= MaxSlurmArray {
				return ""
			}
		case "auto_resume":
			if v >= 0 && v <= 100 {
				return ""
			}
		}
	case string:
		switch key {
		case "partition", "account":
			if v != "" && !strings.ContainsFunc(v, unsafeInScript) {
				return ""
			}
		case "time", "merge_time":
			if slurmTimeRE.MatchString(v) {
				return ""
			}
		case "mem", "merge_mem":
			if slurmMemRE.MatchString(v) {
				return ""
			}
		case "sbatch_args":
			switch {
			case !strings.HasPrefix(v, "-") || v == "-" || v == "--":
				return `want an sbatch option starting with "-", with its value in the same string: --name=value, such as "--qos=long"`
			case strings.ContainsFunc(v, unsafeInScript):
				return `want an sbatch option without spaces, quotes or backslashes (each becomes an #SBATCH line), such as "--qos=long"`
			}
			name, value, _ := strings.Cut(v, "=")
			if !strings.HasPrefix(name, "--") {
				name = name[:2]
			} else if full := ownedByPrefix(name); full != "" && full != name {
				// sbatch's getopt takes any unambiguous prefix of a long
				// option: --arr is --array.
				if own := sbatchOwnOptions[full]; own != "" {
					return fmt.Sprintf("%s is %s, which has its own key: set %s in [slurm] instead", name, full, own)
				}
				return fmt.Sprintf("%s is %s, which the generated job script sets; leave it out", name, full)
			}
			switch {
			case name == "--wrap":
				return "--wrap replaces the job script with a command; leave it out (simrun writes the script)"
			case name == "--export" && exportsStartupCode(value):
				return "--export may not set BASH_ENV or ENV, which run code in the job's shell before simrun's script; leave them out"
			}
			if own, ok := sbatchOwnOptions[name]; ok {
				if own == "" {
					return fmt.Sprintf("%s is set by the generated job script; leave it out", name)
				}
				return fmt.Sprintf("%s has its own key: set %s in [slurm] instead", name, own)
			}
			return ""
		}
	}
	return slurmWant(key)
}

// ownedByPrefix returns the long option of sbatchOwnOptions (or --wrap)
// that name, a long option as given, abbreviates or is, or "". A name of
// "--" and one letter abbreviates too many options to be taken for one.
func ownedByPrefix(name string) string {
	if len(name) < 4 {
		return ""
	}
	for full := range sbatchOwnOptions {
		if strings.HasPrefix(full, "--") && strings.HasPrefix(full, name) {
			return full
		}
	}
	if strings.HasPrefix("--wrap", name) {
		return "--wrap"
	}
	return ""
}

// exportsStartupCode reports whether an --export value sets BASH_ENV or
// ENV, which a shell runs as code when it starts.
func exportsStartupCode(value string) bool {
	for _, kv := range strings.Split(value, ",") {
		k, _, _ := strings.Cut(kv, "=")
		if k == "BASH_ENV" || k == "ENV" {
			return true
		}
	}
	return false
}

// unsafeInScript reports the characters a value written into an #SBATCH
// line cannot hold.
func unsafeInScript(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\'' || r == '\\'
}
