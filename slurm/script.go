package slurm

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"text/template"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/internal/shell"
)

//go:embed array.sbatch.tmpl merge.sbatch.tmpl options.tmpl dryrun.tmpl
var templateFiles embed.FS

// templates holds array.sbatch.tmpl, merge.sbatch.tmpl and dryrun.tmpl,
// each by its file name, and the "options" template they share. In them,
// quote is shell.Quote, command "NAME" ARGS is shell.Join, and less1 N
// is N-1.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"quote":   shell.Quote,
	"command": func(name string, args []string) string { return shell.Join(name, args...) },
	"less1":   func(n int) int { return n - 1 },
}).ParseFS(templateFiles, "*.tmpl"))

// scriptData is what the script templates see: the Job, and what they
// would otherwise compute.
type scriptData struct {
	*Job
	Spec        string // the #SBATCH --array value: every task, and the throttle
	LastShard   int    // Settings.Array - 1
	LastTask    int    // Tasks() - 1
	Packed      bool   // a task runs several shards (PerTask > 1)
	Span        int    // PerTask - 1: task I runs shards PerTask·I to PerTask·I+Span
	ShardDir    string // where shard I of N journals, with I and N so written
	ArrayOutput string // the #SBATCH --output patterns
	MergeOutput string
}

func (j *Job) scriptData() scriptData {
	n := j.Settings.Array
	return scriptData{
		Job:         j,
		Spec:        ArraySpec(allShards(j.Tasks()), j.Settings.Throttle),
		LastShard:   n - 1,
		LastTask:    j.Tasks() - 1,
		Packed:      j.perTask() > 1,
		Span:        j.perTask() - 1,
		ShardDir:    filepath.Join(j.OutDir, "shards", "I-of-"+strconv.Itoa(n)),
		ArrayOutput: j.arrayOutput(),
		MergeOutput: j.mergeOutput(),
	}
}

// render executes the template named name with data. The templates are
// the package's own and their tests execute every action: only a bug in
// them gives an error.
func render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("slurm: %w", err)
	}
	return b.Bytes(), nil
}

// ArrayScript returns the text of array.sbatch, the job array: task I
// runs shard I of Settings.Array, with `simrun run --shard I/N`, or with
// PerTask P > 1 shards I·P to I·P+P-1 (`--shard I·P-J/N`), and the
// script's #SBATCH --array line lists every task. It returns Check's
// error if j does not pass it.
func (j *Job) ArrayScript() ([]byte, error) {
	if err := j.Check(); err != nil {
		return nil, err
	}
	return render("array.sbatch.tmpl", j.scriptData())
}

// MergeScript returns the text of merge.sbatch, the merge job: `simrun
// merge OUTDIR` on one CPU. It returns Check's error if j does not pass
// it.
func (j *Job) MergeScript() ([]byte, error) {
	if err := j.Check(); err != nil {
		return nil, err
	}
	return render("merge.sbatch.tmpl", j.scriptData())
}

// scripts renders both scripts.
func (j *Job) scripts() (array, merge []byte, err error) {
	if array, err = j.ArrayScript(); err != nil {
		return nil, nil, err
	}
	merge, err = j.MergeScript()
	return array, merge, err
}

// WriteScripts writes ArrayScript and MergeScript to ArrayPath and
// MergePath, creating Dir if need be. Each replaces an earlier one
// atomically (it is written to a temporary file, synced and renamed over
// the path) and is then made executable (mode 0755), so that it can also
// be run by hand. Besides Check's errors, a directory that cannot be
// created or written to for want of permission is an *InputError.
func (j *Job) WriteScripts() error {
	array, merge, err := j.scripts()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(j.Dir(), 0o755); err != nil {
		return inputErr(fmt.Errorf("slurm: cannot create the directory of the scripts: %w; choose another output directory with --out DIR", err))
	}
	for _, w := range []struct {
		path string
		text []byte
	}{{j.ArrayPath(), array}, {j.MergePath(), merge}} {
		if err := atomicfile.WriteFile(w.path, func(out io.Writer) error {
			_, err := out.Write(w.text)
			return err
		}); err != nil {
			return writeErr(err)
		}
		if err := os.Chmod(w.path, 0o755); err != nil {
			return writeErr(err)
		}
	}
	return nil
}

// writeErr wraps an error writing a script; permission denied is the
// user's to fix.
func writeErr(err error) error {
	if errors.Is(err, fs.ErrPermission) {
		return inputErr(fmt.Errorf("slurm: %w; choose another output directory with --out DIR", err))
	}
	return fmt.Errorf("slurm: %w", err)
}

// dryRunData is what dryrun.tmpl sees.
type dryRunData struct {
	*Job
	ArrayText, MergeText string
	ArrayArgs            []string // sbatch's arguments for the array, or nil for none
	MergeArgs            []string // sbatch's arguments for the merge alone, without a dependency
}

// DryRun writes to w what submitting shards of j would do, for the user
// to read or do by hand: the two scripts, each under a comment line with
// its path, then the sbatch commands that submit the array of those
// shards and the merge with its dependency on the array (the merge alone
// for no shards). Shards are indices of the array in increasing order.
// It runs nothing and writes no file.
func (j *Job) DryRun(w io.Writer, shards []int) error {
	array, merge, err := j.scripts()
	if err != nil {
		return err
	}
	if err := j.checkShards(shards); err != nil {
		return err
	}
	data := dryRunData{Job: j, ArrayText: string(array), MergeText: string(merge), MergeArgs: parsable(j.mergeArgs(""))}
	if len(shards) > 0 {
		data.ArrayArgs = parsable(j.arrayArgs(shards))
	}
	text, err := render("dryrun.tmpl", data)
	if err != nil {
		return err
	}
	_, err = w.Write(text)
	return err
}

// parsable returns args after --parsable.
func parsable(args []string) []string { return append([]string{"--parsable"}, args...) }
