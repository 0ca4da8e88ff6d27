// Package cli is the simrun command: Main parses the command line, runs
// the subcommand and exits. A researcher's module builds its own simrun,
// with its kernels beside the built-in ones, from a main of one line:
//
//	func main() { cli.Main(heat.Kernel{}) }
//
// The binary then serves as its own worker processes, so Main must be the
// first thing main does.
//
// Usage:
//
//	simrun run [flags] FILE       run an experiment: results.csv, results.json, figures, report.md, report.html
//	simrun plan FILE              show points, chunks, samples and seeding; runs nothing
//	simrun report DIR             rebuild a finished run's tables, figures, report.md and report.html
//	simrun chunk FILE POINT CHUNK rerun one chunk in-process, to debug it
//	simrun verify [flags] DIR     rerun chunks of a finished run here and compare them bit for bit
//	simrun compare [flags] A B    do two runs agree within their standard errors, point by point?
//	simrun check [flags] DIR      does a run agree with its kernel's exact values?
//	simrun submit [flags] FILE    run an experiment as a Slurm job array, then merge its shards
//	simrun merge OUTDIR           combine the shards of a sharded run (run --shard I/N)
//	simrun status OUTDIR          progress of a run or of its shards, from the journals
//	simrun repair DIR             keep every intact chunk of a damaged journal, dropping the damage
//	simrun validate FILE...       check experiment files
//	simrun kernels [NAME|FILE]    list kernels: parameters, defaults, bounds, observables
//	simrun new LANGUAGE [NAME]    write the helper for a kernel in python or c, a kernel and an experiment
//	simrun version                print the module, versions, VCS revision and kernels
//
// Exit codes:
//
//	0    success
//	1    the run failed (a kernel error, a worker crash, an I/O error)
//	2    bad input: usage, an invalid experiment file, an unwritable output directory
//	130  interrupted (SIGINT); 143 terminated (SIGTERM)
package cli

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/slurm"
)

// Main runs the simrun command with simrun's kernels and extra, then
// exits: as a worker process if a run started this process as one, and
// otherwise as the command line says. It panics if two kernels share a
// name.
func Main(extra ...kernels.Kernel) {
	en := engine.New(kernels.Builtin(extra...))
	en.Serve() // serve and exit if started as a worker
	en.Program = filepath.Base(os.Args[0])
	os.Exit(mainExit(en, os.Args[1:]))
}

// Run runs the command line args (without the program's name) with en's
// kernels, writing to stdout and stderr, and returns the exit code; it is
// Main without the process: no signal handling, no exit. Subcommands that
// start worker processes re-execute this binary, which must then call
// en.Serve (with the same kernels) first in main, as Main does; with
// --inprocess, and for the subcommands that run no chunks, it need not.
func Run(ctx context.Context, en *engine.Engine, args []string, stdout, stderr io.Writer) int {
	return exitCode(run(ctx, en, args, stdout, stderr), stderr)
}

// mainExit runs the command line args as the process does, with signal
// handling, and returns the exit code.
func mainExit(en *engine.Engine, args []string) int {
	// The first SIGINT or SIGTERM cancels the run with the signal as the
	// cause; a second one exits at once (workers die with their parent).
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "\nsimrun: %s: stopping; send it again to stop at once\n", signalName(s))
		cancel(&interrupted{s})
		s = <-sigs
		os.Exit(exitCode(&interrupted{s}, os.Stderr))
	}()
	return Run(ctx, en, args, os.Stdout, os.Stderr)
}

// usageError is bad command-line use; it maps to exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

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

// usage is the text of `simrun help`: the package comment's usage.
//
//go:embed usage.txt
var usage string

// command is what every subcommand works with.
type command struct {
	en             *engine.Engine
	stdout, stderr io.Writer
}

// subcommands maps each subcommand to its function.
var subcommands = map[string]func(c *command, ctx context.Context, args []string) error{
	"run":      (*command).run,
	"plan":     (*command).plan,
	"report":   (*command).report,
	"chunk":    (*command).chunk,
	"verify":   (*command).verify,
	"compare":  (*command).compare,
	"check":    (*command).check,
	"submit":   (*command).submit,
	"merge":    (*command).merge,
	"status":   (*command).status,
	"repair":   (*command).repair,
	"validate": (*command).validate,
	"new":      (*command).new,
	"kernels":  (*command).kernels,
	"version":  (*command).version,
}

// run dispatches a subcommand. It is main without the process: tests call
// it.
func run(ctx context.Context, en *engine.Engine, args []string, stdout, stderr io.Writer) error {
	// The usage text names the command as this binary is called: a
	// researcher's own simrun has its own name.
	text := strings.ReplaceAll(usage, "simrun ", en.Program+" ")
	if len(args) == 0 {
		fmt.Fprint(stderr, text)
		return usagef("simrun: missing command")
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, text)
		return nil
	}
	f, ok := subcommands[name]
	if !ok {
		fmt.Fprint(stderr, text)
		return usagef("simrun: unknown command %q", name)
	}
	return f(&command{en: en, stdout: stdout, stderr: stderr}, ctx, rest)
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
	var ie *engine.InputError
	var se *sim.Error
	var sle *slurm.InputError
	if errors.As(err, &ue) || errors.As(err, &ie) || errors.As(err, &se) || errors.As(err, &sle) || errors.Is(err, errUsagePrinted) {
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
	if ie, ok := err.(*engine.InputError); ok {
		printError(w, ie.Err)
		return
	}
	fmt.Fprintln(w, err)
}
