// Package atomicfile replaces files atomically and durably, the way every
// output of simrun is written (results, figures, chunk estimates, batch
// scripts): WriteFile writes a temporary file in the target's directory,
// syncs and closes it, renames it over the target and syncs the directory,
// so that a reader, or the machine after a crash, sees the old file or the
// complete new one, never a part. SyncDir is the last step on its own, for
// code that creates or renames files itself (the journal).
//
// Errors are returned, never panics: WriteFile's are prefixed with
// "atomicfile: write <path>: " and wrap the cause (a full disk is
// syscall.ENOSPC); SyncDir returns the os package's error as is.
package atomicfile
