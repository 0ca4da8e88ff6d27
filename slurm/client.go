package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/internal/shell"
)

// Client runs the Slurm client programs, sbatch and scontrol.
type Client struct {
	// Command makes the command that runs the Slurm program name with
	// args, not yet started; Client sets its Stdout and Stderr. Nil means
	// exec.CommandContext, which looks name up on PATH. Tests set it to
	// run fakes.
	Command func(ctx context.Context, name string, args ...string) *exec.Cmd
}

func (c *Client) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	if c.Command != nil {
		return c.Command(ctx, name, args...)
	}
	return exec.CommandContext(ctx, name, args...)
}

// CheckSbatch reports whether sbatch can be run here, without running
// it: an *InputError matching ErrNoSbatch if it cannot be found.
func (c *Client) CheckSbatch(ctx context.Context) error {
	if cmd := c.command(ctx, "sbatch"); cmd.Err != nil {
		return inputErr(fmt.Errorf("%w (%v): submit from a machine with the Slurm client tools, or use --dry-run to write the scripts without submitting them", ErrNoSbatch, cmd.Err))
	}
	return nil
}

// Limits are what a cluster allows one user's submission.
type Limits struct {
	// MaxArraySize bounds array indices, which go from 0 to
	// MaxArraySize-1 (scontrol show config; 1001 by default).
	MaxArraySize int
	// MaxJobCount is the most jobs the controller holds at once, every
	// array task one (scontrol show config; 10000 by default); 0 if
	// unknown.
	MaxJobCount int
	// MaxSubmitJobs is the most jobs the user may have queued or running
	// at once, every array task one, where their association says
	// (sacctmgr); 0 if unknown.
	MaxSubmitJobs int
	// Known reports that the limits come from the cluster, not from
	// DefaultLimits.
	Known bool
}

// DefaultLimits are Slurm's defaults, which Client.Limits assumes of a
// cluster it cannot ask (submit --dry-run on a laptop): scripts written
// for them are accepted by a cluster left at its defaults.
var DefaultLimits = Limits{MaxArraySize: 1001, MaxJobCount: 10000}

// MaxTasks is the most tasks one array may have under l, leaving one job
// for the merge.
func (l Limits) MaxTasks() int {
	n := l.MaxArraySize
	for _, m := range []int{l.MaxJobCount, l.MaxSubmitJobs} {
		if m > 1 {
			n = min(n, m-1)
		}
	}
	return max(1, n)
}

// limitsTimeout bounds scontrol show config and sacctmgr, which wait for
// a controller or database that does not answer.
const limitsTimeout = 10 * time.Second

// Limits asks the cluster for its limits: MaxArraySize and MaxJobCount
// from scontrol show config, and the user's MaxSubmitJobs from sacctmgr
// where accounting answers. Where scontrol is missing, fails, does not
// answer within 10 seconds or does not say, it returns DefaultLimits.
func (c *Client) Limits(ctx context.Context) Limits {
	out, err := c.output(ctx, "scontrol", "show", "config")
	if err != nil {
		return DefaultLimits
	}
	l, ok := parseLimits(out)
	if !ok {
		return DefaultLimits
	}
	if out, err := c.output(ctx, "sacctmgr", "--noheader", "--parsable2", "show", "association", "where", "user="+os.Getenv("USER"), "format=MaxSubmitJobs"); err == nil {
		l.MaxSubmitJobs = parseMaxSubmit(out)
	}
	return l
}

// output runs a Slurm program for what it prints, within limitsTimeout.
func (c *Client) output(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, limitsTimeout)
	defer cancel()
	cmd := c.command(ctx, name, args...)
	cmd.WaitDelay = time.Second
	return cmd.Output()
}

// parseLimits reads "MaxArraySize = N" and "MaxJobCount = N" in the
// output of scontrol show config; ok is false without a valid
// MaxArraySize.
func parseLimits(out []byte) (l Limits, ok bool) {
	for line := range strings.SplitSeq(string(out), "\n") {
		k, v, found := strings.Cut(line, "=")
		if !found {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n <= 0 {
			continue
		}
		switch strings.TrimSpace(k) {
		case "MaxArraySize":
			l.MaxArraySize = n
		case "MaxJobCount":
			l.MaxJobCount = n
		}
	}
	l.Known = l.MaxArraySize > 0
	return l, l.Known
}

// parseMaxSubmit reads the smallest MaxSubmitJobs of the user's
// associations, one a line (empty for none); 0 if none sets one.
func parseMaxSubmit(out []byte) int {
	least := 0
	for line := range strings.SplitSeq(string(out), "\n") {
		if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && n > 0 && (least == 0 || n < least) {
			least = n
		}
	}
	return least
}

// Sbatch runs sbatch --parsable with args and returns the id of the job
// it submitted. An error quotes the command line and what sbatch said;
// sbatch not found is an *InputError matching ErrNoSbatch.
func (c *Client) Sbatch(ctx context.Context, args ...string) (string, error) {
	args = append([]string{"--parsable"}, args...)
	cmd := c.command(ctx, "sbatch", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	line := shell.Join("sbatch", args...)
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", inputErr(fmt.Errorf("%w (%v): use --dry-run to write the scripts without submitting them", ErrNoSbatch, err))
		}
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = strings.TrimSpace(out.String())
		}
		return "", fmt.Errorf("slurm: %s: %v: %s", line, err, msg)
	}
	id, ok := parseJobID(out.Bytes())
	if !ok {
		return "", fmt.Errorf("slurm: %s printed %q, not a job id", line, strings.TrimSpace(out.String()))
	}
	return id, nil
}

