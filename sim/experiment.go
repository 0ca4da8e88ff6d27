package sim

import "time"

// Experiment is a loaded and validated experiment file. Everything in it
// has been checked against the kernel's declared parameters: running it
// can fail only for reasons outside the file (a kernel error, a full disk).
type Experiment struct {
	File        string // path as given by the user
	SHA256      string // hex SHA-256 of Source
	Source      []byte // the file's bytes, as loaded
	Name        string
	Description string
	Kernel      KernelSpec
	// Program is the program that runs the kernel, for a kernel table
	// (docs/external-kernels.md); nil for a kernel compiled into simrun.
	Program *Program
	Seed    uint64
	Budget  Budget
	Output  Output
	Run     RunSettings
	Slurm   SlurmSettings // from the [slurm] table: defaults of simrun submit
	Plots   []PlotSpec    // from [[plot]] tables, in file order
	// Warnings are what the loader found questionable but valid, such as
	// a line plot whose series would each be a single point: one line
	// each, "FILE:LINE: KEY: what and what to do", in file order, for
	// validate, plan and run to show.
	Warnings []string

	sweep Sweep
}

// Budget is the sample budget of every point.
//
// With ChunkSize set, a point's samples are split into chunks of ChunkSize,
// the last one shorter; raising Samples then adds chunks without changing
// the existing ones. With Chunks set instead, the samples are divided as
// evenly as possible: the first Samples%Chunks chunks get one more.
//
// With Targets set, the budget is adaptive: Samples (and Chunks) are the
// most a point gets, and its chunks are run in rounds, a prefix of them
// at a time, from MinChunks on, until its statistics meet every target
// or it has every chunk (stats.ReduceSequential takes the decision).
type Budget struct {
	Samples   int64 // per point, ≥ 1; the maximum, with Targets
	ChunkSize int64 // samples per chunk, or 0 when Chunks is set
	Chunks    int64 // chunks per point, ≥ 1 (derived when ChunkSize is set)

	Targets   []Target // from [samples.target], in name order; none for a fixed budget
	MinChunks int64    // the chunks of a point's first round, 2 ≤ MinChunks ≤ Chunks, with Targets
}

// A Target is the precision a point's statistic is sampled to: a
// standard error of at most Abs + Rel·|mean| (stats.Reached).
type Target struct {
	Stat  string // the name of an observable or derived quantity of the kernel
	Index int    // its place among a point's statistics: the observables, then the derived quantities
	Abs   float64
	Rel   float64
}

// Adaptive reports whether the budget samples its points to targets.
func (b Budget) Adaptive() bool { return len(b.Targets) > 0 }

// PrefixSamples returns the number of samples in the first n chunks of
// a point.
func (b Budget) PrefixSamples(n int64) int64 {
	if n >= b.Chunks {
		return b.Samples
	}
	if b.ChunkSize > 0 {
		return n * b.ChunkSize // < Samples: no overflow
	}
	q, r := b.Samples/b.Chunks, b.Samples%b.Chunks
	return n*q + min(n, r)
}

// ChunkSamples returns the number of samples in chunk c of a point.
func (b Budget) ChunkSamples(c int64) int64 {
	if b.ChunkSize > 0 {
		return min(b.ChunkSize, b.Samples-c*b.ChunkSize)
	}
	n := b.Samples / b.Chunks
	if c < b.Samples%b.Chunks {
		n++
	}
	return n
}

// Output says where results go and which tidy tables a run writes.
type Output struct {
	Dir string // results directory, relative to the working directory
	// CSV and Parquet say which tidy tables a run writes (results.csv,
	// results.parquet), from the tables key of [output]. By default both,
	// but results.csv only while the table has at most CSVRows rows (one
	// per point and statistic: the kernel's observables and derived
	// quantities); with tables given, exactly the ones it lists, whatever
	// the size. The loader resolves them, and sets at least one: an
	// Output built by hand must set them itself, as the zero value writes
	// neither.
	CSV, Parquet bool
}

