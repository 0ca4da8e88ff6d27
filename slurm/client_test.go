package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/shell"
)

// TestMain lets the test binary play sbatch and scontrol: started with
// SLURM_TEST_FAKE=1, it prints SLURM_TEST_STDOUT and SLURM_TEST_STDERR
// and exits with the code SLURM_TEST_EXIT.
func TestMain(m *testing.M) {
	if os.Getenv("SLURM_TEST_FAKE") == "1" {
		fmt.Fprint(os.Stdout, os.Getenv("SLURM_TEST_STDOUT"))
		fmt.Fprint(os.Stderr, os.Getenv("SLURM_TEST_STDERR"))
		code, _ := strconv.Atoi(os.Getenv("SLURM_TEST_EXIT"))
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// reply is what one run of a fake Slurm program prints, and its exit code.
type reply struct {
	stdout, stderr string
	exit           int
}

// fakeSlurm is a Client whose programs answer the calls in turn with
// replies, and fail beyond them; calls records each call's command line,
// as shell.Join quotes it.
type fakeSlurm struct {
	replies []reply
	calls   []string
}

func (f *fakeSlurm) client() *Client {
	return &Client{Command: func(ctx context.Context, name string, args ...string) *exec.Cmd {
		f.calls = append(f.calls, shell.Join(name, args...))
		r := reply{stderr: "fake: unexpected call " + shell.Join(name, args...), exit: 99}
		if len(f.calls) <= len(f.replies) {
			r = f.replies[len(f.calls)-1]
		}
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), "SLURM_TEST_FAKE=1",
			"SLURM_TEST_STDOUT="+r.stdout, "SLURM_TEST_STDERR="+r.stderr, "SLURM_TEST_EXIT="+strconv.Itoa(r.exit))
		return cmd
	}}
}

// missing is a Client whose programs are not on PATH.
var missing = &Client{Command: func(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "simrun-test-no-such-"+name, args...)
}}

func TestSbatch(t *testing.T) {
	for _, test := range []struct {
		name  string
		reply reply
		want  string // the job id, or what the error holds
		ok    bool
	}{
		{"id and cluster", reply{stdout: "123;cluster\n"}, "123", true},
		{"id", reply{stdout: "4567\n"}, "4567", true},
		{"spaces, a warning after", reply{stdout: "  89 \nsbatch: warning: something\n"}, "89", true},
		{"not parsable", reply{stdout: "Submitted batch job 5\n"},
			`slurm: sbatch --parsable '--qos=long' /o/array.sbatch printed "Submitted batch job 5", not a job id`, false},
		{"nothing printed", reply{}, "printed \"\", not a job id", false},
		{"fails", reply{stderr: "sbatch: error: invalid partition specified: short\n", exit: 1},
			"slurm: sbatch --parsable '--qos=long' /o/array.sbatch: exit status 1: sbatch: error: invalid partition specified: short", false},
		{"fails, saying so on stdout", reply{stdout: "no\n", exit: 2}, "exit status 2: no", false},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := &fakeSlurm{replies: []reply{test.reply}}
			id, err := f.client().Sbatch(context.Background(), "--qos=long", "/o/array.sbatch")
			if want := []string{"sbatch --parsable '--qos=long' /o/array.sbatch"}; strings.Join(f.calls, "\n") != strings.Join(want, "\n") {
				t.Errorf("calls %q, want %q", f.calls, want)
			}
			if test.ok {
				if err != nil || id != test.want {
					t.Errorf("Sbatch = %q, %v; want %q", id, err, test.want)
				}
				return
			}
			var ie *InputError
			if err == nil || id != "" || !strings.Contains(err.Error(), test.want) || errors.As(err, &ie) {
				t.Errorf("Sbatch = %q, %v; want a plain error with %q", id, err, test.want)
			}
		})
	}
}

func TestNoSbatch(t *testing.T) {
	ctx := context.Background()
	check := func(what string, err error) {
		t.Helper()
		var ie *InputError
		if !errors.Is(err, ErrNoSbatch) || !errors.As(err, &ie) || !strings.Contains(err.Error(), "--dry-run") {
			t.Errorf("%s = %v; want an *InputError matching ErrNoSbatch that points to --dry-run", what, err)
		}
	}
	check("CheckSbatch", missing.CheckSbatch(ctx))
	_, err := missing.Sbatch(ctx, "/o/array.sbatch")
	check("Sbatch", err)
	_, _, err = missing.Submit(ctx, testJob(), []int{0})
	check("Submit", err)

	// The zero Client looks on PATH.
	t.Setenv("PATH", t.TempDir())
	var zero Client
	check("zero Client's CheckSbatch without sbatch on PATH", zero.CheckSbatch(ctx))
	if err := (&fakeSlurm{}).client().CheckSbatch(ctx); err != nil {
		t.Errorf("CheckSbatch with a fake sbatch: %v", err)
	}
}

