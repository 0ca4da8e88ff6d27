package report

import (
	"runtime/debug"
	"time"

	"github.com/simrun/simrun/sim"
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
}

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
	Index    int64      // position in the sweep's enumeration order
	Params   sim.Params // every kernel parameter, in declaration order
	Stats    []Stat     // one per observable, in declaration order
	Warnings []string
}

// Provenance records what produced a set of results, enough to run it again
// and to tell two runs apart.
type Provenance struct {
	File          string // experiment file, as given by the user
	FileSHA256    string // hex SHA-256 of the file's bytes
	Experiment    string // experiment name
	Kernel        string // kernel name
	KernelVersion int    // sim.KernelSpec.Version
	Seed          uint64 // experiment seed

	SeedScheme string // sim.SeedScheme: how chunk streams are derived
	Generator  string // rng.Algorithm: the generator and float conversion

	Version   string // module version of the binary, "(devel)" when unknown
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
}

// Revision, when set with -ldflags "-X github.com/simrun/simrun/report.Revision=...",
// overrides the VCS revision that ReadBuildInfo finds in the binary. It is
// for builds without VCS stamping (-buildvcs=false, a source tarball).
var Revision string

// ReadBuildInfo returns the main module's version, the VCS revision and
// whether the working tree was modified, from the build information
// embedded in the binary (runtime/debug.ReadBuildInfo). The version is
// "(devel)" and the revision "" when they are unknown; a non-empty Revision
// takes precedence over the embedded revision.
func ReadBuildInfo() (version, revision string, modified bool) {
	version = "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if Revision != "" {
		revision = Revision
	}
	return version, revision, modified
}
