package slurm

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestTaskStates(t *testing.T) {
	// What scontrol show job --oneliner 3 printed on the local cluster
	// for --array=0-5%2, shortened, and sacct for a task it forgot.
	scontrol := "JobId=3 ArrayJobId=3 ArrayTaskId=4-5%2 ArrayTaskThrottle=2 JobName=wrap JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 ExitCode=0:0\n" +
		"JobId=7 ArrayJobId=3 ArrayTaskId=3 JobState=RUNNING Reason=None Restarts=1 ExitCode=0:0\n" +
		"JobId=6 ArrayJobId=3 ArrayTaskId=2 JobState=FAILED Reason=NonZeroExitCode Restarts=0 ExitCode=143:0\n" +
		"JobId=5 ArrayJobId=3 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode Restarts=0 ExitCode=1:0\n"
	sacct := "3_0|COMPLETED|0:0\n3_1|FAILED|2:0\n3_9|CANCELLED by 1000|0:15\n"
	f := &fakeSlurm{replies: []reply{{stdout: scontrol}, {stdout: sacct}}}
	got := f.client().TaskStates(context.Background(), "3")
	want := map[int]TaskState{
		0: {State: "COMPLETED", Exit: 0},
		1: {State: "FAILED", Reason: "NonZeroExitCode", Exit: 1}, // scontrol's, not sacct's
		2: {State: "FAILED", Reason: "NonZeroExitCode", Exit: 143},
		3: {State: "RUNNING", Restarts: 1, Exit: 0},
		4: {State: "PENDING", Reason: "JobArrayTaskLimit", Exit: 0},
		5: {State: "PENDING", Reason: "JobArrayTaskLimit", Exit: 0},
		9: {State: "CANCELLED", Exit: -1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TaskStates =\n%+v\nwant\n%+v", got, want)
	}
	if want := []string{"scontrol show job --oneliner 3", "sacct --noheader --parsable2 --allocations --jobs 3 --format 'JobID,State,ExitCode'"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls %q, want %q", f.calls, want)
	}

	// A job that is no array, such as the merge, is under -1.
	f = &fakeSlurm{replies: []reply{{stdout: "JobId=8 JobName=simrun-walk-merge JobState=PENDING Reason=Dependency Restarts=0 ExitCode=0:0\n"}, {exit: 1}}}
	if got := f.client().TaskStates(context.Background(), "8"); !reflect.DeepEqual(got, map[int]TaskState{-1: {State: "PENDING", Reason: "Dependency"}}) {
		t.Errorf("TaskStates of the merge = %+v", got)
	}
	// No scheduler to ask: nothing known, no error.
	if got := missing.TaskStates(context.Background(), "3"); len(got) != 0 {
		t.Errorf("TaskStates without Slurm = %+v, want none", got)
	}
}

func TestTaskIndices(t *testing.T) {
	for _, test := range []struct {
		id   string
		want []int
	}{
		{"4", []int{4}},
		{"2-5%2", []int{2, 3, 4, 5}},
		{"0,3-4,9", []int{0, 3, 4, 9}},
		{"", nil},
		{"x", nil},
	} {
		if got := taskIndices(test.id); !reflect.DeepEqual(got, test.want) {
			t.Errorf("taskIndices(%q) = %v, want %v", test.id, got, test.want)
		}
	}
}

func TestSubmissions(t *testing.T) {
	j := packedJob() // 10 shards, 4 to a task
	j.OutDir = t.TempDir()
	if err := j.WriteScripts(); err != nil {
		t.Fatal(err)
	}
	if subs, err := ReadSubmissions(j.Dir()); err != nil || subs != nil {
		t.Fatalf("ReadSubmissions before any = %v, %v; want none", subs, err)
	}
	now := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	first := j.NewSubmission("100", "101", allShards(10), 0, now)
	again := j.NewSubmission("102", "103", []int{1, 9}, 37, now.Add(time.Hour))
	for _, s := range []Submission{first, again} {
		if err := j.Record(s); err != nil {
			t.Fatal(err)
		}
	}
	subs, err := ReadSubmissions(j.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(subs, []Submission{first, again}) {
		t.Errorf("ReadSubmissions = %+v, want %+v", subs, []Submission{first, again})
	}
	if got := again.TaskIndices(); !reflect.DeepEqual(got, []int{0, 2}) {
		t.Errorf("tasks of shards 1 and 9 at 4 a task: %v, want [0 2]", got)
	}
}
