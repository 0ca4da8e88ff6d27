package cli

import (
	"context"
	"fmt"

	"github.com/simrun/simrun/internal/words"
)

// repair salvages the damaged journals of a run (its own, and its
// shards'), keeping every intact chunk, so that the run resumes from them.
func (c *command) repair(_ context.Context, args []string) error {
	fs := c.newFlagSet("repair", "DIR")
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	dir := pos[0]
	done, err := c.en.Repair(dir)
	for _, r := range done {
		if r.Dropped == 0 {
			fmt.Fprintf(c.stdout, "%s: intact, %s; nothing to repair\n", r.Path, words.Count(int64(r.Kept), "chunk"))
			continue
		}
		fmt.Fprintf(c.stdout, "%s: kept %s, dropped %s of damaged records\n", r.Path, words.Count(int64(r.Kept), "intact chunk"), words.Count(r.Dropped, "byte"))
	}
	if err != nil || len(done) == 0 {
		return err
	}
	// What the run lacks now, if its experiment is known.
	if st, serr := c.en.Status(dir); serr == nil && st.Done < st.Total {
		fmt.Fprintf(c.stdout, "%s holds %d of %d chunks: `%s run` reruns the other %d\n", dir, st.Done, st.Total, c.en.Program, st.Total-st.Done)
	}
	return nil
}
