package slurm

import (
	"errors"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

func TestArraySpec(t *testing.T) {
	for _, test := range []struct {
		name     string
		idx      []int
		throttle int
		want     string
	}{
		{"one index", []int{0}, 0, "0"},
		{"a run, throttled", []int{0, 1, 2, 3}, 2, "0-3%2"},
		{"apart", []int{1, 3}, 0, "1,3"},
		{"runs and singles", []int{0, 1, 2, 5, 7, 8}, 4, "0-2,5,7-8%4"},
		{"none", nil, 0, ""},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := ArraySpec(test.idx, test.throttle); got != test.want {
				t.Errorf("ArraySpec(%v, %d) = %q, want %q", test.idx, test.throttle, got, test.want)
			}
		})
	}
}

func TestShardList(t *testing.T) {
	for _, test := range []struct {
		name   string
		shards []int
		n      int
		want   string
	}{
		{"all", []int{0, 1, 2}, 3, "shards 0 to 2 of 3"},
		{"all of one", []int{0}, 1, "shard 0 of 1"},
		{"one", []int{2}, 4, "shard 2 of 4"},
		{"some", []int{1, 3, 4, 5}, 8, "shards 1, 3-5 of 8"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := ShardList(test.shards, test.n); got != test.want {
				t.Errorf("ShardList(%v, %d) = %q, want %q", test.shards, test.n, got, test.want)
			}
		})
	}
}

func TestLogPaths(t *testing.T) {
	j := testJob()
	if got, want := j.ArrayLogs("1001"), testTmp+"/out/slurm/array-1001_*.out"; got != want {
		t.Errorf("ArrayLogs = %q, want %q", got, want)
	}
	if got, want := j.MergeLog("1002"), testTmp+"/out/slurm/merge-1002.out"; got != want {
		t.Errorf("MergeLog = %q, want %q", got, want)
	}
}

func TestCheck(t *testing.T) {
	if err := testJob().Check(); err != nil {
		t.Errorf("testJob: %v", err)
	}
	if err := quotedJob().Check(); err != nil {
		t.Errorf("quotedJob: %v", err)
	}
}

// TestCheckRefuses: what the user must fix is an *InputError that says
// how; a caller's bug is a plain error.
func TestCheckRefuses(t *testing.T) {
	for _, test := range []struct {
		name  string
		edit  func(*Job)
		input bool // want an *InputError
		want  string
	}{
		{"space in output dir", func(j *Job) { j.OutDir = "/tmp/my results" }, true,
			`the output directory /tmp/my results holds " ", which an #SBATCH --output line cannot carry; choose another with --out DIR`},
		{"percent in output dir", func(j *Job) { j.OutDir = "/tmp/100%" }, true, `holds "%"`},
		{"quote in output dir", func(j *Job) { j.OutDir = "/tmp/o'neil" }, true, `holds "'"`},
		{"backslash in output dir", func(j *Job) { j.OutDir = `/tmp/a\b` }, true, `holds "\\"`},
		{"line break in file", func(j *Job) { j.File = "/tmp/a\nb.toml" }, true,
			`"/tmp/a\nb.toml" holds a control character, which a script cannot carry; move or rename it`},
		{"tab in binary", func(j *Job) { j.Exe = "/bin/sim\trun" }, true, "holds a control character"},
		{"no array", func(j *Job) { j.Settings.Array = 0 }, true, "array 0: want an integer in [1, 4000001]"},
		{"negative throttle", func(j *Job) { j.Settings.Throttle = -1 }, true, "throttle -1: want an integer ≥ 0"},
		{"bad time", func(j *Job) { j.Settings.Time = "2h" }, true, `time "2h": want a Slurm time limit`},
		{"space in partition", func(j *Job) { j.Settings.Partition = "a b" }, true, `partition "a b": want a partition name`},
		{"sbatch arg with its own setting", func(j *Job) { j.Settings.SbatchArgs = []string{"--array=1-3"} }, true,
			`sbatch argument "--array=1-3": --array has its own key`},
		{"relative file", func(j *Job) { j.File = "walk.toml" }, false, `the experiment file "walk.toml" is not an absolute path`},
		{"relative output dir", func(j *Job) { j.OutDir = "" }, false, `the output directory "" is not an absolute path`},
		{"bad name", func(j *Job) { j.Name = "my walk" }, false, `job name "my walk": want an experiment name`},
	} {
		t.Run(test.name, func(t *testing.T) {
			j := testJob()
			test.edit(j)
			err := j.Check()
			if err == nil {
				t.Fatal("no error")
			}
			var ie *InputError
			if errors.As(err, &ie) != test.input || !strings.HasPrefix(err.Error(), "slurm: ") || !strings.Contains(err.Error(), test.want) {
				t.Errorf("Check() = %v (%T)\nwant an error starting slurm: with %q, an *InputError: %v", err, err, test.want, test.input)
			}
			// Whatever Check refuses, the scripts refuse too.
			if _, err := j.ArrayScript(); err == nil {
				t.Error("ArrayScript: no error")
			}
			if _, err := j.MergeScript(); err == nil {
				t.Error("MergeScript: no error")
			}
		})
	}
}

