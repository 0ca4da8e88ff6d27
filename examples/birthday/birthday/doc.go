// Package birthday is a simrun kernel for the birthday problem: the
// probability that, among people whose birthdays are independent and
// uniform over days days, at least two share one.
//
// It is the kernel of an out-of-tree simrun (the example module
// example.com/birthday): the module's main passes Kernel{} to cli.Main,
// which adds it to the built-in kernels, so experiment files can name it
// with kernel = "birthday".
//
// What is deterministic: a chunk's accumulator is a function of the chunk's
// generator alone (the sampler draws from nothing else, and the state it
// keeps between samples and chunks cannot change a result), so a run gives
// the same bytes for any number of workers. Kernel.New returns no error:
// simrun checks every parameter against the ranges of Spec before a run,
// and every combination of valid values is a valid point. Nothing panics
// on valid input; a sampler is for one goroutine at a time, as simrun uses
// it (one per worker).
package birthday
