package slurm

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// SubmissionsFile is the log of a Job's submissions in Job.Dir, one JSON
// object a line, appended by each simrun submit (and each automatic
// resubmission), so that simrun status can ask the scheduler about the
// jobs that run each shard.
const SubmissionsFile = "submissions.jsonl"

// A Submission is one submission of a Job: its jobs, and which shards
// their tasks run.
type Submission struct {
	Time    time.Time `json:"time"`
	ArrayID string    `json:"array_job,omitempty"` // "" when only the merge was submitted
	MergeID string    `json:"merge_job"`
	Shards  int       `json:"shards"`   // Settings.Array
	PerTask int       `json:"per_task"` // shards each task runs
	Tasks   string    `json:"tasks"`    // the tasks submitted, as an ArraySpec without throttle
	// Done is how many chunks the shards had journaled when the jobs were
	// submitted, from which simrun status takes the campaign's rate.
	Done int64 `json:"done_chunks"`
}

// NewSubmission describes the submission of the tasks that run shards
// of j as arrayID and mergeID, when done chunks were journaled.
func (j *Job) NewSubmission(arrayID, mergeID string, shards []int, done int64, now time.Time) Submission {
	return Submission{Time: now.UTC(), ArrayID: arrayID, MergeID: mergeID,
		Shards: j.Settings.Array, PerTask: j.perTask(), Tasks: ArraySpec(j.ShardTasks(shards), 0), Done: done}
}

// Record appends s to Dir/SubmissionsFile.
func (j *Job) Record(s Submission) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(j.Dir(), SubmissionsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	// One write of one line: O_APPEND keeps concurrent submissions' lines
	// whole.
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	return nil
}

// ReadSubmissions returns the submissions recorded in dir, a Job.Dir, in
// the order they were made; none if there is no record. A line that does
// not parse (torn by a full disk, say) is skipped.
func ReadSubmissions(dir string) ([]Submission, error) {
	f, err := os.Open(filepath.Join(dir, SubmissionsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	defer f.Close()
	var subs []Submission
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var s Submission
		if json.Unmarshal(sc.Bytes(), &s) == nil && s.MergeID != "" {
			subs = append(subs, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	return subs, nil
}

// TaskIndices returns the tasks s submitted, in increasing order.
func (s Submission) TaskIndices() []int {
	if s.ArrayID == "" {
		return nil
	}
	return taskIndices(s.Tasks)
}
