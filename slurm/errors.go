package slurm

import "errors"

// InputError is an error the user must fix, such as an output directory
// whose path an #SBATCH line cannot carry or a machine without sbatch, as
// opposed to a failure of the cluster or of the machine. Err says what is
// wrong and what to do.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ErrNoSbatch is matched (with errors.Is) by the *InputError returned when
// sbatch cannot be run at all, because it is not on PATH: only a dry run
// is possible on this machine.
var ErrNoSbatch = errors.New("slurm: cannot run sbatch")

// inputErr wraps err as an *InputError.
func inputErr(err error) error { return &InputError{err} }