func TestSignalBefore(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     sim.SlurmSettings
		want  int
		grace int
	}{
		{"no limit known", sim.SlurmSettings{}, 300, 285},
		{"two hours", sim.SlurmSettings{Time: "2:00:00"}, 300, 285},
		{"twenty minutes: a tenth", sim.SlurmSettings{Time: "20"}, 120, 105},
		{"five minutes: at least 30 s", sim.SlurmSettings{Time: "5"}, 30, 15},
		{"minutes and seconds", sim.SlurmSettings{Time: "40:00"}, 240, 225},
		{"days", sim.SlurmSettings{Time: "1-12"}, 300, 285},
		{"unlimited", sim.SlurmSettings{Time: "UNLIMITED"}, 300, 285},
		{"set", sim.SlurmSettings{Time: "5", SignalBefore: 10}, 10, 5},
	} {
		j := &Job{Settings: tc.s}
		if got, grace := j.SignalBefore(), j.Grace(); got != tc.want || grace != tc.grace {
			t.Errorf("%s: SignalBefore %d, Grace %d; want %d, %d", tc.name, got, grace, tc.want, tc.grace)
		}
	}
}

func TestTimeLimitSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"90", 5400, true}, {"1:30", 90, true}, {"2:00:00", 7200, true},
		{"1-0", 86400, true}, {"1-2:30", 95400, true}, {"0-0:0:5", 5, true},
		{"", 0, false}, {"infinite", 0, false}, {"1:2:3:4", 0, false},
	} {
		if got, ok := timeLimitSeconds(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("timeLimitSeconds(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMergeSettings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         sim.SlurmSettings
		time, mem string
	}{
		{"nothing set", sim.SlurmSettings{Mem: "64G"}, "", ""},
		{"long tasks: an hour", sim.SlurmSettings{Time: "2-00:00:00", Mem: "64G"}, "1:00:00", ""},
		{"short tasks: theirs", sim.SlurmSettings{Time: "20"}, "20", ""},
		{"set", sim.SlurmSettings{Time: "2:00:00", MergeTime: "10:00", MergeMem: "2G"}, "10:00", "2G"},
	} {
		j := &Job{Settings: tc.s}
		got := j.MergeSettings()
		if got.Time != tc.time || got.Mem != tc.mem || got.CPUsPerTask != tc.s.CPUsPerTask {
			t.Errorf("%s: merge time %q, mem %q; want %q, %q", tc.name, got.Time, got.Mem, tc.time, tc.mem)
		}
	}
}

// TestAutoResumeCommand: the merge job's own resubmission lowers the
// count, and says 0 rather than leave it to the file's auto_resume.
func TestAutoResumeCommand(t *testing.T) {
	j := testJob()
	j.Settings.AutoResume = 1
	if got := j.AutoResumeCommand(); !strings.Contains(got, " --auto-resume 0 ") {
		t.Errorf("AutoResumeCommand = %s, want --auto-resume 0", got)
	}
	if got := j.ResumeCommand(); !strings.Contains(got, " --auto-resume 1 ") {
		t.Errorf("ResumeCommand = %s, want --auto-resume 1", got)
	}
	j.Settings.MaxTasks = 7
	if got := j.ResumeCommand(); !strings.Contains(got, " --max-tasks 7 ") {
		t.Errorf("ResumeCommand = %s, want --max-tasks 7", got)
	}
}
