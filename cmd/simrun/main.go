// Command simrun runs Monte Carlo experiments described by TOML files on a
// pool of worker processes, with results that are bit-identical whatever
// the number of workers.
//
// Usage:
//
//	simrun run [flags] FILE       run an experiment: results.csv, results.json, figures, report.md
//	simrun plan FILE              show points, chunks, samples and seeding; run nothing
//	simrun report DIR             rebuild a finished run's tables, figures and report.md
//	simrun chunk FILE POINT CHUNK rerun one chunk in-process, to debug it
//	simrun verify [flags] DIR     rerun chunks of a finished run here and compare them bit for bit
//	simrun compare [flags] A B    do two runs agree within their standard errors, point by point?
//	simrun check [flags] DIR      does a run agree with its kernel's exact values?
//	simrun submit [flags] FILE    run an experiment as a Slurm job array, then merge its shards
//	simrun merge OUTDIR           combine the shards of a sharded run (run --shard I/N)
//	simrun status OUTDIR          progress of a run or of its shards, from the journals
//	simrun validate FILE...       check experiment files
//	simrun kernels [NAME]         list kernels: parameters, defaults, bounds, observables
//	simrun version                print the version and VCS revision
//
// Exit codes:
//
//	0    success
//	1    the run failed (a kernel error, a worker crash, an I/O error)
//	2    bad input: usage, an invalid experiment file, an unwritable output directory
//	130  interrupted (SIGINT); 143 terminated (SIGTERM)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/simrun/simrun/runner"
)

func main() {
	runner.Main() // serve and exit if started as a worker
	os.Exit(mainExit(os.Args[1:]))
}

// mainExit runs the command line args as the process does, with signal
// handling, and returns the exit code.
func mainExit(args []string) int {
	// The first SIGINT or SIGTERM cancels the run with the signal as the
	// cause; a second one exits at once (workers die with their parent).
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel(&interrupted{s})
		s = <-sigs
		os.Exit(exitCode(&interrupted{s}, os.Stderr))
	}()
	return exitCode(run(ctx, args, os.Stdout, os.Stderr), os.Stderr)
}

// usageError is bad command-line use; it maps to exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// inputError wraps a problem with the user's input (files, flags, output
// directory) so that it maps to exit code 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// interrupted reports that a signal stopped the run.
type interrupted struct{ sig os.Signal }

func (e *interrupted) Error() string {
	return "simrun: stopped by " + signalName(e.sig) + "; the finished chunks are journaled: run the same command again to resume"
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

const usage = `simrun runs Monte Carlo experiments described by TOML files.

Usage:
  simrun run [flags] FILE       run an experiment: results.csv, results.json, figures, report.md
  simrun plan FILE              show points, chunks, samples and seeding; runs nothing
  simrun report DIR             rebuild a finished run's tables, figures and report.md
  simrun chunk FILE POINT CHUNK rerun one chunk in-process, to debug it
  simrun verify [flags] DIR     rerun chunks of a finished run here and compare them bit for bit
  simrun compare [flags] A B    do two runs agree within their standard errors, point by point?
  simrun check [flags] DIR      does a run agree with its kernel's exact values?
  simrun submit [flags] FILE    run an experiment as a Slurm job array, then merge its shards
  simrun merge OUTDIR           combine the shards of a sharded run (run --shard I/N)
  simrun status OUTDIR          progress of a run or of its shards, from the journals
  simrun validate FILE...       check experiment files
  simrun kernels [NAME]         list kernels with their parameters and observables
  simrun version                print the version and VCS revision

Run 'simrun run -h' for the run flags.

Exit codes: 0 success, 1 run failed, 2 bad input or usage, 130 interrupted.
`

// run dispatches a subcommand. It is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("simrun: missing command")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runCmd(ctx, rest, stdout, stderr)
	case "plan":
		return planCmd(rest, stdout, stderr)
	case "report":
		return reportCmd(rest, stdout, stderr)
	case "chunk":
		return chunkCmd(rest, stdout, stderr)
	case "verify":
		return verifyCmd(rest, stdout, stderr)
	case "compare":
		return compareCmd(rest, stdout, stderr)
	case "check":
		return checkCmd(rest, stdout, stderr)
	case "submit":
		return submitCmd(ctx, rest, stdout, stderr)
	case "merge":
		return mergeCmd(rest, stdout, stderr)
	case "status":
		return statusCmd(rest, stdout, stderr)
	case "validate":
		return validateCmd(rest, stdout, stderr)
	case "kernels":
		return kernelsCmd(rest, stdout, stderr)
	case "version":
		return versionCmd(stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usagef("simrun: unknown command %q", cmd)
}

// exitCode prints err, if any, and returns the process exit code. It is the
// one place where error classes become exit codes.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	var intr *interrupted
	if errors.As(err, &intr) {
		fmt.Fprintln(stderr, err)
		if intr.sig == syscall.SIGTERM {
			return 143
		}
		return 130
	}
	if !errors.Is(err, errUsagePrinted) {
		printError(stderr, err)
	}
	var ue *usageError
	var ie *inputError
	if errors.As(err, &ue) || errors.As(err, &ie) || errors.Is(err, errUsagePrinted) {
		return 2
	}
	return 1
}

// errUsagePrinted is returned when the flag package already told the user.
var errUsagePrinted = errors.New("usage printed")

// printError prints each of a joined error's parts on its own line.
func printError(w io.Writer, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printError(w, e)
		}
		return
	}
	if ie, ok := err.(*inputError); ok {
		printError(w, ie.err)
		return
	}
	fmt.Fprintln(w, err)
}
