package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// maxArraySizeTimeout bounds scontrol show config, which waits for a
// controller that does not answer.
const maxArraySizeTimeout = 10 * time.Second

// MaxArraySize asks the cluster for its MaxArraySize (array indices go
// from 0 to MaxArraySize-1), with scontrol show config. The result is
// only advice: ok is false when scontrol is missing, fails, does not
// answer within 10 seconds or does not say.
func (c *Client) MaxArraySize(ctx context.Context) (n int, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, maxArraySizeTimeout)
	defer cancel()
	cmd := c.command(ctx, "scontrol", "show", "config")
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if err != nil {
		return 0, false
	}
	return parseMaxArraySize(out)
}

// parseMaxArraySize finds "MaxArraySize = N" in the output of scontrol
// show config.
func parseMaxArraySize(out []byte) (int, bool) {
	for line := range strings.SplitSeq(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == "MaxArraySize" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return n, err == nil && n > 0
		}
	}
	return 0, false
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
// for shards, which are not none: for all of them, the script's own
// #SBATCH --array line says which.
func (j *Job) arrayArgs(shards []int) []string {
	if len(shards) < j.Settings.Array {
		return []string{"--array=" + ArraySpec(shards, j.Settings.Throttle), j.ArrayPath()}
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
