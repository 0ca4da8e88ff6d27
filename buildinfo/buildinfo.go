// Package buildinfo says which build of which module a binary is: the main
// module and its version, the version of simrun it was built against, the
// VCS revision and whether the tree was modified, and which module
// provides a given package (a kernel's). It reads the information the Go
// toolchain embeds (runtime/debug.ReadBuildInfo), which -ldflags can
// complete for builds without VCS stamping.
//
// It never fails: what is unknown is reported as "(devel)" or "".
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// SimrunModule is the path of simrun's own module.
const SimrunModule = "github.com/simrun/simrun"

// Revision and Modified, when set with
//
//	-ldflags "-X github.com/simrun/simrun/buildinfo.Revision=... -X github.com/simrun/simrun/buildinfo.Modified=true"
//
// override the VCS revision and modified flag the toolchain embedded. They
// are for builds without VCS stamping (-buildvcs=false, a source tarball);
// Modified is "true" or "false", as the toolchain writes vcs.modified.
var (
	Revision string
	Modified string
)

// Info describes a build.
type Info struct {
	Module    string // the main module's path, such as example.com/heat; "" when unknown
	Version   string // the main module's version, "(devel)" when unknown
	Simrun    string // the version of simrun built in: Version for simrun's own binary, "(devel)" when unknown
	Revision  string // the VCS revision of the main module's tree, "" when unknown
	Modified  bool   // the tree had uncommitted changes
	GoVersion string // runtime.Version()

	deps map[string]*debug.Module // by path, after replacement
}

// Read returns the running binary's build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuildInfo(bi, Revision, Modified)
}

func fromBuildInfo(bi *debug.BuildInfo, revision, modified string) Info {
	info := Info{Version: "(devel)", Simrun: "(devel)", GoVersion: runtime.Version()}
	if bi != nil {
		info.Module = bi.Main.Path
		if bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
		info.deps = make(map[string]*debug.Module, len(bi.Deps))
		for _, d := range bi.Deps {
			info.deps[d.Path] = d
		}
	}
	switch {
	case info.Module == SimrunModule:
		info.Simrun = info.Version
	case info.deps[SimrunModule] != nil:
		info.Simrun = moduleVersion(info.deps[SimrunModule])
	}
	if revision != "" {
		info.Revision = revision
	}
	if modified != "" {
		info.Modified = modified == "true"
	}
	return info
}

// moduleVersion is a dependency's version, and where it was replaced.
func moduleVersion(m *debug.Module) string {
	v := m.Version
	if v == "" {
		v = "(devel)"
	}
	if r := m.Replace; r != nil {
		to := r.Path
		if r.Version != "" && r.Version != "(devel)" {
			to += "@" + r.Version
		}
		v += " => " + to
	}
	return v
}

// ModuleOf returns the module that provides the package with import path
// pkg, as "path@version" ("path" alone for the main module, whose version
// Info.Version gives), or "" when the binary does not say: the module whose
// path is the longest prefix of pkg.
func (info Info) ModuleOf(pkg string) string {
	best := ""
	if within(pkg, info.Module) {
		best = info.Module
	}
	for path := range info.deps {
		if within(pkg, path) && len(path) > len(best) {
			best = path
		}
	}
	if d := info.deps[best]; d != nil && best != info.Module {
		return best + "@" + moduleVersion(d)
	}
	return best
}

// within reports whether package pkg is in the module with path mod.
func within(pkg, mod string) bool {
	return mod != "" && (pkg == mod || strings.HasPrefix(pkg, mod+"/"))
}

// RevisionString is the revision for people: "unknown" when unknown, with
// " (modified)" for a modified tree.
func (info Info) RevisionString() string {
	r := info.Revision
	if r == "" {
		r = "unknown"
	}
	if info.Modified {
		r += " (modified)"
	}
	return r
}