// TestOnly asks sbatch --test-only whether it would accept the scripts
// that j.WriteScripts has written, to run shards (indices of the array
// in increasing order, none for the merge alone), and submits nothing.
// It returns what sbatch said of each script it checked, such as "Job 12
// to start at 2026-12-01T14:02:11 using 1 processors on nodes n1 in
// partition debug"; a script sbatch refuses is an *InputError quoting it.
func (c *Client) TestOnly(ctx context.Context, j *Job, shards []int) ([]string, error) {
	if err := j.checkShards(shards); err != nil {
		return nil, err
	}
	var runs [][]string
	if len(shards) > 0 {
		runs = append(runs, j.arrayArgs(shards))
	}
	runs = append(runs, j.mergeArgs(""))
	var said []string
	for _, args := range runs {
		args = append([]string{"--test-only"}, args...)
		cmd := c.command(ctx, "sbatch", args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out.String()), "sbatch: "))
		if err != nil {
			if errors.Is(err, exec.ErrNotFound) {
				return nil, inputErr(fmt.Errorf("%w (%v)", ErrNoSbatch, err))
			}
			return nil, inputErr(fmt.Errorf("slurm: %s refuses the script: %v: %s", shell.Join("sbatch", args...), err, msg))
		}
		said = append(said, shell.Join("sbatch", args...)+": "+msg)
	}
	return said, nil
}

// parseJobID reads the job id from what sbatch --parsable prints: "JOBID"
// or "JOBID;CLUSTER" on its first line.
func parseJobID(out []byte) (string, bool) {
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	id, _, _ := strings.Cut(strings.TrimSpace(first), ";")
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", false
	}
	return id, true
}

// arrayArgs are the arguments of sbatch --parsable that submit the array
// tasks that run shards, which are not none: for all of them, the
// script's own #SBATCH --array line says which.
func (j *Job) arrayArgs(shards []int) []string {
	if tasks := j.ShardTasks(shards); len(tasks) < j.Tasks() {
		return []string{"--array=" + ArraySpec(tasks, j.Settings.Throttle), j.ArrayPath()}
	}
	return []string{j.ArrayPath()}
}

// mergeArgs are the arguments of sbatch --parsable that submit the merge
// to start once every task of the array job arrayID has ended, however
// it ended, or at once if arrayID is "". afterany, not afterok: one failed
// task would leave an afterok merge pending forever
// (DependencyNeverSatisfied); the merge itself checks the shards and says
// what to resume.
func (j *Job) mergeArgs(arrayID string) []string {
	if arrayID == "" {
		return []string{j.MergePath()}
	}
	return []string{"--dependency=afterany:" + arrayID, j.MergePath()}
}

// Submit submits the scripts that j.WriteScripts has written: the job
// array for shards (indices of the array in increasing order), then the
// merge, to start once every task of the array has ended, however it ended. With no
// shards, it submits the merge alone, to start at once. It returns the
// ids of the jobs, arrayID "" if there is no array.
//
// If the merge cannot be submitted after the array was, Submit returns
// the array's id with an error that says how to submit the merge by hand.
func (c *Client) Submit(ctx context.Context, j *Job, shards []int) (arrayID, mergeID string, err error) {
	if err := j.Check(); err != nil {
		return "", "", err
	}
	if err := j.checkShards(shards); err != nil {
		return "", "", err
	}
	if len(shards) > 0 {
		if arrayID, err = c.Sbatch(ctx, j.arrayArgs(shards)...); err != nil {
			return "", "", err
		}
	}
	mergeID, err = c.Sbatch(ctx, j.mergeArgs(arrayID)...)
	if err != nil {
		if arrayID != "" {
			err = fmt.Errorf("%w\nthe array job %s is submitted; submit the merge by hand: %s", err, arrayID, shell.Join("sbatch", j.mergeArgs(arrayID)...))
		}
		return arrayID, "", err
	}
	return arrayID, mergeID, nil
}
