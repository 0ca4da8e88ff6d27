package slurm

import (
	"context"
	"strconv"
	"strings"
)

// A TaskState is what the scheduler says of one task of an array job.
type TaskState struct {
	// State is Slurm's job state: PENDING, RUNNING, COMPLETED, FAILED,
	// TIMEOUT, CANCELLED, PREEMPTED, NODE_FAIL, OUT_OF_MEMORY, REQUEUED...
	State    string
	Reason   string // why a pending task waits, as squeue says; "" for none
	Restarts int    // how often the task was requeued (scontrol only)
	Exit     int    // the exit status of a task that ended; -1 if unknown or killed by a signal
}

// TaskStates asks the scheduler for the state of each task of the array
// job arrayID, by task index (or under -1, of a job that is no array): scontrol show job, which knows the jobs in
// the queue and those that ended within MinJobAge (5 minutes by
// default), then sacct for the tasks it no longer knows, where
// accounting is configured. Tasks neither knows are absent from the map;
// a scheduler that does not answer gives an empty map, not an error:
// status shows what the journals say.
func (c *Client) TaskStates(ctx context.Context, arrayID string) map[int]TaskState {
	states := make(map[int]TaskState)
	if out, err := c.output(ctx, "scontrol", "show", "job", "--oneliner", arrayID); err == nil {
		parseScontrolJobs(out, states)
	}
	if out, err := c.output(ctx, "sacct", "--noheader", "--parsable2", "--allocations", "--jobs", arrayID, "--format", "JobID,State,ExitCode"); err == nil {
		parseSacct(out, arrayID, states)
	}
	return states
}

// parseScontrolJobs reads scontrol show job --oneliner: one line a job,
// "Key=Value" words, a task's ArrayTaskId its index, or a range
// ("2-5%2") for the tasks still pending together.
func parseScontrolJobs(out []byte, states map[int]TaskState) {
	for line := range strings.SplitSeq(string(out), "\n") {
		f := make(map[string]string)
		for w := range strings.FieldsSeq(line) {
			if k, v, ok := strings.Cut(w, "="); ok {
				f[k] = v
			}
		}
		st := TaskState{State: f["JobState"], Exit: exitStatus(f["ExitCode"])}
		if st.State == "" {
			continue
		}
		if r := f["Reason"]; r != "None" {
			st.Reason = r
		}
		st.Restarts, _ = strconv.Atoi(f["Restarts"])
		id, isArray := f["ArrayTaskId"]
		if !isArray {
			states[-1] = st // a job that is no array, such as the merge
			continue
		}
		for _, i := range taskIndices(id) {
			states[i] = st
		}
	}
}

// parseSacct reads sacct --parsable2 lines JOBID|STATE|EXITCODE of the
// tasks of arrayID ("ID_I", or "ID_[2-5%2]" for tasks pending together)
// that states lacks. A requeued task has a line per run; the last wins.
func parseSacct(out []byte, arrayID string, states map[int]TaskState) {
	seen := make(map[int]TaskState)
	for line := range strings.SplitSeq(string(out), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 3 {
			continue
		}
		state, _, _ := strings.Cut(f[1], " ") // "CANCELLED by 1000"
		if f[0] == arrayID {
			seen[-1] = TaskState{State: state, Exit: exitStatus(f[2])}
			continue
		}
		task, ok := strings.CutPrefix(f[0], arrayID+"_")
		if !ok {
			continue
		}
		task = strings.Trim(task, "[]")
		for _, i := range taskIndices(task) {
			seen[i] = TaskState{State: state, Exit: exitStatus(f[2])}
		}
	}
	for i, st := range seen {
		if _, ok := states[i]; !ok {
			states[i] = st
		}
	}
}

// taskIndices reads an array task id: "4", or "2-5%2" and "1,3-4" for
// several.
func taskIndices(id string) []int {
	id, _, _ = strings.Cut(id, "%")
	var idx []int
	for part := range strings.SplitSeq(id, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b && i-a < 1<<22; i++ {
			idx = append(idx, i)
		}
	}
	return idx
}

// exitStatus reads Slurm's ExitCode "STATUS:SIGNAL": the status if no
// signal killed the job, and -1 otherwise.
func exitStatus(code string) int {
	status, sig, ok := strings.Cut(code, ":")
	n, err := strconv.Atoi(status)
	if !ok || err != nil || sig != "0" {
		return -1
	}
	return n
}
