package engine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/report"
)

// FailuresFile is where a shard keeps the chunks that failed in the
// kernel on its last run, in its directory beside its journal: a shard
// writes no results.json, and its merge and resubmission must tell a
// deterministic kernel failure, which running again repeats, from a
// shard that was only stopped.
const FailuresFile = "failures.json"

// saveShardFailures records failures in the shard directory dir, or
// removes the record of an earlier run when there are none.
func saveShardFailures(dir string, failures []report.Failure) error {
	path := filepath.Join(dir, FailuresFile)
	if len(failures) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("engine: %w", err)
		}
		return nil
	}
	if err := atomicfile.WriteFile(path, func(w io.Writer) error { return report.WriteFailures(w, failures) }); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// ShardFailures returns the chunks of shard s of the run in outDir that
// failed in the kernel on its last run, none if it had no failure.
func ShardFailures(outDir string, s Shard) ([]report.Failure, error) {
	path := filepath.Join(ShardDir(outDir, s), FailuresFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer f.Close()
	failures, err := report.ReadFailures(f)
	if err != nil {
		return nil, fmt.Errorf("engine: %s: %w", path, err)
	}
	return failures, nil
}
