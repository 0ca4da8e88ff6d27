package sim

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/sim/fmath"
)

// header is the top of a valid experiment file; the tests append tables.
const header = `kernel = "ising2d"
seed = 1
[samples]
samples = 1000
chunk_size = 100
`

// swept formats the swept parameters of every point as "L=8 T=1.5".
func swept(e *Experiment) []string {
	var out []string
	names := e.Swept()
	for i := range e.NumPoints() {
		p := e.Point(i)
		var parts []string
		for _, n := range names {
			v, _ := p.Params.Lookup(n)
			parts = append(parts, n+"="+v.String())
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func TestParse(t *testing.T) {
	for _, test := range []struct {
		name  string
		src   string
		want  []string // swept values of every point, in order
		descs []string // Axis.Desc of every axis
	}{
		{
			name:  "list",
			src:   header + "[params]\nT = 2\n[sweep]\nL = [8, 16, 32]\n",
			want:  []string{"L=8", "L=16", "L=32"},
			descs: []string{"[8, 16, 32]"},
		},
		{
			// start + (stop-start)*i/(n-1) in float64: every value is the
			// decimal one, where numpy's start + i*step gives
			// 0.30000000000000004 at index 3.
			name:  "linspace",
			src:   header + "[sweep]\nT = { linspace = [0, 1, 11] }\n",
			want:  []string{"T=0", "T=0.1", "T=0.2", "T=0.3", "T=0.4", "T=0.5", "T=0.6", "T=0.7", "T=0.8", "T=0.9", "T=1"},
			descs: []string{"linspace(0, 1, 11)"},
		},
		{
			// The formula's last value would be -1.6000000000000003
			// (evaluated in Go): the endpoint is stop itself. The inner
			// values are the formula's, evaluated in Go.
			name:  "linspace endpoint is stop",
			src:   header + "[params]\nT = 1\n[sweep]\ncoupling = { linspace = [-3, -1.6, 4] }\n",
			want:  []string{"coupling=-3", "coupling=-2.533333333333333", "coupling=-2.066666666666667", "coupling=-1.6"},
			descs: []string{"linspace(-3, -1.6, 4)"},
		},
		{
			name:  "linspace num 1",
			src:   header + "[sweep]\nT = { linspace = [1.5, 3.5, 1] }\n",
			want:  []string{"T=1.5"},
			descs: []string{"linspace(1.5, 3.5, 1)"},
		},
		{
			// 10^x is exact for these integral x.
			name:  "logspace",
			src:   header + "[sweep]\nT = { logspace = [-3, 0, 4] }\n",
			want:  []string{"T=0.001", "T=0.01", "T=0.1", "T=1"},
			descs: []string{"logspace(-3, 0, 4)"},
		},
		{
			name:  "int range",
			src:   header + "[params]\nT = 1\n[sweep]\nL = { from = 8, to = 64, step = 8 }\n",
			want:  []string{"L=8", "L=16", "L=24", "L=32", "L=40", "L=48", "L=56", "L=64"},
			descs: []string{"from 8 to 64 step 8"},
		},
		{
			name:  "int range down, to not on the grid",
			src:   header + "[params]\nT = 1\n[sweep]\nL = { from = 20, to = 9, step = -5.0 }\n",
			want:  []string{"L=20", "L=15", "L=10"},
			descs: []string{"from 20 to 9 step -5"},
		},
		{
			name: "int range of one",
			src:  header + "[params]\nT = 1\n[sweep]\nL = { from = 8, to = 8, step = 1 }\n",
			want: []string{"L=8"},
		},
		{
			// floor(0.3/0.1 + 1e-9) + 1 = 4 values although 0.3/0.1 is
			// 2.9999999999999996; the last is 3*0.1 in float64.
			name:  "float range",
			src:   header + "[sweep]\nT = { from = 0, to = 0.3, step = 0.1 }\n",
			want:  []string{"T=0", "T=0.1", "T=0.2", "T=0.30000000000000004"},
			descs: []string{"from 0 to 0.3 step 0.1"},
		},
		{
			name: "float range down",
			src:  header + "[sweep]\nT = { from = 1, to = 0, step = -0.25 }\n",
			want: []string{"T=1", "T=0.75", "T=0.5", "T=0.25", "T=0"},
		},
		{
			name:  "product, first axis slowest",
			src:   header + "[sweep]\nL = [8, 16]\nT = [1, 2, 3]\n",
			want:  []string{"L=8 T=1", "L=8 T=2", "L=8 T=3", "L=16 T=1", "L=16 T=2", "L=16 T=3"},
			descs: []string{"[8, 16]", "[1, 2, 3]"},
		},
		{
			name: "zip at its first member's place",
			src: header + `[sweep]
L = [8, 16, 32]
coupling = [0.5, 1]
T = { linspace = [1, 3, 3] }
[zip]
size = ["T", "L"]
`,
			want: []string{
				"T=1 L=8 coupling=0.5", "T=1 L=8 coupling=1",
				"T=2 L=16 coupling=0.5", "T=2 L=16 coupling=1",
				"T=3 L=32 coupling=0.5", "T=3 L=32 coupling=1",
			},
			descs: []string{`zip "size": T = linspace(1, 3, 3), L = [8, 16, 32]`, "[0.5, 1]"},
		},
		{
			name:  "bool and string lists",
			src:   header + "[params]\nT = 1\n[sweep]\nflag = [true, false]\nmethod = [\"wolff\", \"metropolis\"]\n",
			want:  []string{`flag=true method="wolff"`, `flag=true method="metropolis"`, `flag=false method="wolff"`, `flag=false method="metropolis"`},
			descs: []string{"[true, false]", `["wolff", "metropolis"]`},
		},
		{
			name:  "ints for floats, integral floats for ints",
			src:   header + "[params]\nT = 2\ncoupling = -1\n[sweep]\nL = [16.0, 3.2e1]\n",
			want:  []string{"L=16", "L=32"},
			descs: []string{"[16, 32]"},
		},
		{
			name:  "long list elided",
			src:   header + "[params]\nT = 1\n[sweep]\nL = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n",
			want:  []string{"L=2", "L=3", "L=4", "L=5", "L=6", "L=7", "L=8", "L=9", "L=10", "L=11"},
			descs: []string{"[2, 3, 4, ..., 10, 11]"},
		},
		{
			name: "dotted and quoted keys",
			src:  "kernel = \"ising2d\"\nseed = 1\nsamples.samples = 10\nsamples.chunks = 2\nparams.\"T\" = 1\nsweep . 'L' = [4, 8] # comment\n",
			want: []string{"L=4", "L=8"},
		},
		{
			name: "nothing swept",
			src:  header + "[params]\nT = 1\n",
			want: []string{""},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.NumPoints(); got != int64(len(test.want)) {
				t.Errorf("NumPoints = %d, want %d", got, len(test.want))
			}
			if got := swept(e); !slices.Equal(got, test.want) {
				t.Errorf("points:\n got %q\nwant %q", got, test.want)
			}
			if test.descs != nil {
				var descs []string
				for _, ax := range e.Axes() {
					descs = append(descs, ax.Desc)
				}
				if !slices.Equal(descs, test.descs) {
					t.Errorf("axis descriptions:\n got %q\nwant %q", descs, test.descs)
				}
			}
			for i := range e.NumPoints() {
				p := e.Point(i)
				if p.Index != i || p.Key != p.Params.Key() {
					t.Errorf("Point(%d) = {Index: %d, Key: %q}, key of params %q", i, p.Index, p.Key, p.Params.Key())
				}
				for j := range p.Params.Len() {
					if err := e.Kernel.Params[j].Check(p.Params.Value(j)); err != nil {
						t.Errorf("Point(%d): %s %v", i, p.Params.Name(j), err)
					}
				}
			}
		})
	}
}

// TestParseNegativeZero checks that -0 is loaded as 0 wherever a float
// parameter value comes from, so that the key of its point is "name=0",
// and that descriptions show 0.
func TestParseNegativeZero(t *testing.T) {
	negZero := math.Copysign(0, -1)
	cat := fakeCatalog{"ising2d": testCatalog["ising2d"], "z": {
		Name:   "z",
		Params: []ParamSpec{{Name: "r", Kind: Float, Default: FloatValue(negZero)}},
	}}
	for _, test := range []struct {
		name string
		src  string
		keys []string // Point.Key of every point
		desc string   // Axis.Desc of the only axis, if any
	}{
		{
			name: "default",
			src:  "kernel = \"z\"\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n",
			keys: []string{"r=0"},
		},
		{
			name: "[params]",
			src:  header + "[params]\nT = -0.0\ncoupling = -0.0\n",
			keys: []string{`L=16,T=0,coupling=0,flag=false,method="metropolis"`},
		},
		{
			name: "list",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = [-0.0, 1.5]\n",
			keys: []string{`L=16,T=1,coupling=0,flag=false,method="metropolis"`, `L=16,T=1,coupling=1.5,flag=false,method="metropolis"`},
			desc: "[0, 1.5]",
		},
		{
			name: "linspace start",
			src:  header + "[sweep]\nT = { linspace = [-0.0, 1, 3] }\n",
			keys: []string{`L=16,T=0,coupling=1,flag=false,method="metropolis"`, `L=16,T=0.5,coupling=1,flag=false,method="metropolis"`, `L=16,T=1,coupling=1,flag=false,method="metropolis"`},
			desc: "linspace(0, 1, 3)",
		},
		{
			name: "linspace stop",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = { linspace = [-1, -0.0, 2] }\n",
			keys: []string{`L=16,T=1,coupling=-1,flag=false,method="metropolis"`, `L=16,T=1,coupling=0,flag=false,method="metropolis"`},
			desc: "linspace(-1, 0, 2)",
		},
		{
			name: "linspace of one",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = { linspace = [-0.0, 5, 1] }\n",
			keys: []string{`L=16,T=1,coupling=0,flag=false,method="metropolis"`},
			desc: "linspace(0, 5, 1)",
		},
		{
			// 10^-0 is 1 anyway: only the description changes.
			name: "logspace",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = { logspace = [-0.0, 1, 2] }\n",
			keys: []string{`L=16,T=1,coupling=1,flag=false,method="metropolis"`, `L=16,T=1,coupling=10,flag=false,method="metropolis"`},
			desc: "logspace(0, 1, 2)",
		},
		{
			// from + 0*step would be -0 + -0 = -0.
			name: "float range from",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = { from = -0.0, to = -1, step = -0.5 }\n",
			keys: []string{`L=16,T=1,coupling=0,flag=false,method="metropolis"`, `L=16,T=1,coupling=-0.5,flag=false,method="metropolis"`, `L=16,T=1,coupling=-1,flag=false,method="metropolis"`},
			desc: "from 0 to -1 step -0.5",
		},
		{
			name: "float range to",
			src:  header + "[params]\nT = 1\n[sweep]\ncoupling = { from = 1, to = -0.0, step = -0.5 }\n",
			keys: []string{`L=16,T=1,coupling=1,flag=false,method="metropolis"`, `L=16,T=1,coupling=0.5,flag=false,method="metropolis"`, `L=16,T=1,coupling=0,flag=false,method="metropolis"`},
			desc: "from 1 to 0 step -0.5",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), cat)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var keys []string
			for i := range e.NumPoints() {
				p := e.Point(i)
				keys = append(keys, p.Key)
				for j := range p.Params.Len() {
					if v := p.Params.Value(j); v.Kind == Float && math.Signbit(v.F) && v.F == 0 {
						t.Errorf("Point(%d): %s is -0", i, p.Params.Name(j))
					}
				}
			}
			if !slices.Equal(keys, test.keys) {
				t.Errorf("keys:\n got %q\nwant %q", keys, test.keys)
			}
			if axes := e.Axes(); test.desc != "" && (len(axes) != 1 || axes[0].Desc != test.desc) {
				t.Errorf("axes = %+v, want one described as %q", axes, test.desc)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	src := "kernel = \"ising2d\"\nseed = 7\n[params]\nT = 2\n[samples]\nsamples = 1e6\nchunks = 3\n"
	e, err := Parse("dir/my-exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "my-exp" || e.Output.Dir != "results/my-exp" {
		t.Errorf("Name, Output.Dir = %q, %q; want the file's base name and results/ under it", e.Name, e.Output.Dir)
	}
	if e.Seed != 7 || e.Kernel.Name != "ising2d" || e.File != "dir/my-exp.toml" {
		t.Errorf("Seed, Kernel, File = %d, %q, %q", e.Seed, e.Kernel.Name, e.File)
	}
	if want := (Budget{Samples: 1e6, Chunks: 3}); !reflect.DeepEqual(e.Budget, want) {
		t.Errorf("Budget = %+v, want %+v", e.Budget, want)
	}
	if got, want := e.Point(0).Key, `L=16,T=2,coupling=1,flag=false,method="metropolis"`; got != want {
		t.Errorf("key = %q, want %q (defaults filled in)", got, want)
	}
	if got := e.Fixed(); !slices.Equal(got, []string{"T"}) {
		t.Errorf("Fixed = %q", got)
	}
	if n, ok := e.NumChunks(); n != 3 || !ok {
		t.Errorf("NumChunks = %d, %t; want 3, true", n, ok)
	}
	if string(e.Source) != src || len(e.SHA256) != 64 {
		t.Errorf("Source or SHA256 not recorded")
	}
}

func TestParseFields(t *testing.T) {
	src := `name = "demo.v2"
description = "a demo"
kernel = "ising2d"
seed = 9223372036854775807
[params]
method = "wolff"
T = 2.5
[sweep]
coupling = [1, 2]
L = [4, 8, 16]
[samples]
samples = 250
chunk_size = 100
[output]
dir = "/tmp/out"
`
	e, err := Parse("x.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "demo.v2" || e.Description != "a demo" || e.Seed != 1<<63-1 || e.Output.Dir != "/tmp/out" {
		t.Errorf("got name %q, description %q, seed %d, dir %q", e.Name, e.Description, e.Seed, e.Output.Dir)
	}
	if want := (Budget{Samples: 250, ChunkSize: 100, Chunks: 3}); !reflect.DeepEqual(e.Budget, want) {
		t.Errorf("Budget = %+v, want %+v", e.Budget, want)
	}
	if got := e.Fixed(); !slices.Equal(got, []string{"method", "T"}) {
		t.Errorf("Fixed = %q, want file order", got)
	}
	if got := e.Swept(); !slices.Equal(got, []string{"coupling", "L"}) {
		t.Errorf("Swept = %q, want file order", got)
	}
	axes := e.Axes()
	if len(axes) != 2 || axes[0].Len != 2 || axes[1].Len != 3 || !slices.Equal(axes[1].Names, []string{"L"}) {
		t.Errorf("Axes = %+v", axes)
	}
	if n, ok := e.NumChunks(); n != 18 || !ok {
		t.Errorf("NumChunks = %d, %t; want 6 points × 3 chunks", n, ok)
	}
	if err := e.CheckRunnable(); err != nil {
		t.Errorf("CheckRunnable: %v", err)
	}

	// A chunk size above samples gives one chunk.
	e, err = Parse("x.toml", []byte(strings.Replace(src, "chunk_size = 100", "chunk_size = 1000", 1)), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Budget{Samples: 250, ChunkSize: 1000, Chunks: 1}); !reflect.DeepEqual(e.Budget, want) {
		t.Errorf("Budget = %+v, want %+v", e.Budget, want)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ising-demo.toml")
	if err := os.WriteFile(path, []byte(header+"[params]\nT = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := Load(path, testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "ising-demo" || e.File != path {
		t.Errorf("Name, File = %q, %q", e.Name, e.File)
	}
	if _, err := Load(path+".missing", testCatalog); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("Load of a missing file: %v, want a wrapped not-exist error", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestRunSettings(t *testing.T) {
	e, err := Parse("run.toml", []byte(header+"[params]\nT = 1\n[run]\nretries = 5\ntimeout = \"90s\"\non_error = \"continue\"\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if want := (RunSettings{Retries: 5, Timeout: 90 * time.Second, OnError: OnErrorContinue}); e.Run != want {
		t.Errorf("Run = %+v, want %+v", e.Run, want)
	}
	e, err = Parse("run.toml", []byte(header+"[params]\nT = 1\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if e.Run != DefaultRun {
		t.Errorf("Run = %+v without a [run] table, want %+v", e.Run, DefaultRun)
	}
}

func TestParseInvalid(t *testing.T) {
	for _, test := range []struct {
		name string
		src  string
		line int    // the error's line
		key  string // the error's key
		hint string // in the message
	}{
		{"malformed TOML", header + "[params]\nT = [1,\n", 7, "", "malformed TOML"},
		{"duplicate key", header + "[params]\nT = 1\nT = 2\n", 8, "", "already been defined"},
		{"unknown top-level key", "kernal = \"ising2d\"\n" + header, 1, "kernal", `did you mean "kernel"? valid: name, description, kernel`},
		{"unknown kernel", "kernel = \"isng2d\"\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel", `unknown kernel "isng2d"; did you mean "ising2d"? valid: ising2d, pi`},
		{"kernel not a string", "kernel = 3\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel", "want a kernel name as a string, such as kernel = \"ising2d\", or a program"},
		{"kernel table without command", "kernel = { files = [\"a.py\"] }\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel", "has no command"},
		{"kernel table unknown key", "seed = 1\n[kernel]\ncommand = [\"x\"]\ncomand = 1\n[samples]\nsamples = 1\nchunks = 1\n", 4, "kernel.comand", "unknown key; did you mean \"command\"? valid: command, files"},
		{"kernel command not strings", "kernel = { command = [\"python3\", 3] }\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel.command", "index 1: is the integer 3, want a non-empty string"},
		{"kernel command empty", "kernel = { command = [] }\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel.command", "is empty"},
		{"kernel program in a plain catalog", "kernel = { command = [\"python3\", \"walk.py\"] }\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 1, "kernel.command", "runs only the kernels compiled into it"},
		{"kernel missing", "seed = 1\n[samples]\nsamples = 1\nchunks = 1\n", 0, "kernel", "missing: name the kernel"},
		{"unknown parameter", header + "[params]\nT = 1\ncoupleing = 2\n", 8, "params.coupleing", `unknown parameter of kernel "ising2d"; did you mean "coupling"? valid: L, T, coupling, flag, method`},
		{"unknown parameter, no suggestion", header + "[params]\nT = 1\nzzz = 2\n", 8, "params.zzz", `unknown parameter of kernel "ising2d"; valid: L, T, coupling, flag, method`},
		{"unknown swept parameter", header + "[params]\nT = 1\n[sweep]\nLL = [1]\n", 9, "sweep.LL", `did you mean "L"?`},
		{"top-level key after a table", "kernel = \"ising2d\"\n[samples]\nsamples = 1\nchunks = 1\nseed = 1\n", 5, "samples.seed", "seed is a top-level key: write it before the first [table]"},
		{"unknown samples key", header + "chunksize = 3\n[params]\nT = 1\n", 6, "samples.chunksize", `did you mean "chunk_size"?`},
		{"unknown output key", header + "[params]\nT = 1\n[output]\ndirectory = \"x\"\n", 9, "output.directory", `did you mean "dir"?`},
		{"unknown sweep table key", header + "[sweep]\nT = { linspaec = [1, 2, 3] }\n", 7, "sweep.T.linspaec", `did you mean "linspace"? valid: linspace, logspace, from, to, step`},
		{"table not a table", "params = 3\n" + header, 1, "params", "want a table: a [params] header"},
		{"run retries negative", header + "[params]\nT = 1\n[run]\nretries = -1\n", 9, "run.retries", "want an integer in [0, 100]"},
		{"run timeout not a duration", header + "[params]\nT = 1\n[run]\ntimeout = 10\n", 9, "run.timeout", `such as timeout = "10m"`},
		{"run on_error unknown", header + "[params]\nT = 1\n[run]\non_error = \"ignore\"\n", 9, "run.on_error", `want "stop"`},
		{"run unknown key", header + "[params]\nT = 1\n[run]\nretires = 1\n", 9, "run.retires", `did you mean "retries"?`},
		{"name invalid", "name = \"my exp\"\n" + header + "[params]\nT = 1\n", 1, "name", "not a valid name"},
		{"seed missing", "kernel = \"ising2d\"\n[params]\nT = 1\n[samples]\nsamples = 1\nchunks = 1\n", 0, "seed", "such as seed = 1"},
		{"seed negative", "kernel = \"ising2d\"\nseed = -1\n[params]\nT = 1\n[samples]\nsamples = 1\nchunks = 1\n", 2, "seed", "is -1, want an integer in [0, 2^63-1], such as seed = 1"},
		{"seed a string", "kernel = \"ising2d\"\nseed = \"x\"\n[params]\nT = 1\n[samples]\nsamples = 1\nchunks = 1\n", 2, "seed", "such as seed = 1"},
		{"seed fractional", "kernel = \"ising2d\"\nseed = 1.5\n[params]\nT = 1\n[samples]\nsamples = 1\nchunks = 1\n", 2, "seed", "is the float 1.5, want an integer"},
		{"string for a float", header + "[params]\nT = \"hot\"\n", 7, "params.T", `is the string "hot", want a number: T is a float parameter`},
		{"fractional float for an int", header + "[params]\nT = 1\nL = 2.5\n", 8, "params.L", "is 2.5, want an integer: L is an int parameter"},
		{"number for a bool", header + "[params]\nT = 1\nflag = 1\n", 8, "params.flag", "want true or false"},
		{"wrong type in a list", header + "[params]\nT = 1\n[sweep]\nL = [8,\n 2.5]\n", 9, "sweep.L", "index 1: is 2.5, want an integer"},
		{"bool in a linspace", header + "[params]\nT = 1\n[sweep]\nflag = { linspace = [0, 1, 2] }\n", 9, "sweep.flag", "flag is a bool parameter; linspace needs a number parameter: list the values instead"},
		{"string in a range", header + "[params]\nT = 1\n[sweep]\nmethod = { from = 0, to = 1, step = 1 }\n", 9, "sweep.method", `list the values instead, such as method = ["metropolis"]`},
		{"int in a logspace", header + "[params]\nT = 1\n[sweep]\nL = { logspace = [1, 3, 3] }\n", 9, "sweep.L.logspace", "L is an int parameter and logspace gives floats"},
		{"fractional int range", header + "[params]\nT = 1\n[sweep]\nL = { from = 2, to = 8, step = 0.5 }\n", 9, "sweep.L.step", "is the float 0.5, want an integer"},
		{"sweep value not a list", header + "[sweep]\nT = 3\n", 7, "sweep.T", "want a list of values such as [0.5, 1.0], or a table such as { linspace"},
		{"two forms", header + "[sweep]\nT = { linspace = [1, 2, 3], from = 1 }\n", 7, "sweep.T", "want exactly one of"},
		{"range missing step", header + "[sweep]\nT = { from = 1, to = 2 }\n", 7, "sweep.T", "missing step"},
		{"linspace not three", header + "[sweep]\nT = { linspace = [1, 2] }\n", 7, "sweep.T.linspace", "want [start, stop, num]"},
		{"linspace infinite", header + "[sweep]\nT = { linspace = [1, inf, 3] }\n", 7, "sweep.T.linspace", "must be finite"},
		{"out of range", header + "[params]\nT = 1\nL = 5000\n", 8, "params.L", "is 5000, outside the valid range [2, 4096]"},
		{"not a choice", header + "[params]\nT = 1\nmethod = \"gibbs\"\n", 8, "params.method", `want one of "metropolis", "wolff"`},
		{"not finite", header + "[params]\nT = 1\ncoupling = nan\n", 8, "params.coupling", "want a finite number"},
		{"out of range in a list", header + "[params]\nT = 1\n[sweep]\nL = [8, 16, 5000, 1]\n", 9, "sweep.L", "index 2: is 5000, outside the valid range [2, 4096]"},
		{"linspace start out of range", header + "[sweep]\nT = { linspace = [-1, 2, 4] }\n", 7, "sweep.T.linspace", "index 0: is -1, outside the valid range [0, +inf)"},
		{"linspace stop out of range", header + "[sweep]\nT = { linspace = [1, -1, 3] }\n", 7, "sweep.T.linspace", "index 2: is -1, outside"},
		{"logspace overflows", header + "[sweep]\nT = { logspace = [0, 400, 3] }\n", 7, "sweep.T.logspace", "index 2: is +Inf, want a finite number"},
		{"int range end out of range", header + "[params]\nT = 1\n[sweep]\nL = { from = 2, to = 8192, step = 2 }\n", 9, "sweep.L", "index 4095: is 8192, outside the valid range [2, 4096]"},
		{"float range start out of range", header + "[sweep]\nT = { from = -0.5, to = 1, step = 0.5 }\n", 7, "sweep.T", "index 0: is -0.5, outside"},
		{"in params and sweep", header + "[params]\nT = 1\n[sweep]\nT = [1, 2]\n", 9, "sweep.T", "is also set in [params] (line 7); a parameter is either fixed"},
		{"required missing", header + "[params]\nL = 8\n", 6, "params.T", `required parameter of kernel "ising2d" (temperature) is not set; set it in [params], such as T = ..., or sweep it`},
		{"empty list", header + "[sweep]\nT = []\n", 7, "sweep.T", "is an empty list; give at least one value"},
		{"num zero", header + "[sweep]\nT = { linspace = [1, 2, 0] }\n", 7, "sweep.T.linspace", "num is 0, want an integer ≥ 1"},
		{"num fractional", header + "[sweep]\nT = { logspace = [1, 2, 2.5] }\n", 7, "sweep.T.logspace", "num is the float 2.5, want an integer ≥ 1"},
		{"step zero", header + "[sweep]\nT = { from = 1, to = 2, step = 0 }\n", 7, "sweep.T.step", "is 0; want a nonzero step"},
		{"step away from to", header + "[params]\nT = 1\n[sweep]\nL = { from = 64, to = 8, step = 8 }\n", 9, "sweep.L.step", "is 8, but to < from; want a negative step"},
		{"step away from to, float", header + "[sweep]\nT = { from = 1, to = 2, step = -0.5 }\n", 7, "sweep.T.step", "is -0.5, but to > from; want a positive step"},
		{"repeated value", header + "[params]\nT = 1\n[sweep]\nL = [8, 16, 8]\n", 9, "sweep.L", "index 2: 8 repeats index 0"},
		{"constant linspace", header + "[sweep]\nT = { linspace = [2, 2, 3] }\n", 7, "sweep.T", "all 3 values are 2: start equals stop"},
		{"zero repeated as -0", header + "[params]\nT = 1\n[sweep]\ncoupling = [0.0, 1, -0.0]\n", 9, "sweep.coupling", "index 2: 0 repeats index 0"},
		{"-0 repeated as zero", header + "[params]\nT = 1\n[sweep]\ncoupling = [-0.0, 0]\n", 9, "sweep.coupling", "index 1: 0 repeats index 0"},
		{"constant linspace from -0 to 0", header + "[sweep]\nT = { linspace = [-0.0, 0.0, 3] }\n", 7, "sweep.T", "all 3 values are 0: start equals stop"},
		{"samples zero", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nsamples = 0\nchunks = 1\n", 6, "samples.samples", "is 0, want a positive integer"},
		{"samples missing", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nchunks = 1\n", 5, "samples.samples", "missing: add samples = N"},
		{"samples table missing", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n", 0, "samples", "missing: add a [samples] table"},
		{"chunk_size zero", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nsamples = 10\nchunk_size = 0\n", 7, "samples.chunk_size", "is 0, want a positive integer"},
		{"chunks negative", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nsamples = 10\nchunks = -2\n", 7, "samples.chunks", "is -2, want a positive integer"},
		{"chunks above samples", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nsamples = 10\nchunks = 20\n", 7, "samples.chunks", "more than samples = 10: every chunk needs at least one sample"},
		{"neither chunk_size nor chunks", "kernel = \"ising2d\"\nseed = 1\n[params]\nT = 1\n[samples]\nsamples = 10\n", 5, "samples", "neither is set: set exactly one of chunk_size or chunks. chunk_size = N fixes the samples per chunk, so raising samples later adds chunks"},
		{"both chunk_size and chunks", header + "chunks = 3\n[params]\nT = 1\n", 3, "samples", "both are set: set exactly one"},
		{"output dir empty", header + "[params]\nT = 1\n[output]\ndir = \"\"\n", 9, "output.dir", "is empty"},
		{"output not a table", "output = \"out\"\n" + header + "[params]\nT = 1\n", 1, "output", "want a table: an [output] header followed by dir or tables"},
		{"output tables unknown key", header + "[params]\nT = 1\n[output]\ntable = [\"csv\"]\n", 9, "output.table", `unknown key; did you mean "tables"? valid: dir, tables`},
		{"output tables empty", header + "[params]\nT = 1\n[output]\ntables = []\n", 9, "output.tables", `is an empty list, want "csv", "parquet" or both: a run must write results.csv or results.parquet`},
		{"output tables duplicate", header + "[params]\nT = 1\n[output]\ntables = [\"csv\", \"parquet\", \"csv\"]\n", 9, "output.tables", `index 2: "csv" repeats index 0`},
		{"output tables unknown", header + "[params]\nT = 1\n[output]\ntables = [\"csv\", \"parket\"]\n", 9, "output.tables", `index 1: unknown table "parket"; did you mean "parquet"? valid: csv, parquet`},
		{"output tables unknown, no suggestion", header + "[params]\nT = 1\n[output]\ntables = [\n  \"parquet\",\n  \"json\",\n]\n", 9, "output.tables", `index 1: unknown table "json"; valid: csv, parquet`},
		{"output tables a string", header + "[params]\nT = 1\n[output]\ntables = \"parquet\"\n", 9, "output.tables", `is the string "parquet", want a list of tables such as tables = ["parquet"]; valid: csv, parquet`},
		{"output tables not strings", header + "[params]\nT = 1\n[output]\ntables = [\"csv\", 3]\n", 9, "output.tables", `index 1: is the integer 3, want "csv" or "parquet"`},
		{"zip member not swept", header + "[params]\nT = 1\n[sweep]\nL = [8, 16]\ncoupling = [1, 2]\n[zip]\ng = [\"L\", \"T\"]\n", 12, "zip.g", `index 1: "T" is not a parameter in [sweep]; valid: L, coupling`},
		{"zip lengths differ", header + "[sweep]\nL = [8, 16]\nT = { linspace = [1, 2, 3] }\n[zip]\ng = [\"L\", \"T\"]\n", 10, "zip.g", "lengths differ: L has 2, T has 3 values"},
		{"zip member in two groups", header + "[params]\nT = 1\n[sweep]\nL = [8, 16]\ncoupling = [1, 2]\nflag = [true, false]\n[zip]\ng = [\"L\", \"coupling\"]\nh = [\"flag\", \"L\"]\n", 14, "zip.h", `index 1: "L" is already in zip group "g"`},
		{"zip empty", header + "[params]\nT = 1\n[zip]\ng = []\n", 9, "zip.g", "is an empty list, want a list of swept parameters"},
		{"zip repeated combination", header + "[sweep]\nL = [8, 8]\nT = [1, 1]\n[zip]\ng = [\"L\", \"T\"]\n", 10, "zip.g", "index 1 repeats index 0 (8,1)"},
		{"zip repeated combination with -0", header + "[sweep]\nL = [8, 8]\nT = [-0.0, 0]\n[zip]\ng = [\"L\", \"T\"]\n", 10, "zip.g", "index 1 repeats index 0 (8,0)"},
		{"too many points", header + "[sweep]\nT = { from = 0, to = 1e18, step = 1 }\ncoupling = { from = 0, to = 1e18, step = 1 }\n", 6, "sweep", "has more than 2^63-1 points (T: 1000000000000000001 × coupling: 1000000000000000001)"},
		{"too many values", header + "[params]\nT = 1\n[sweep]\ncoupling = { from = 0, to = 1e300, step = 1 }\n", 9, "sweep.coupling", "has more than 2^62 values; want a larger step"},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatalf("Parse succeeded with %d points, want an error", e.NumPoints())
			}
			fe := findError(t, err, test.line, test.key, test.hint)
			if fe == nil {
				t.Fatalf("no error at line %d, key %q containing %q; got:\n%v", test.line, test.key, test.hint, err)
			}
			loc := "exp.toml:"
			if test.line > 0 {
				loc += strconv.Itoa(test.line) + ":"
			}
			if !strings.Contains(fe.Error(), loc) {
				t.Errorf("error %q does not name %q", fe, loc)
			}
		})
	}
}

func TestParseDefaultNameInvalid(t *testing.T) {
	_, err := Parse("my exp.toml", []byte(header+"[params]\nT = 1\n"), testCatalog)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	fe := fileErrors(t, err)
	want := `sim: my exp.toml: name: missing, and the file name "my exp" does not give a valid default; add name = "my-experiment"`
	if len(fe) != 1 || fe[0].Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParseSeveralErrors(t *testing.T) {
	src := `kernel = "ising2d"
seed = -3
bogus = 1
[params]
L = 1
[sweep]
T = []
[samples]
samples = 10
`
	_, err := Parse("exp.toml", []byte(src), testCatalog)
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	var got []string
	for _, e := range fileErrors(t, err) {
		got = append(got, e.Key)
	}
	// In file order.
	want := []string{"seed", "bogus", "params.L", "sweep.T", "samples"}
	if !slices.Equal(got, want) {
		t.Errorf("error keys = %q, want %q\n%v", got, want, err)
	}
}

// TestHugeSweep checks that a sweep of 10^9 points loads and indexes at
// once, and that only CheckRunnable refuses it.
func TestHugeSweep(t *testing.T) {
	src := header + `[sweep]
T = { linspace = [1, 2, 1000] }
coupling = { logspace = [-1, 1, 1000] }
L = { from = 2, to = 1001, step = 1 }
`
	start := time.Now()
	e, err := Parse("huge.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.NumPoints(); n != 1e9 {
		t.Fatalf("NumPoints = %d, want 1e9", n)
	}
	p := e.Point(999_999_999)
	if want := `L=1001,T=2,coupling=10,flag=false,method="metropolis"`; p.Key != want {
		t.Errorf("last point's key = %q, want %q", p.Key, want)
	}
	// Index 1000 is digit 1 of the middle axis, digit 0 of the others.
	if p := e.Point(1000); p.Params.Int("L") != 2 || p.Params.Float("T") != 1 || p.Params.Float("coupling") != fmath.Pow10(-1+2.0/999) {
		t.Errorf("Point(1000) = %s, want L=2, T=1, coupling=10^(-1+2/999)", p.Key)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("loading and indexing took %v, want it instant", elapsed)
	}
	if n, ok := e.NumChunks(); n != 1e10 || !ok {
		t.Errorf("NumChunks = %d, %t; want 1e10, true", n, ok)
	}
	err = e.CheckRunnable()
	if err == nil {
		t.Fatal("CheckRunnable accepted 10^10 chunks")
	}
	fe := fileErrors(t, err)[0]
	for _, want := range []string{"huge.toml", "1000000000 points × 10 chunks per point = 10000000000 chunks", "limit of 4294967296", "fewer sweep values", "larger samples.chunk_size"} {
		if !strings.Contains(fe.Error(), want) {
			t.Errorf("CheckRunnable error %q does not contain %q", fe, want)
		}
	}
}

func TestPointOutOfRange(t *testing.T) {
	e, err := Parse("exp.toml", []byte(header+"[params]\nT = 1\n[sweep]\nL = [8, 16]\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{-1, 2, 1 << 62} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Point(%d) did not panic", i)
				}
			}()
			e.Point(i)
		}()
	}
}

// TestPointParams: PointParams is Point's Params, without the key.
func TestPointParams(t *testing.T) {
	e, err := Parse("exp.toml", []byte(header+"[sweep]\nL = [8, 16]\nT = { linspace = [1.5, 3, 3] }\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	for i := range e.NumPoints() {
		if got, want := e.PointParams(i), e.Point(i).Params; got.Key() != want.Key() || got.Len() != want.Len() {
			t.Errorf("PointParams(%d) = %s, want %s", i, got.Key(), want.Key())
		}
	}
}

func TestNumChunksOverflow(t *testing.T) {
	src := "kernel = \"ising2d\"\nseed = 1\n[samples]\nsamples = 9e18\nchunk_size = 1\n[sweep]\nT = [1, 2]\n"
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.NumChunks(); ok {
		t.Error("NumChunks did not report overflow of 2 × 9e18")
	}
	if err := e.CheckRunnable(); err == nil || !strings.Contains(err.Error(), "more than 2^63 chunks") {
		t.Errorf("CheckRunnable = %v, want the overflow explained", err)
	}
}

// TestDocPlotExamples parses the other ```toml blocks of
// docs/experiment-file.md that have [[plot]] tables, completed into files.
func TestDocPlotExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiment-file.md")
	if err != nil {
		t.Skipf("docs not available: %v", err)
	}
	blocks := strings.Split(string(doc), "```toml\n")[2:]
	n := 0
	for _, b := range blocks {
		b, _, _ = strings.Cut(b, "```")
		if !strings.Contains(b, "[[plot]]") {
			continue
		}
		n++
		src := header + b
		if !strings.Contains(b, "[sweep]") {
			src = header + "[sweep]\nL = [8, 16, 32]\nT = { linspace = [1.5, 3.5, 21] }\n" + b
		}
		e, err := Parse("doc.toml", []byte(src), testCatalog)
		if err != nil {
			t.Errorf("example %d: %v\n%s", n, err, b)
			continue
		}
		if len(e.Plots) != 1 {
			t.Errorf("example %d: %d plots, want 1", n, len(e.Plots))
		}
	}
	if n != 2 {
		t.Errorf("found %d [[plot]] examples, want 2", n)
	}
}

// TestAppendKey: AppendKey writes Point's Key for every point, whichever
// parameters are swept, fixed or left at their defaults.
func TestAppendKey(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"nothing swept", header + "[params]\nT = 1\n"},
		{"one axis of floats", header + "[sweep]\nT = { linspace = [1.5, 3.5, 21] }\n"},
		{"a product", header + "[params]\nT = -0.0\nmethod = \"wolff\"\n[sweep]\nL = [8, 16]\ncoupling = { logspace = [-3, 0, 4] }\nflag = [true, false]\n"},
		{"a zip and an axis", header + "[sweep]\nT = { from = 0, to = 1, step = 0.25 }\ncoupling = [1, 2, 3, 4, 5]\nL = [4, 8]\n[zip]\nz = [\"T\", \"coupling\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(tc.src), testCatalog)
			if err != nil {
				t.Fatal(err)
			}
			var b []byte
			for i := range e.NumPoints() {
				b = e.AppendKey(b[:0], i)
				if want := e.Point(i).Key; string(b) != want {
					t.Fatalf("AppendKey(%d) = %q, want %q", i, b, want)
				}
			}
		})
	}
}
