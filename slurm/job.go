package slurm

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/sim"
)

// Job is a simrun experiment to run as a Slurm job array of
// Settings.Array tasks, one shard each, and a merge job.
type Job struct {
	Name     string            // the experiment's name, for the job names: simrun-NAME and simrun-NAME-merge
	File     string            // absolute path of the experiment file
	OutDir   string            // absolute path of the output directory, which the shards and the merge write
	Exe      string            // absolute path of the simrun binary the scripts run
	Settings sim.SlurmSettings // the sbatch options; Settings.Array is the number of shards
	// PerTask is how many shards each array task runs, one after
	// another: 1 (or 0) for one each, more where the cluster allows fewer
	// tasks than there are shards (see Pack).
	PerTask int
}

// Pack sets j.PerTask to the fewest shards per task that fit
// j.Settings.Array shards into at most maxTasks array tasks.
func (j *Job) Pack(maxTasks int) {
	j.PerTask = 1
	if maxTasks > 0 && j.Settings.Array > maxTasks {
		j.PerTask = (j.Settings.Array + maxTasks - 1) / maxTasks
	}
}

func (j *Job) perTask() int { return max(1, j.PerTask) }

// Tasks is the number of tasks of the array: Settings.Array shards,
// PerTask to a task (the last may have fewer).
func (j *Job) Tasks() int { return (j.Settings.Array + j.perTask() - 1) / j.perTask() }

// TaskShards returns the first and last shard that task t runs.
func (j *Job) TaskShards(t int) (first, last int) {
	first = t * j.perTask()
	return first, min(first+j.perTask(), j.Settings.Array) - 1
}

// ShardTask returns the task that runs shard i.
func (j *Job) ShardTask(i int) int { return i / j.perTask() }

// ShardTasks returns the tasks that run shards (indices in increasing
// order), in increasing order.
func (j *Job) ShardTasks(shards []int) []int {
	var tasks []int
	for _, i := range shards {
		if t := j.ShardTask(i); len(tasks) == 0 || tasks[len(tasks)-1] != t {
			tasks = append(tasks, t)
		}
	}
	return tasks
}

// ResumeCommand is the simrun submit command that submits again the
// shards of j that are incomplete, and the merge: every setting of j as
// a flag, so that it holds whatever flags made j.
func (j *Job) ResumeCommand() string { return j.resumeCommand(false) }

// AutoResumeCommand is the ResumeCommand that the merge job runs itself
// when shards are incomplete: one automatic resubmission fewer, said
// even when none is left, lest the file's [slurm] auto_resume apply
// again.
func (j *Job) AutoResumeCommand() string {
	k := *j
	k.Settings.AutoResume--
	return k.resumeCommand(true)
}

func (j *Job) resumeCommand(auto bool) string {
	s := j.Settings
	args := []string{"submit", "--resume", "--array", strconv.Itoa(s.Array)}
	for _, f := range []struct {
		name string
		v    string
	}{
		{"throttle", intFlag(s.Throttle)}, {"cpus-per-task", intFlag(s.CPUsPerTask)},
		{"partition", s.Partition}, {"time", s.Time}, {"mem", s.Mem}, {"account", s.Account},
		{"signal-before", intFlag(s.SignalBefore)}, {"merge-time", s.MergeTime}, {"merge-mem", s.MergeMem},
		{"max-tasks", intFlag(s.MaxTasks)}, {"auto-resume", intFlag(s.AutoResume)},
	} {
		if auto && f.name == "auto-resume" {
			f.v = strconv.Itoa(s.AutoResume)
		}
		if f.v != "" {
			args = append(args, "--"+f.name, f.v)
		}
	}
	for _, a := range s.SbatchArgs {
		args = append(args, "--sbatch-arg", a)
	}
	args = append(args, "--out", j.OutDir, j.File)
	return shell.Join(j.Exe, args...)
}