// CSVRows is the most rows of a run's results.csv by default: a larger
// tidy table is written only as results.parquet, unless the tables key
// of [output] asks for "csv". Above it the CSV of a sweep is hundreds of
// megabytes (168 bytes a row for the option kernel: a sweep of 10^6
// points and 2 observables makes a results.csv of 336 MB, 2.3 s of a
// core to write), where results.parquet holds the same table, typed and
// compressed, in 95 MB.
const CSVRows = 1_000_000

// tableRows returns the number of rows of the tidy tables, one per point
// and statistic (the kernel's observables, then its derived quantities,
// as stats.ReduceAll gives them), and false if that overflows an int64.
// It costs no work per point.
func (e *Experiment) tableRows() (int64, bool) {
	return mul64(e.NumPoints(), int64(len(e.Kernel.Observables)+len(e.Kernel.Derived)))
}

// defaultTables sets the tables of an [output] table without a tables
// key: results.parquet always, results.csv up to CSVRows rows.
func (e *Experiment) defaultTables() {
	rows, ok := e.tableRows()
	e.Output.CSV = ok && rows <= CSVRows
	e.Output.Parquet = true
}

// RunSettings say how a run treats failures, from the [run] table.
type RunSettings struct {
	// Retries is how many times a chunk whose worker died (killed, out of
	// memory, over the time limit) is run again on a new worker.
	Retries int
	// Timeout is the time limit of one chunk; 0 for none.
	Timeout time.Duration
	// OnError is OnErrorStop or OnErrorContinue: what a failing chunk (a
	// kernel error or panic, or a chunk out of retries) does to the run.
	OnError string
}

// The on_error policies.
const (
	OnErrorStop     = "stop"     // stop the run at the first failed chunk (default)
	OnErrorContinue = "continue" // record the point as failed and go on
)

// SlurmSettings are the defaults of `simrun submit`, from the [slurm]
// table; its command-line flags override them. A zero field is unset:
// the flag's default applies, or the option is left to Slurm.
type SlurmSettings struct {
	// Array is the number of shards the experiment is split into, one
	// array task each, or several to a task where the cluster allows
	// fewer tasks (MaxArraySize, MaxTasks).
	Array       int
	Throttle    int    // at most this many array tasks running at once; 0 for no limit
	Partition   string // sbatch --partition
	Time        string // sbatch --time: a Slurm time limit such as "2:00:00"
	Mem         string // sbatch --mem: memory per node such as "4G"
	CPUsPerTask int    // sbatch --cpus-per-task, and the workers of each task
	// SignalBefore is how many seconds before its time limit a task gets
	// SIGTERM (sbatch --signal=B:TERM@S), to finish and journal its
	// running chunks; 0 for simrun submit's default.
	SignalBefore int
	// MergeTime and MergeMem are the merge job's time limit and memory:
	// merging needs one CPU and little time, not an array task's
	// resources. "" for simrun submit's default time and Slurm's memory.
	MergeTime, MergeMem string
	// MaxTasks caps the array tasks submitted, for a limit the cluster
	// does not publish (a QOS's MaxSubmitJobs); 0 for none but the
	// cluster's.
	MaxTasks int
	// AutoResume is how many times the merge job may submit the
	// incomplete shards again itself (simrun submit --resume); 0 for
	// never.
	AutoResume int
	Account    string   // sbatch --account
	SbatchArgs []string // further sbatch options, such as "--qos=long", one each
}

// DefaultRun is the run settings of a file without a [run] table.
var DefaultRun = RunSettings{Retries: 2, OnError: OnErrorStop}

// Point is one point of the sweep.
type Point struct {
	Index  int64  // position in the sweep's enumeration order
	Params Params // every kernel parameter, defaults filled in
	Key    string // Params.Key(), which seeds the point's chunks
}
