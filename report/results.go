package report

import (
	"time"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// Results is everything a run produced: where it came from, one entry per
// point, and the warnings that are not about a single point.
type Results struct {
	Provenance Provenance
	Points     []PointResult // in sweep order
	Warnings   []string
	// Partial reports that the run stopped before every point finished;
	// Points then holds only the finished ones.
	Partial bool
	// Failures lists the chunks that failed (a kernel error or panic, or a
	// chunk that kept killing its workers). Their points are not in Points.
	Failures []Failure
	// PointsOmitted counts the finished points that Points does not hold.
	// In results read back by ReadJSON, it is every point when there were
	// more than JSONPoints, and Points is empty. In a run's results, the
	// points after the first JSONPoints, which a run of a large sweep does
	// not keep in memory; Digest then sums up all of them.
	PointsOmitted int64
	// Digest, if not nil, sums up every point, for Summary and
	// WriteMarkdown, when Points does not hold them all; if nil, they sum
	// up Points.
	Digest *Digest
	// Tables names the files of the tidy table (results.csv,
	// results.parquet) that a run wrote, for Summary and WriteMarkdown to
	// point to; results.json does not record them.
	Tables []string
}

// JSONPoints is the most points WriteJSON lists. Beyond it, a point's
// statistics (a kilobyte of JSON each) are in the tidy table only.
const JSONPoints = 10_000

// jsonPointLimit is JSONPoints, lowered by tests.
var jsonPointLimit = JSONPoints

// Failure is one failed chunk: where, why, and how to reproduce it.
type Failure struct {
	Point int64  // index of the point in the sweep
	Key   string // the point's parameters, canonical
	Chunk int64
	Error string // what happened, with the stack of a panic
	Rerun string // a command that reruns exactly this chunk in-process
}

// PointResult is the reduction of one point of the sweep.
type PointResult struct {
	Index    int64        // position in the sweep's enumeration order
	Params   sim.Params   // every kernel parameter, in declaration order
	Stats    []stats.Stat // one per observable, then derived quantity, in declaration order
	Warnings []string
	// Precision is how a point of an adaptive budget ([samples.target])
	// was sampled; nil for a fixed budget.
	Precision *stats.Precision
}

// Provenance records what produced a set of results, enough to run it again
// and to tell two runs apart.
// KernelProgram is what identifies a kernel run as a program.
type KernelProgram struct {
	Command  []string       // the program and its arguments
	Files    []sim.FileHash // the SHA-256 of each file of its code
	Runtime  string         // the interpreter or compiler it reported
	Identity string         // sim.Program.Identity: a hash of the command and files
}

type Provenance struct {
	File          string // experiment file, as given by the user
	FileSHA256    string // hex SHA-256 of the file's bytes
	Experiment    string // experiment name
	Kernel        string // kernel name
	KernelVersion int    // sim.KernelSpec.Version
	KernelModule  string // the module that provides the kernel, "path@version"; "" when unknown
	// Program describes a kernel run as a program of its own
	// (docs/external-kernels.md); nil for a kernel compiled into simrun.
	Program *KernelProgram
	Seed    uint64 // experiment seed

	SeedScheme string // sim.SeedScheme: how chunk streams are derived
	Generator  string // rng.Algorithm: the generator and float conversion

	// What built the binary (package buildinfo): its main module, that
	// module's version ("(devel)" when unknown), and the version of
	// simrun it was built against (Version, for simrun's own binary).
	Module    string
	Version   string
	Simrun    string
	Revision  string // VCS revision the binary was built from, "" when unknown
	Modified  bool   // whether the working tree had uncommitted changes
	GoVersion string // runtime.Version()
	OS, Arch  string // runtime.GOOS, runtime.GOARCH
	NumCPU    int    // runtime.NumCPU()
	Workers   int    // number of workers used
	Executor  string // "processes" or "in-process"

	Start, End  time.Time
	WallSeconds float64
	Host        string
	Command     []string // os.Args

	// Runs is the history of the invocations whose chunks the results
	// hold, oldest first, the last being the one the fields above
	// describe: a run resumed after an interrupt, or rerun over a complete
	// journal, adds a record rather than erasing how its chunks were made.
	// A run killed before it wrote results has no record; the chunks it
	// journaled show as Reused by the next.
	Runs []RunRecord
}

// A RunRecord is one invocation (a run, a shard merge) that contributed to
// results, and what it computed.
type RunRecord struct {
	Start, End  time.Time
	WallSeconds float64
	Host        string
	Workers     int
	Executor    string
	Computed    int64 // chunks this invocation computed and journaled
	Reused      int64 // chunks it took from the journal, computed before
	Version     string
	Revision    string
	Command     []string
}