func intFlag(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// Dir is the directory of the scripts and of the jobs' logs, OutDir/slurm.
func (j *Job) Dir() string { return filepath.Join(j.OutDir, "slurm") }

// ArrayPath is the path of the job array's script, OutDir/slurm/array.sbatch.
func (j *Job) ArrayPath() string { return filepath.Join(j.Dir(), "array.sbatch") }

// MergePath is the path of the merge job's script, OutDir/slurm/merge.sbatch.
func (j *Job) MergePath() string { return filepath.Join(j.Dir(), "merge.sbatch") }

// ArrayLogs is a pattern (for a shell or filepath.Glob) of the logs of
// the tasks of the array job with the given id.
func (j *Job) ArrayLogs(arrayID string) string {
	return filepath.Join(j.Dir(), "array-"+arrayID+"_*.out")
}

// MergeLog is the log of the merge job with the given id.
func (j *Job) MergeLog(mergeID string) string {
	return filepath.Join(j.Dir(), "merge-"+mergeID+".out")
}

// The #SBATCH --output patterns of the two scripts, which ArrayLogs and
// MergeLog follow: %A is the array job's id, %a the task's index, %j the
// job's id.
func (j *Job) arrayOutput() string { return filepath.Join(j.Dir(), "array-%A_%a.out") }
func (j *Job) mergeOutput() string { return filepath.Join(j.Dir(), "merge-%j.out") }

// jobNameRE is what a Name may be: a simrun experiment name, which needs
// no quoting on the #SBATCH --job-name line.
var jobNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Check reports whether the scripts can carry j. It returns an
// *InputError if a path holds a control character (no script can carry
// it), if OutDir holds a space, a quote, a backslash or % (it goes into
// #SBATCH --output lines, which have no quoting and where % starts a file
// name pattern), or if a setting breaks the rules of sim.CheckSlurm, which
// the Slurm settings of an experiment file obey. A relative path or a Name
// that is not an experiment name is the caller's bug and gives a plain
// error.
func (j *Job) Check() error {
	if !jobNameRE.MatchString(j.Name) {
		return fmt.Errorf("slurm: job name %q: want an experiment name, letters, digits and _ . - starting with a letter or digit", j.Name)
	}
	for _, p := range []struct{ what, path string }{{"experiment file", j.File}, {"output directory", j.OutDir}, {"simrun binary", j.Exe}} {
		if !filepath.IsAbs(p.path) {
			return fmt.Errorf("slurm: the %s %q is not an absolute path", p.what, p.path)
		}
		if strings.ContainsFunc(p.path, unicode.IsControl) {
			return inputErr(fmt.Errorf("slurm: %q holds a control character, which a script cannot carry; move or rename it", p.path))
		}
	}
	if i := strings.IndexFunc(j.OutDir, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"'\%`, r)
	}); i >= 0 {
		return inputErr(fmt.Errorf("slurm: the output directory %s holds %q, which an #SBATCH --output line cannot carry; choose another with --out DIR", j.OutDir, j.OutDir[i:i+1]))
	}
	return checkSettings(j.Settings)
}

// checkSettings checks s by the rules of sim.CheckSlurm, the unset (zero)
// options aside.
func checkSettings(s sim.SlurmSettings) error {
	type setting struct {
		key string
		v   any
		set bool
	}
	for _, c := range []setting{
		{"array", int64(s.Array), true},
		{"throttle", int64(s.Throttle), true},
		{"cpus_per_task", int64(s.CPUsPerTask), s.CPUsPerTask != 0},
		{"partition", s.Partition, s.Partition != ""},
		{"time", s.Time, s.Time != ""},
		{"mem", s.Mem, s.Mem != ""},
		{"account", s.Account, s.Account != ""},
		{"max_tasks", int64(s.MaxTasks), s.MaxTasks != 0},
		{"auto_resume", int64(s.AutoResume), true},
	} {
		if !c.set {
			continue
		}
		if msg := sim.CheckSlurm(c.key, c.v); msg != "" {
			val := fmt.Sprint(c.v)
			if _, isString := c.v.(string); isString {
				val = strconv.Quote(val)
			}
			return inputErr(fmt.Errorf("slurm: %s %s: %s", c.key, val, msg))
		}
	}
	for _, a := range s.SbatchArgs {
		if msg := sim.CheckSlurm("sbatch_args", a); msg != "" {
			return inputErr(fmt.Errorf("slurm: sbatch argument %q: %s", a, msg))
		}
	}
	return nil
}

// checkShards reports whether shards are indices of j's array in
// increasing order, as Submit and DryRun want them.
func (j *Job) checkShards(shards []int) error {
	for k, i := range shards {
		if i < 0 || i >= j.Settings.Array || k > 0 && i <= shards[k-1] {
			return fmt.Errorf("slurm: shards %v: want increasing indices in [0, %d)", shards, j.Settings.Array)
		}
	}
	return nil
}

// allShards returns 0, 1, ..., n-1.
func allShards(n int) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

