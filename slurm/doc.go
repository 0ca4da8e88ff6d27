// Package slurm runs a simrun experiment on a Slurm cluster: it writes the
// job scripts of a Job, a job array whose task I runs shard I of N
// (`simrun run --shard I/N`), or several shards one after another where
// the cluster allows fewer tasks than shards (Job.Pack, Client.Limits),
// and a merge job (`simrun merge OUTDIR`), and submits them with sbatch,
// the merge to start once every task of the array has ended: it merges,
// or says which shards are incomplete and the simrun submit --resume
// command (Job.ResumeCommand) that runs them, or runs that command itself
// (Settings.AutoResume). Each submission is recorded (Job.Record), so
// that a status can ask the scheduler about its tasks (Client.TaskStates).
//
// A Job is plain data: the experiment's name, the absolute paths of its
// file, output directory and simrun binary, and its sim.SlurmSettings.
// Deciding those (from flags, or the experiment file's table of Slurm
// settings) and which shards are still to run is the caller's business,
// as is running the experiment.
//
// # Determinism
//
// The scripts (Job.ArrayScript, Job.MergeScript) and the dry-run text
// (Job.DryRun) are rendered from text/template files embedded in the
// package and depend on the Job alone: the same Job gives the same bytes
// on every machine. Shell words in them are quoted by one function,
// internal/shell.Quote; values on #SBATCH lines, which sbatch reads
// without a shell, are refused by Job.Check if they would need quoting.
//
// # Errors
//
// Errors are prefixed "slurm: " and say what to do; where the fix is an
// option of simrun submit (--out DIR, --dry-run), they name it. An error
// the user must fix, not a failure of the cluster or of the machine, is an
// *InputError: a path the scripts cannot carry, settings sbatch would
// refuse, no sbatch to run (which also matches ErrNoSbatch with
// errors.Is). simrun submit maps those to exit code 2. A job or shard list
// that breaks the documented preconditions (a relative path, shard indices
// out of order) is the caller's bug and gives a plain error. No input
// makes the package panic.
//
// # Running Slurm
//
// A Client runs the Slurm client programs (sbatch, scontrol, sacct,
// sacctmgr). Its zero
// value runs them from PATH with exec.CommandContext; tests set
// Client.Command to run fakes instead. A Client holds no state between
// calls and may be used by several goroutines at once.
package slurm
