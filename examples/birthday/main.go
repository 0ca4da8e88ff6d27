// Command birthday is simrun with one kernel more: the birthday problem
// (package example.com/birthday/birthday) beside the built-in kernels. It
// is an example of an out-of-tree simrun, the module to copy to run
// experiments with kernels of your own: every subcommand of simrun (run,
// plan, check, verify, ...) works as in simrun, and the worker processes
// are this binary started again. See README.md.
package main

import (
	"example.com/birthday/birthday"
	"github.com/simrun/simrun/cli"
)

func main() { cli.Main(birthday.Kernel{}) }