func TestSubmit(t *testing.T) {
	j := testJob()
	array, merge := j.ArrayPath(), j.MergePath()
	ok := []reply{{stdout: "1001\n"}, {stdout: "1002;cluster\n"}}
	for _, test := range []struct {
		name             string
		shards           []int
		replies          []reply
		calls            []string
		arrayID, mergeID string
		err              string // what the error holds, if any
	}{
		{"all shards", []int{0, 1, 2, 3}, ok,
			[]string{"sbatch --parsable " + array, "sbatch --parsable '--dependency=afterany:1001' " + merge}, "1001", "1002", ""},
		{"some shards", []int{1, 3}, ok,
			[]string{"sbatch --parsable '--array=1,3%2' " + array, "sbatch --parsable '--dependency=afterany:1001' " + merge}, "1001", "1002", ""},
		{"no shards, the merge alone", nil, ok[1:],
			[]string{"sbatch --parsable " + merge}, "", "1002", ""},
		{"the array fails", []int{0, 1, 2, 3}, []reply{{stderr: "sbatch: error: Batch job submission failed", exit: 1}},
			[]string{"sbatch --parsable " + array}, "", "", "Batch job submission failed"},
		{"the merge fails", []int{0, 1, 2, 3}, []reply{ok[0], {stderr: "sbatch: error: QOSMaxSubmitJobPerUserLimit", exit: 1}},
			[]string{"sbatch --parsable " + array, "sbatch --parsable '--dependency=afterany:1001' " + merge}, "1001", "",
			"QOSMaxSubmitJobPerUserLimit\nthe array job 1001 is submitted; submit the merge by hand: sbatch '--dependency=afterany:1001' " + merge},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := &fakeSlurm{replies: test.replies}
			arrayID, mergeID, err := f.client().Submit(context.Background(), j, test.shards)
			if strings.Join(f.calls, "\n") != strings.Join(test.calls, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(f.calls, "\n"), strings.Join(test.calls, "\n"))
			}
			if arrayID != test.arrayID || mergeID != test.mergeID {
				t.Errorf("ids %q, %q; want %q, %q", arrayID, mergeID, test.arrayID, test.mergeID)
			}
			if test.err == "" && err != nil || test.err != "" && (err == nil || !strings.Contains(err.Error(), test.err)) {
				t.Errorf("error %v, want %q", err, test.err)
			}
		})
	}
}

func TestSubmitRefuses(t *testing.T) {
	bad := testJob()
	bad.OutDir = "/tmp/my results"
	for _, test := range []struct {
		name   string
		job    *Job
		shards []int
	}{
		{"a job Check refuses", bad, []int{0}},
		{"shards beyond the array", testJob(), []int{3, 4}},
		{"shards out of order", testJob(), []int{2, 0}},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := &fakeSlurm{}
			if _, _, err := f.client().Submit(context.Background(), test.job, test.shards); err == nil {
				t.Error("no error")
			}
			if f.calls != nil {
				t.Errorf("Submit ran %q", f.calls)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	config := "Configuration data as of 2025-01-01T00:00:00\nMaxArraySize            = 4000\nMaxJobCount             = 3000\n"
	for _, test := range []struct {
		name    string
		replies []reply
		want    Limits
		tasks   int
	}{
		{"configured, no accounting", []reply{{stdout: config}, {stderr: "sacctmgr: error: Problem talking to the database\n", exit: 1}}, Limits{4000, 3000, 0, true}, 2999},
		{"an association's MaxSubmitJobs", []reply{{stdout: config}, {stdout: "\n500\n200\n"}}, Limits{4000, 3000, 200, true}, 199},
		{"no controller", []reply{{stderr: "slurm_load_ctl_conf error: Unable to contact slurm controller\n", exit: 1}}, DefaultLimits, 1001},
		{"not said", []reply{{stdout: "MaxJobCount = 10000\n"}}, DefaultLimits, 1001},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := &fakeSlurm{replies: test.replies}
			got := f.client().Limits(context.Background())
			if got != test.want {
				t.Errorf("Limits = %+v, want %+v", got, test.want)
			}
			if got.MaxTasks() != test.tasks {
				t.Errorf("MaxTasks = %d, want %d", got.MaxTasks(), test.tasks)
			}
			if len(f.calls) != len(test.replies) || f.calls[0] != "scontrol show config" {
				t.Errorf("calls %q, want scontrol show config, then sacctmgr if it answered", f.calls)
			}
		})
	}
	if got := missing.Limits(context.Background()); got != DefaultLimits {
		t.Errorf("Limits without scontrol = %+v; want DefaultLimits", got)
	}
}

func TestParseLimits(t *testing.T) {
	for _, test := range []struct {
		name, out string
		want      Limits
		ok        bool
	}{
		{"spaced", "MaxArraySize            = 3\n", Limits{MaxArraySize: 3, Known: true}, true},
		{"tight, among others", "A=1\nMaxArraySize=4000001\nB = 2\nMaxJobCount=20\n", Limits{MaxArraySize: 4000001, MaxJobCount: 20, Known: true}, true},
		{"zero", "MaxArraySize = 0\n", Limits{}, false},
		{"negative", "MaxArraySize = -5\n", Limits{}, false},
		{"not a number", "MaxArraySize = (null)\n", Limits{}, false},
		{"a longer key", "MaxArraySizeX = 3\n", Limits{}, false},
		{"empty", "", Limits{}, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, ok := parseLimits([]byte(test.out))
			if ok != test.ok || ok && got != test.want {
				t.Errorf("parseLimits(%q) = %+v, %v; want %+v, %v", test.out, got, ok, test.want, test.ok)
			}
		})
	}
}

func FuzzParseJobID(f *testing.F) {
	for _, s := range []string{"123;cluster\n", "4567\n", "", ";", "x;1", "18446744073709551616\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		id, ok := parseJobID(out)
		if !ok {
			return
		}
		if _, err := strconv.ParseUint(id, 10, 64); err != nil || !strings.Contains(string(out), id) {
			t.Errorf("parseJobID(%q) = %q, not a number it printed", out, id)
		}
	})
}

func FuzzParseLimits(f *testing.F) {
	for _, s := range []string{"MaxArraySize = 3\n", "MaxArraySize=", "=\n=", "MaxJobCount = -1\n", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		if l, ok := parseLimits(out); ok && (l.MaxArraySize <= 0 || l.MaxJobCount < 0 || l.MaxTasks() < 1) {
			t.Errorf("parseLimits(%q) = %+v, true; want positive limits", out, l)
		}
	})
}
