package sim

import (
	"reflect"
	"strings"
	"testing"
)

func TestSlurmSettings(t *testing.T) {
	src := header + `[params]
T = 1
[slurm]
array = 16
throttle = 4
partition = "short"
time = "1-02:00:00"
mem = "4G"
cpus_per_task = 8
account = "proj42"
signal_before = 120
merge_time = "20:00"
merge_mem = "2G"
max_tasks = 500
auto_resume = 2
sbatch_args = ["--qos=long", "--constraint=haswell"]
`
	e, err := Parse("slurm.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	want := SlurmSettings{
		Array: 16, Throttle: 4, Partition: "short", Time: "1-02:00:00", Mem: "4G",
		CPUsPerTask: 8, Account: "proj42", SignalBefore: 120, MergeTime: "20:00", MergeMem: "2G", MaxTasks: 500, AutoResume: 2, SbatchArgs: []string{"--qos=long", "--constraint=haswell"},
	}
	if !reflect.DeepEqual(e.Slurm, want) {
		t.Errorf("Slurm = %+v, want %+v", e.Slurm, want)
	}

	e, err = Parse("slurm.toml", []byte(header+"[params]\nT = 1\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(e.Slurm, SlurmSettings{}) {
		t.Errorf("Slurm = %+v without a [slurm] table, want the zero value", e.Slurm)
	}
}

func TestSlurmTimes(t *testing.T) {
	for _, s := range []string{"30", "30:00", "2:00:00", "1-0", "1-12:00", "1-12:00:00", "UNLIMITED", "infinite"} {
		if msg := CheckSlurm("time", s); msg != "" {
			t.Errorf("time %q: %s", s, msg)
		}
	}
	for _, s := range []string{"", "2h", "1:2:3:4", "-1", "1-", "1-2-3", "1 day"} {
		if CheckSlurm("time", s) == "" {
			t.Errorf("time %q accepted", s)
		}
	}
}

func TestSlurmInvalid(t *testing.T) {
	base := header + "[params]\nT = 1\n[slurm]\n" // [slurm] is line 8
	for _, test := range []struct {
		name string
		src  string
		line int
		key  string
		hint string
	}{
		{"not a table", "slurm = 3\n" + header + "[params]\nT = 1\n", 1, "slurm", "want a table: a [slurm] header followed by array, throttle"},
		{"unknown key", base + "arrays = 4\n", 9, "slurm.arrays", `did you mean "array"? valid: array, throttle, partition, time, mem, cpus_per_task, account, signal_before, merge_time, merge_mem, max_tasks, auto_resume, sbatch_args`},
		{"merge_time a duration", base + "merge_time = \"1h\"\n", 9, "slurm.merge_time", "want the merge job's Slurm time limit"},
		{"merge_mem a number", base + "merge_mem = 2\n", 9, "slurm.merge_mem", "want the merge job's memory as a string"},
		{"unknown key cpus", base + "cpus = 4\n", 9, "slurm.cpus", "valid: array"},
		{"array zero", base + "array = 0\n", 9, "slurm.array", "is the integer 0, want an integer in [1, 4000001]"},
		{"array a string", base + "array = \"16\"\n", 9, "slurm.array", `is the string "16", want an integer in [1, 4000001], the number of shards`},
		{"array fractional", base + "array = 2.5\n", 9, "slurm.array", "is the float 2.5, want an integer"},
		{"throttle negative", base + "throttle = -1\n", 9, "slurm.throttle", "want an integer ≥ 0"},
		{"cpus zero", base + "cpus_per_task = 0\n", 9, "slurm.cpus_per_task", "want an integer in [1, 65536]"},
		{"max_tasks zero", base + "max_tasks = 0\n", 9, "slurm.max_tasks", "want an integer in [1, 4000001], the most array tasks"},
		{"auto_resume too many", base + "auto_resume = 101\n", 9, "slurm.auto_resume", "want an integer in [0, 100], how many times the merge job"},
		{"signal too late", base + "signal_before = 70000\n", 9, "slurm.signal_before", "want an integer in [1, 65535], the seconds before its time limit"},
		{"sbatch_args signal", base + "sbatch_args = [\"--signal=B:USR1@60\"]\n", 9, "slurm.sbatch_args", "--signal has its own key: set signal_before in [slurm] instead"},
		{"sbatch_args requeue", base + "sbatch_args = [\"--no-requeue\"]\n", 9, "slurm.sbatch_args", "--no-requeue is set by the generated job script"},
		{"sbatch_args array prefix", base + "sbatch_args = [\"--arr=0-999\"]\n", 9, "slurm.sbatch_args", "--arr is --array, which has its own key: set array in [slurm] instead"},
		{"sbatch_args job-name prefix", base + "sbatch_args = [\"--job=x\"]\n", 9, "slurm.sbatch_args", "--job is --job-name, which the generated job script sets"},
		{"sbatch_args output prefix", base + "sbatch_args = [\"--outp=/tmp/x\"]\n", 9, "slurm.sbatch_args", "--outp is --output, which the generated job script sets"},
		{"sbatch_args wrap", base + "sbatch_args = [\"--wrap=hostname\"]\n", 9, "slurm.sbatch_args", "--wrap replaces the job script"},
		{"sbatch_args wrap prefix", base + "sbatch_args = [\"--wra=hostname\"]\n", 9, "slurm.sbatch_args", "--wra is --wrap"},
		{"sbatch_args BASH_ENV", base + "sbatch_args = [\"--export=ALL,BASH_ENV=/tmp/x.sh\"]\n", 9, "slurm.sbatch_args", "--export may not set BASH_ENV or ENV"},
		{"partition empty", base + "partition = \"\"\n", 9, "slurm.partition", "want a partition name"},
		{"partition with space", base + "partition = \"a b\"\n", 9, "slurm.partition", "without spaces or quotes"},
		{"account a number", base + "account = 42\n", 9, "slurm.account", `is the integer 42, want an account name without spaces or quotes, such as account = "project42"`},
		{"time a Go duration", base + "time = \"2h\"\n", 9, "slurm.time", `is the string "2h", want a Slurm time limit`},
		{"time an integer", base + "time = 60\n", 9, "slurm.time", `such as time = "2:00:00"`},
		{"mem bad unit", base + "mem = \"4GB\"\n", 9, "slurm.mem", `is the string "4GB", want memory per node as a string`},
		{"sbatch_args a string", base + "sbatch_args = \"--qos=long\"\n", 9, "slurm.sbatch_args", `want a list of sbatch options`},
		{"sbatch_args not an option", base + "sbatch_args = [\"--qos=long\", \"long\"]\n", 9, "slurm.sbatch_args", `index 1: is the string "long", want an sbatch option starting with "-"`},
		{"sbatch_args with space", base + "sbatch_args = [\"--comment=a b\"]\n", 9, "slurm.sbatch_args", "index 0: is the string \"--comment=a b\", want an sbatch option without spaces"},
		{"sbatch_args own key", base + "sbatch_args = [\"--partition=long\"]\n", 9, "slurm.sbatch_args", "--partition has its own key: set partition in [slurm] instead"},
		{"sbatch_args short own key", base + "sbatch_args = [\"-c4\"]\n", 9, "slurm.sbatch_args", "-c has its own key: set cpus_per_task in [slurm] instead"},
		{"sbatch_args set by the job script", base + "sbatch_args = [\"--output=x.out\"]\n", 9, "slurm.sbatch_args", "--output is set by the generated job script; leave it out"},
		{"sbatch_args short, set by the job script", base + "sbatch_args = [\"-Jname\"]\n", 9, "slurm.sbatch_args", "-J is set by the generated job script; leave it out"},
		{"sbatch_args not a string", base + "sbatch_args = [3]\n", 9, "slurm.sbatch_args", "index 0: is the integer 3, want a list of sbatch options"},
		{"top-level key after [slurm]", base + "seed = 2\n", 9, "slurm.seed", "seed is a top-level key"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if findError(t, err, test.line, test.key, test.hint) == nil {
				t.Errorf("no error at line %d, key %s, containing %q; got:\n%v", test.line, test.key, test.hint, err)
			}
		})
	}
}

// TestCheckSlurmSpeaksForTheFile checks that CheckSlurm's messages are in
// the experiment file's terms: the command that also checks its flags
// with it adds its own context, so they must not name it or its flags.
func TestCheckSlurmSpeaksForTheFile(t *testing.T) {
	var msgs []string
	for _, k := range slurmKeys {
		msgs = append(msgs, CheckSlurm(k, nil))
	}
	for opt := range sbatchOwnOptions {
		msgs = append(msgs, CheckSlurm("sbatch_args", opt+"=x"))
	}
	for _, msg := range msgs {
		if msg == "" {
			t.Errorf("CheckSlurm accepted a value it must reject")
		}
		for _, bad := range []string{"simrun", "submit", "flag", "--sbatch-arg"} {
			if strings.Contains(msg, bad) {
				t.Errorf("message %q names %q, not part of the experiment file", msg, bad)
			}
		}
	}
}