// ArraySpec formats array indices, in increasing order, for sbatch
// --array: runs of consecutive indices as ranges ("0-3,7,9-10"), and a
// positive throttle, the most tasks running at once, as "%K" after them.
func ArraySpec(idx []int, throttle int) string {
	var b strings.Builder
	for k := 0; k < len(idx); {
		end := k
		for end+1 < len(idx) && idx[end+1] == idx[end]+1 {
			end++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if end > k {
			fmt.Fprintf(&b, "%d-%d", idx[k], idx[end])
		} else {
			fmt.Fprintf(&b, "%d", idx[k])
		}
		k = end + 1
	}
	if throttle > 0 {
		fmt.Fprintf(&b, "%%%d", throttle)
	}
	return b.String()
}

// ShardList describes shards, indices in increasing order of an array of
// n, for the user: "shards 0 to 3 of 4" for all of them, "shards 1, 3-5
// of 8" or "shard 2 of 4" for some.
func ShardList(shards []int, n int) string {
	if len(shards) == n && n > 1 {
		return fmt.Sprintf("shards 0 to %d of %d", n-1, n)
	}
	word := "shards"
	if len(shards) == 1 {
		word = "shard"
	}
	return fmt.Sprintf("%s %s of %d", word, strings.ReplaceAll(ArraySpec(shards, 0), ",", ", "), n)
}

// DefaultSignalBefore is how many seconds before its time limit a task is
// told to stop when neither [slurm] signal_before nor the flag says: five
// minutes, time enough for most chunks to finish and be journaled, but at
// most a tenth of a time limit that is known, so that a short job still
// does its work, and at least half a minute (Slurm may signal up to a
// minute early).
const DefaultSignalBefore = 300

// SignalBefore is the number of seconds before its time limit that an
// array task gets SIGTERM (#SBATCH --signal=B:TERM@S): Settings.SignalBefore,
// or DefaultSignalBefore bounded by the time limit.
func (j *Job) SignalBefore() int {
	if s := j.Settings.SignalBefore; s > 0 {
		return s
	}
	s := DefaultSignalBefore
	if limit, ok := timeLimitSeconds(j.Settings.Time); ok {
		s = min(s, max(30, limit/10))
	}
	return s
}

// Grace is what an array task's simrun run is given as --grace, in
// seconds: the time between the signal and the limit, less a margin for
// writing the shard's journal and exiting.
func (j *Job) Grace() int { return max(5, j.SignalBefore()-15) }

// timeLimitSeconds reads a Slurm time limit ("MM", "MM:SS", "HH:MM:SS",
// "D-HH", "D-HH:MM", "D-HH:MM:SS"); ok is false for none or unlimited.
func timeLimitSeconds(t string) (int, bool) {
	if t == "" {
		return 0, false
	}
	days := 0
	if d, rest, ok := strings.Cut(t, "-"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			return 0, false
		}
		days, t = n, rest
		// D-HH, D-HH:MM, D-HH:MM:SS: hours first.
		f := strings.Split(t, ":")
		mult := []int{3600, 60, 1}
		sec := days * 86400
		for i, x := range f {
			n, err := strconv.Atoi(x)
			if err != nil || i >= len(mult) {
				return 0, false
			}
			sec += n * mult[i]
		}
		return sec, true
	}
	f := strings.Split(t, ":")
	var mult []int
	switch len(f) {
	case 1:
		mult = []int{60} // MM
	case 2:
		mult = []int{60, 1} // MM:SS
	case 3:
		mult = []int{3600, 60, 1} // HH:MM:SS
	default:
		return 0, false
	}
	sec := 0
	for i, x := range f {
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, false
		}
		sec += n * mult[i]
	}
	return sec, true
}

// defaultMergeTime bounds the merge job's time when neither merge_time nor
// the flag sets it: merging reads the shards' journals once.
const defaultMergeTime = 3600

// MergeSettings are the sbatch settings of the merge job: the array's
// partition, account and further options, but its own time and memory
// (Settings.MergeTime and MergeMem), one CPU and not the tasks'. Without a
// merge time, it is the array's time limit capped at an hour (none, if the
// array has none: the partition's default then applies); without a merge
// memory, Slurm's default.
func (j *Job) MergeSettings() sim.SlurmSettings {
	s := j.Settings
	s.Time, s.Mem = s.MergeTime, s.MergeMem
	if s.Time == "" {
		if limit, ok := timeLimitSeconds(j.Settings.Time); ok && limit < defaultMergeTime {
			s.Time = j.Settings.Time
		} else if ok {
			s.Time = "1:00:00"
		}
	}
	return s
}
