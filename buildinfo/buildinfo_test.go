package buildinfo

import (
	"reflect"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	simrunDep := &debug.Module{Path: SimrunModule, Version: "v0.3.0"}
	for _, tc := range []struct {
		name               string
		bi                 *debug.BuildInfo
		revision, modified string
		want               Info
	}{
		{
			name: "no build info",
			want: Info{Version: "(devel)", Simrun: "(devel)"},
		},
		{
			name: "simrun's own binary",
			bi: &debug.BuildInfo{Main: debug.Module{Path: SimrunModule, Version: "v0.3.0"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			want: Info{Module: SimrunModule, Version: "v0.3.0", Simrun: "v0.3.0", Revision: "abc", Modified: true},
		},
		{
			name: "a researcher's module",
			bi:   &debug.BuildInfo{Main: debug.Module{Path: "example.com/heat"}, Deps: []*debug.Module{simrunDep}},
			want: Info{Module: "example.com/heat", Version: "(devel)", Simrun: "v0.3.0"},
		},
		{
			name: "simrun replaced by a directory",
			bi: &debug.BuildInfo{Main: debug.Module{Path: "example.com/heat"},
				Deps: []*debug.Module{{Path: SimrunModule, Version: "v0.0.0", Replace: &debug.Module{Path: "../..", Version: "(devel)"}}}},
			want: Info{Module: "example.com/heat", Version: "(devel)", Simrun: "v0.0.0 => ../.."},
		},
		{
			name:     "stamped by -ldflags over an unstamped build",
			bi:       &debug.BuildInfo{Main: debug.Module{Path: SimrunModule}},
			revision: "def", modified: "true",
			want: Info{Module: SimrunModule, Version: "(devel)", Simrun: "(devel)", Revision: "def", Modified: true},
		},
		{
			name: "-ldflags say a stamped tree is clean",
			bi: &debug.BuildInfo{Main: debug.Module{Path: SimrunModule},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}},
			modified: "false",
			want:     Info{Module: SimrunModule, Version: "(devel)", Simrun: "(devel)", Revision: "abc"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fromBuildInfo(tc.bi, tc.revision, tc.modified)
			got.deps, got.GoVersion = nil, ""
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestModuleOf(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "example.com/heat"}, Deps: []*debug.Module{
		{Path: SimrunModule, Version: "v0.3.0"},
		{Path: "example.com/heat/kernels", Version: "v1.2.0"}, // a nested module
		{Path: "example.com/heatwave", Version: "v2.0.0"},
	}}
	info := fromBuildInfo(bi, "", "")
	for _, tc := range []struct{ pkg, want string }{
		{"github.com/simrun/simrun/kernels", SimrunModule + "@v0.3.0"},
		{"example.com/heat/internal/model", "example.com/heat"},
		{"example.com/heat", "example.com/heat"},
		{"example.com/heat/kernels/diffusion", "example.com/heat/kernels@v1.2.0"},
		{"example.com/heatwave/k", "example.com/heatwave@v2.0.0"},
		{"example.org/other", ""},
	} {
		if got := info.ModuleOf(tc.pkg); got != tc.want {
			t.Errorf("ModuleOf(%q) = %q, want %q", tc.pkg, got, tc.want)
		}
	}
}

// TestRead checks what the test binary itself says: its main module is
// simrun's, and Revision overrides the embedded revision.
func TestRead(t *testing.T) {
	if got := Read(); got.Module != SimrunModule || got.Simrun != got.Version {
		t.Errorf("Read() = %+v, want module %s with Simrun = Version", got, SimrunModule)
	}
	defer func(r, m string) { Revision, Modified = r, m }(Revision, Modified)
	Revision, Modified = "abc123", "true"
	if got := Read(); got.Revision != "abc123" || !got.Modified || got.RevisionString() != "abc123 (modified)" {
		t.Errorf("with Revision and Modified set, Read() = %+v (%s)", got, got.RevisionString())
	}
}
