// Command simrun runs Monte Carlo experiments described by TOML files on a
// pool of worker processes, with results that are bit-identical whatever
// the number of workers. Its manual is the documentation of package
// github.com/simrun/simrun/cli, which is the whole command: a researcher's
// own simrun, with kernels of their own, is the same one line over it.
package main

import "github.com/simrun/simrun/cli"

func main() { cli.Main() }
