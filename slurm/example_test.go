package slurm_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/slurm"
)

func ExampleArraySpec() {
	fmt.Println(slurm.ArraySpec([]int{0, 1, 2, 5, 7, 8}, 4))
	fmt.Println(slurm.ShardList([]int{1, 3}, 4))
	// Output:
	// 0-2,5,7-8%4
	// shards 1, 3 of 4
}

func ExampleJob_MergeScript() {
	j := &slurm.Job{
		Name:     "walk",
		File:     "/home/me/walk.toml",
		OutDir:   "/scratch/me/walk",
		Exe:      "/home/me/go/bin/simrun",
		Settings: sim.SlurmSettings{Array: 4, Partition: "short"},
	}
	text, err := j.MergeScript()
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(text)
	// Output:
	// #!/bin/bash
	// # Slurm job that merges the 4 shards of the simrun experiment walk, written by
	// # simrun submit, into /scratch/me/walk: results.csv, results.json,
	// # the figures and report.md, the same bytes as an unsharded run.
	// #
	// # simrun submit runs it with --dependency=afterany:ARRAYJOB, so that it
	// # starts once every task of the array job has ended, however it ended. If a
	// # shard is incomplete then (a task failed, ran out of time or was
	// # cancelled), it says which, prints the command that runs the missing
	// # shards and merges again, and fails. By hand:
	// #
	// #   sbatch --dependency=afterany:ARRAYJOB /scratch/me/walk/slurm/merge.sbatch
	// #   bash /scratch/me/walk/slurm/merge.sbatch
	// #
	// #SBATCH --job-name=simrun-walk-merge
	// #SBATCH --output=/scratch/me/walk/slurm/merge-%j.out
	// #SBATCH --ntasks=1
	// #SBATCH --cpus-per-task=1
	// #SBATCH --partition=short
	//
	// set -euo pipefail
	//
	// if ! /home/me/go/bin/simrun merge /scratch/me/walk; then
	// 	echo "simrun: not merged: the shards above are incomplete. To run them again and merge:" >&2
	// 	printf '  %s\n' '/home/me/go/bin/simrun submit --resume --array 4 --partition short --out /scratch/me/walk /home/me/walk.toml' >&2
	// 	exit 1
	// fi
}

// Submitting every shard of a job, and its merge. (Not run: it needs a
// Slurm cluster.)
func ExampleClient_Submit() {
	ctx := context.Background()
	j := &slurm.Job{
		Name:     "walk",
		File:     "/home/me/walk.toml",
		OutDir:   "/scratch/me/walk",
		Exe:      "/home/me/go/bin/simrun",
		Settings: sim.SlurmSettings{Array: 4, Throttle: 2, Time: "2:00:00"},
	}
	var c slurm.Client // runs sbatch from PATH
	if err := c.CheckSbatch(ctx); errors.Is(err, slurm.ErrNoSbatch) {
		j.DryRun(os.Stdout, []int{0, 1, 2, 3}) // show what to do by hand instead
		return
	}
	if err := j.WriteScripts(); err != nil {
		log.Fatal(err)
	}
	arrayID, mergeID, err := c.Submit(ctx, j, []int{0, 1, 2, 3})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("array job %s, merge job %s; logs %s\n", arrayID, mergeID, j.ArrayLogs(arrayID))
}
