package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/slurm"
)

// status shows how far a run (sharded or not, finished or in progress)
// has come, from its journals, and for a campaign that simrun submit
// started, what the scheduler says of each shard's task and when the
// campaign should end. It changes nothing.
func (c *command) status(ctx context.Context, args []string) error {
	fs := c.newFlagSet("status", "OUTDIR")
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	outDir := pos[0]
	st, err := c.en.Status(outDir)
	if err != nil {
		return err
	}
	e := st.Experiment
	if st.Shards == nil {
		of := ""
		if e.Budget.Adaptive() && st.Done < st.Total {
			of = " (at most; the points sampled to a target stop earlier)"
		}
		fmt.Fprintf(c.stdout, "experiment %s (kernel %s): %d/%d chunks%s in %s\n", e.Name, e.Kernel.Name, st.Done, st.Total, of, st.In)
		return nil
	}
	n := len(st.Shards)
	subs, err := slurm.ReadSubmissions(filepath.Join(outDir, "slurm"))
	if err != nil {
		return err
	}
	sched := newSchedView(ctx, subs, n)
	jobs := len(subs) > 0 // submit recorded the jobs: show a job column
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "experiment %s (kernel %s), %d shards\n", e.Name, e.Kernel.Name, n)
	if jobs {
		fmt.Fprintln(tw, "shard\tchunks\tstate\tjob")
	} else {
		fmt.Fprintln(tw, "shard\tchunks\tstate")
	}
	complete := 0
	for _, s := range st.Shards {
		if s.Complete() {
			complete++
		}
		failures, err := engine.ShardFailures(outDir, s.Shard)
		if err != nil {
			return err
		}
		state, job := sched.shardState(s, len(failures) > 0)
		if jobs {
			fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\n", s.Shard, s.Done, s.Total, state, job)
		} else {
			fmt.Fprintf(tw, "%s\t%d/%d\t%s\n", s.Shard, s.Done, s.Total, state)
		}
	}
	fmt.Fprintf(tw, "all\t%d/%d\t%d of %d shards complete\n", st.Done, st.Total, complete, n)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(subs) > 0 {
		sched.campaign(c.stdout, st, time.Now())
	}
	switch {
	case st.Merged:
		fmt.Fprintf(c.stdout, "merged: %s\n", filepath.Join(outDir, engine.ResultsJSON))
	case complete == n:
		fmt.Fprintf(c.stdout, "merged: not yet: %s merge %s\n", c.en.Program, outDir)
	}
	return nil
}

// schedView is what the scheduler says of a campaign's jobs: for each
// shard, the array task of the latest submission that ran it.
type schedView struct {
	subs       []slurm.Submission        // in the order they were made
	latest     []int                     // by shard: index in subs of the last submission of its task, -1 if none
	states     []map[int]slurm.TaskState // by submission, asked for only where latest points
	merge      slurm.TaskState           // the last merge job's state, if the scheduler knows it
	mergeKnown bool
	c          slurm.Client
}

func newSchedView(ctx context.Context, subs []slurm.Submission, n int) *schedView {
	v := &schedView{subs: subs, latest: make([]int, n), states: make([]map[int]slurm.TaskState, len(subs))}
	for i := range v.latest {
		v.latest[i] = -1
	}
	for k, s := range subs {
		if s.Shards != n {
			continue // an earlier sharding of the directory
		}
		for _, t := range s.TaskIndices() {
			for i := t * s.PerTask; i < min((t+1)*s.PerTask, n); i++ {
				v.latest[i] = k
			}
		}
	}
	for _, k := range v.latest {
		if k >= 0 && v.states[k] == nil {
			v.states[k] = v.c.TaskStates(ctx, subs[k].ArrayID)
		}
	}
	if len(subs) > 0 {
		v.merge, v.mergeKnown = v.c.TaskStates(ctx, subs[len(subs)-1].MergeID)[-1]
	}
	return v
}

// shardState describes shard s for status: from its journal when it is
// complete or failed in the kernel, and otherwise from what the
// scheduler says of its task; job is the task's job id.
func (v *schedView) shardState(s engine.ShardStatus, failed bool) (state, job string) {
	k := v.latest[s.Index]
	var ts slurm.TaskState
	known := false
	if k >= 0 {
		t := s.Index / v.subs[k].PerTask
		job = fmt.Sprintf("%s_%d", v.subs[k].ArrayID, t)
		ts, known = v.states[k][t]
	}
	switch {
	case s.Complete():
		return "complete", job
	case failed:
		return "failed: a chunk failed in the kernel (resubmitting repeats it)", job
	case known:
		return taskState(ts), job
	case s.Exists:
		if k >= 0 {
			return "incomplete; Slurm no longer knows its task (resume it)", job
		}
		return "incomplete (running, or stopped: resume it)", job
	}
	return "not started", job
}

// taskState describes what the scheduler says of a task.
func taskState(ts slurm.TaskState) string {
	state := strings.ToLower(strings.ReplaceAll(ts.State, "_", " "))
	switch ts.State {
	case "PENDING":
		if ts.Reason != "" {
			state += " (" + ts.Reason + ")"
		}
	case "FAILED":
		switch ts.Exit {
		case 1:
			state += ": a chunk failed in the kernel"
		case 2:
			state += ": bad input"
		case 130, 143:
			state = "stopped by a signal, resumable"
		}
	case "TIMEOUT", "CANCELLED", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY":
		state += ", resumable"
	}
	if ts.Restarts > 0 {
		state += fmt.Sprintf(", requeued %d×", ts.Restarts)
	}
	return state
}

// campaign prints the merge job's state and, from the chunks journaled
// since the last submission, the campaign's rate and when it should end.
func (v *schedView) campaign(w io.Writer, st *engine.Status, now time.Time) {
	last := v.subs[len(v.subs)-1]
	if v.mergeKnown {
		fmt.Fprintf(w, "merge job %s: %s\n", last.MergeID, taskState(v.merge))
	}
	left := st.Total - st.Done
	if left == 0 {
		return
	}
	since := now.Sub(last.Time)
	done := st.Done - last.Done
	if done <= 0 || since <= 0 {
		fmt.Fprintf(w, "campaign: %d of %d chunks left; none journaled since the last submission, %s ago, so no ETA yet\n", left, st.Total, fmtDuration(since.Round(time.Second)))
		return
	}
	rate := float64(done) / since.Seconds()
	eta := time.Duration(float64(left) / rate * float64(time.Second))
	fmt.Fprintf(w, "campaign: %d of %d chunks left, at %s chunks/s since the last submission (%s ago); ETA %s, at %s\n",
		left, st.Total, siRate(rate), fmtDuration(since.Round(time.Second)), fmtDuration(eta.Round(time.Second)), now.Add(eta).Format("15:04"))
}
