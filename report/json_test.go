package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func TestJSONRoundTrip(t *testing.T) {
	for _, test := range []struct {
		name    string
		results func() *Results
	}{
		{name: "fixed budget", results: testResults},
		{name: "adaptive budget", results: adaptiveResults},
	} {
		t.Run(test.name, func(t *testing.T) { testJSONRoundTrip(t, test.results()) })
	}
}

func testJSONRoundTrip(t *testing.T, want *Results) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteJSON(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}

	// Provenance: exact, with times compared as instants.
	gp, wp := got.Provenance, want.Provenance
	if !gp.Start.Equal(wp.Start) || !gp.End.Equal(wp.End) {
		t.Errorf("times = %v, %v, want %v, %v", gp.Start, gp.End, wp.Start, wp.End)
	}
	gp.Start, gp.End = wp.Start, wp.End
	if !reflect.DeepEqual(gp, wp) {
		t.Errorf("provenance:\ngot  %+v\nwant %+v", gp, wp)
	}
	if !reflect.DeepEqual(got.Warnings, want.Warnings) || got.Partial != want.Partial {
		t.Errorf("warnings, partial = %q, %v, want %q, %v", got.Warnings, got.Partial, want.Warnings, want.Partial)
	}
	if len(got.Points) != len(want.Points) {
		t.Fatalf("%d points, want %d", len(got.Points), len(want.Points))
	}
	for i, gpt := range got.Points {
		wpt := want.Points[i]
		if gpt.Index != wpt.Index || !reflect.DeepEqual(gpt.Warnings, wpt.Warnings) {
			t.Errorf("point %d: index, warnings = %d, %q, want %d, %q", i, gpt.Index, gpt.Warnings, wpt.Index, wpt.Warnings)
		}
		if g, w := paramList(gpt.Params), paramList(wpt.Params); !reflect.DeepEqual(g, w) {
			t.Errorf("point %d: params = %v, want %v", i, g, w)
		}
		if len(gpt.Stats) != len(wpt.Stats) {
			t.Fatalf("point %d: %d stats, want %d", i, len(gpt.Stats), len(wpt.Stats))
		}
		for k, gs := range gpt.Stats {
			ws := wpt.Stats[k]
			// Exact, bit for bit, except that ±Inf comes back as NaN
			// (JSON null).
			if statBits(gs) != statBits(nullInf(ws)) {
				t.Errorf("point %d stat %d: got %+v, want %+v", i, k, gs, ws)
			}
			gs.Mean, gs.Variance, gs.StdErr, gs.CILow, gs.CIHigh, gs.Min, gs.Max, gs.DF = 0, 0, 0, 0, 0, 0, 0, 0
			ws.Mean, ws.Variance, ws.StdErr, ws.CILow, ws.CIHigh, ws.Min, ws.Max, ws.DF = 0, 0, 0, 0, 0, 0, 0, 0
			if gs != ws {
				t.Errorf("point %d stat %d: got %+v, want %+v", i, k, gs, ws)
			}
		}
		if g, w := precisionText(gpt.Precision), precisionText(nullInfPrecision(wpt.Precision)); g != w {
			t.Errorf("point %d: precision = %s, want %s", i, g, w)
		}
	}

	// Writing what was read gives the same bytes.
	var b2 bytes.Buffer
	if err := WriteJSON(&b2, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Errorf("WriteJSON(ReadJSON(x)) != x:\n%s\nwant\n%s", b2.Bytes(), b.Bytes())
	}
}

// statBits returns the bits of every float in s, so that NaNs compare and
// -0 differs from +0.
func statBits(s stats.Stat) [8]uint64 {
	var b [8]uint64
	for i, f := range []float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max, s.DF} {
		b[i] = math.Float64bits(f)
	}
	return b
}

func nullInf(s stats.Stat) stats.Stat {
	for _, f := range []*float64{&s.Mean, &s.Variance, &s.StdErr, &s.CILow, &s.CIHigh, &s.Min, &s.Max, &s.DF} {
		if math.IsInf(*f, 0) {
			*f = math.NaN()
		}
	}
	return s
}

// precisionText is pr with the bits of its floats, so that NaNs compare
// and -0 differs from +0.
func precisionText(pr *stats.Precision) string {
	if pr == nil {
		return "nil"
	}
	out := fmt.Sprintf("{Done:%v Chunks:%d Samples:%d Rounds:%d Reached:%v Targets:[", pr.Done, pr.Chunks, pr.Samples, pr.Rounds, pr.Reached)
	for _, o := range pr.Targets {
		out += fmt.Sprintf("{%q %#x %v}", o.Stat, math.Float64bits(o.StdErrMax), o.Reached)
	}
	return out + "]}"
}

// nullInfPrecision is pr with ±Inf as NaN, as JSON null reads back.
func nullInfPrecision(pr *stats.Precision) *stats.Precision {
	if pr == nil {
		return nil
	}
	c := *pr
	c.Targets = slices.Clone(pr.Targets)
	for i := range c.Targets {
		if math.IsInf(c.Targets[i].StdErrMax, 0) {
			c.Targets[i].StdErrMax = math.NaN()
		}
	}
	return &c
}

type param struct {
	Name string
	V    sim.Value
}

func paramList(p sim.Params) []param {
	var l []param
	for i := range p.Len() {
		l = append(l, param{p.Name(i), p.Value(i)})
	}
	return l
}

func TestReadJSONParams(t *testing.T) {
	for _, test := range []struct {
		name string
		in   string
		want []param
	}{
		{name: "kinds", in: `{"n": 3, "x": 2.0, "y": 1e-3, "z": -4E2, "s": "a", "b": true}`, want: []param{
			{"n", sim.IntValue(3)}, {"x", sim.FloatValue(2)}, {"y", sim.FloatValue(1e-3)},
			{"z", sim.FloatValue(-400)}, {"s", sim.StringValue("a")}, {"b", sim.BoolValue(true)},
		}},
		{name: "declaration order kept", in: `{"z": 1, "a": 2}`, want: []param{{"z", sim.IntValue(1)}, {"a", sim.IntValue(2)}}},
		{name: "empty", in: `{}`},
		{name: "null", in: `null`},
	} {
		t.Run(test.name, func(t *testing.T) {
			r, err := ReadJSON(strings.NewReader(`{"provenance": ` + minimalProvenance + `, "points": [{"params": ` + test.in + `}]}`))
			if err != nil {
				t.Fatal(err)
			}
			if got := paramList(r.Points[0].Params); !reflect.DeepEqual(got, test.want) {
				t.Errorf("params = %v, want %v", got, test.want)
			}
		})
	}
}

// minimalProvenance holds the provenance keys ReadJSON requires.
const minimalProvenance = `{"file": "a.toml", "file_sha256": "00", "kernel": "pi", "kernel_version": 1, "seed": 1, "seed_scheme": "s", "generator": "g"}`

func TestReadJSONInvalidInput(t *testing.T) {
	for _, test := range []struct {
		name string
		in   string
		want string
	}{
		{name: "empty", in: ``, want: "report: read JSON: EOF"},
		{name: "not an object", in: `[1]`, want: "report: read JSON: json: cannot unmarshal array"},
		{name: "trailing data", in: `{} {}`, want: "report: read JSON: data after the results object"},
		{name: "no provenance", in: `{"points": []}`, want: `no "provenance" key`},
		{name: "renamed provenance", in: `{"provenanc": ` + minimalProvenance + `, "points": []}`, want: `unknown field "provenanc"`},
		{name: "no seed", in: `{"provenance": {"file": "a", "file_sha256": "0", "kernel": "pi", "kernel_version": 1, "seed_scheme": "s", "generator": "g"}, "points": []}`, want: `provenance has no "seed" key`},
		{name: "unknown stat key", in: `{"provenance": ` + minimalProvenance + `, "points": [{"stats": [{"meen": 1}]}]}`, want: `unknown field "meen"`},
		{name: "string stat", in: `{"points": [{"stats": [{"mean": "1"}]}]}`, want: "cannot unmarshal string"},
		{name: "params array", in: `{"points": [{"params": [1]}]}`, want: "params: got [, want an object"},
		{name: "params nested", in: `{"points": [{"params": {"a": {}}}]}`, want: "params: parameter a: got {}, want a number"},
		{name: "params duplicate", in: `{"points": [{"params": {"a": 1, "a": 2}}]}`, want: `params: duplicate parameter "a"`},
		{name: "int overflow", in: `{"points": [{"params": {"a": 99999999999999999999}}]}`, want: "params: parameter a: strconv.ParseInt"},
		{name: "float overflow", in: `{"points": [{"params": {"a": 1e999}}]}`, want: "params: parameter a: strconv.ParseFloat"},
		{name: "unknown precision key", in: `{"provenance": ` + minimalProvenance + `, "points": [{"precision": {"reachd": true}}]}`, want: `unknown field "reachd"`},
		{name: "string target", in: `{"points": [{"precision": {"targets": [{"stderr_max": "0.1"}]}}]}`, want: "cannot unmarshal string"},
		{name: "bad time", in: `{"provenance": {"start": "yesterday"}}`, want: "report: read JSON: parsing time"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(test.in))
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("ReadJSON(%q) error = %v, want it to contain %q", test.in, err, test.want)
			}
		})
	}
}

func FuzzReadJSON(f *testing.F) {
	if golden, err := os.ReadFile(filepath.Join("testdata", "results.json.golden")); err == nil {
		f.Add(golden)
	}
	f.Add([]byte(`{"points": [{"params": {"a": 1, "b": -0.0, "c": null, "d": "x"}, "stats": [{"mean": null}]}]}`))
	f.Add([]byte(`{"provenance": {"seed": 18446744073709551615, "start": "2025-01-02T03:04:05Z"}}`))
	f.Add([]byte(`{"points": [{"stats": [], "precision": {"reached": false, "samples": 5, "chunks": 1, "rounds": 2, "targets": [{"stat": "u", "stderr_max": null, "reached": true}]}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := ReadJSON(bytes.NewReader(in))
		if err != nil {
			return
		}
		// Whatever reads must write, and read back to the same bytes.
		var b1, b2 bytes.Buffer
		if err := WriteJSON(&b1, r); err != nil {
			t.Fatalf("WriteJSON after ReadJSON: %v", err)
		}
		r2, err := ReadJSON(bytes.NewReader(b1.Bytes()))
		if err != nil {
			t.Fatalf("ReadJSON of WriteJSON output: %v\n%s", err, b1.Bytes())
		}
		if err := WriteJSON(&b2, r2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
			t.Fatalf("not stable:\n%s\n%s", b1.Bytes(), b2.Bytes())
		}
		// And the hand-written points are the encoder's bytes.
		if ref, err := writeJSONReference(r); err != nil || !bytes.Equal(ref, b1.Bytes()) {
			t.Fatalf("WriteJSON differs from the reference encoder (%v):\n%s\nwant:\n%s", err, b1.Bytes(), ref)
		}
	})
}

func TestFailuresRoundTrip(t *testing.T) {
	r := &Results{Provenance: Provenance{Experiment: "f"}, Partial: true, Failures: []Failure{
		{Point: 3, Key: "L=16", Chunk: 7, Error: "panic: boom\ngoroutine 1", Rerun: "simrun chunk x.toml 3 7"},
	}}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Failures, r.Failures) || !got.Partial {
		t.Errorf("failures after a round trip: %+v, partial %v; want %+v", got.Failures, got.Partial, r.Failures)
	}
	var s bytes.Buffer
	if err := Summary(&s, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.String(), "point 3 (L=16), chunk 7: panic: boom") || !strings.Contains(s.String(), "rerun: simrun chunk x.toml 3 7") {
		t.Errorf("summary lacks the failure:\n%s", s.String())
	}
}

// toJSON is r in the wire types of json.go: encoded by an indenting
// json.Encoder without HTML escaping, the reference for WriteJSON.
func toJSON(r *Results) *jsonResults {
	j := &jsonResults{
		Provenance: toJSONProvenance(r.Provenance),
		Points:     make([]jsonPoint, len(r.Points)),
		Warnings:   nonNil(r.Warnings),
		Partial:    r.Partial,
	}
	for _, f := range r.Failures {
		j.Failures = append(j.Failures, jsonFailure(f))
	}
	if len(r.Points) > jsonPointLimit || r.PointsOmitted > 0 {
		j.Points, j.Omitted = []jsonPoint{}, int64(len(r.Points))+r.PointsOmitted
		return j
	}
	for i, pt := range r.Points {
		jp := jsonPoint{
			Index:     pt.Index,
			Params:    jsonParams{pt.Params},
			Stats:     make([]jsonStat, len(pt.Stats)),
			Precision: toJSONPrecision(pt.Precision),
			Warnings:  nonNil(pt.Warnings),
		}
		for k, s := range pt.Stats {
			jp.Stats[k] = jsonStat{
				Observable: s.Observable,
				N:          s.N,
				Chunks:     s.Chunks,
				Mean:       jsonFloat(s.Mean),
				Variance:   jsonFloat(s.Variance),
				StdErr:     jsonFloat(s.StdErr),
				CILow:      jsonFloat(s.CILow),
				CIHigh:     jsonFloat(s.CIHigh),
				Min:        jsonFloat(s.Min),
				Max:        jsonFloat(s.Max),
				Method:     s.Method,
				DF:         jsonFloat(s.DF),
			}
		}
		j.Points[i] = jp
	}
	return j
}

// writeJSONReference is how WriteJSON wrote results before it wrote the
// points by hand: the definition of its bytes.
func writeJSONReference(r *Results) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(toJSON(r))
	return b.Bytes(), err
}

func TestWriteJSONMatchesEncoder(t *testing.T) {
	// Random results with the strings and numbers encoding/json treats
	// specially: WriteJSON writes exactly the reference's bytes.
	strs := []string{"", "u", "energy", "<&>", "a\"b\\c", "tab\tnew\nline\r\b\f", "\x00\x01\x1f\x7f", "é ü ∑ 😀", "\u2028\u2029", "bad \xff\xfe utf-8", "point 3: x"}
	floats := []float64{0, math.Copysign(0, -1), 1, -2.5, 1e-6, 9.99e-7, 1e21, 9.99e20, 1e-300, 5e-324, math.MaxFloat64, 123456789.123, 1.0 / 3, math.NaN(), math.Inf(1), math.Inf(-1), 1e-9, 2e100}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	flt := func() float64 { return floats[r.IntN(len(floats))] }
	list := func() []string {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		out := make([]string, 1+r.IntN(3))
		for i := range out {
			out[i] = pick(strs)
		}
		return out
	}
	specs := []sim.ParamSpec{{Name: "L", Kind: sim.Int}, {Name: "T", Kind: sim.Float}, {Name: "algo", Kind: sim.String}, {Name: "hot", Kind: sim.Bool}}
	defer func(n int) { jsonPointLimit = n }(jsonPointLimit)
	for n := range 300 {
		jsonPointLimit = []int{JSONPoints, 2}[n%2] // some documents omit their points
		res := &Results{
			Provenance: Provenance{File: pick(strs), Experiment: pick(strs), Kernel: "k", KernelVersion: r.IntN(3), Seed: r.Uint64(),
				WallSeconds: flt(), Command: list(), Start: time.Unix(int64(r.Uint32()), int64(r.IntN(1e9))).UTC()},
			Warnings: list(),
			Partial:  r.IntN(2) == 0,
		}
		if r.IntN(4) == 0 {
			res.Failures = []Failure{{Point: 1, Key: pick(strs), Chunk: 2, Error: pick(strs), Rerun: "simrun chunk x.toml 1 2"}}
		}
		for i := range r.IntN(4) {
			var ps []sim.ParamSpec
			var vals []sim.Value
			for _, s := range specs {
				if r.IntN(3) == 0 {
					continue
				}
				ps = append(ps, s)
				switch s.Kind {
				case sim.Int:
					vals = append(vals, sim.IntValue(r.Int64()-r.Int64()))
				case sim.Float:
					vals = append(vals, sim.FloatValue(flt()))
				case sim.String:
					vals = append(vals, sim.StringValue(pick(strs)))
				case sim.Bool:
					vals = append(vals, sim.BoolValue(r.IntN(2) == 0))
				}
			}
			p := PointResult{Index: int64(i), Params: sim.NewParams(ps, vals), Warnings: list()}
			for range r.IntN(3) {
				p.Stats = append(p.Stats, stats.Stat{Observable: pick(strs), N: r.Int64(), Chunks: int64(r.IntN(100)),
					Mean: flt(), Variance: flt(), StdErr: flt(), CILow: flt(), CIHigh: flt(), Min: flt(), Max: flt(), Method: pick(strs), DF: flt()})
			}
			if r.IntN(2) == 0 {
				p.Precision = &stats.Precision{Done: true, Chunks: r.Int64N(100), Samples: r.Int64(), Rounds: r.IntN(10), Reached: r.IntN(2) == 0}
				for range r.IntN(3) {
					p.Precision.Targets = append(p.Precision.Targets, stats.TargetOutcome{Stat: pick(strs), StdErrMax: flt(), Reached: r.IntN(2) == 0})
				}
			}
			res.Points = append(res.Points, p)
		}
		want, err := writeJSONReference(res)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := WriteJSON(&got, res); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("case %d: WriteJSON differs from the reference encoder\ngot:\n%s\nwant:\n%s", n, got.Bytes(), want)
		}
	}
}

func TestJSONOmitsPointsOfLargeSweeps(t *testing.T) {
	defer func(n int) { jsonPointLimit = n }(jsonPointLimit)
	res := parquetSweep(5)
	res.Provenance = Provenance{File: "x.toml", FileSHA256: "ab", Kernel: "k", Seed: 7, SeedScheme: "s", Generator: "g"}
	res.Warnings = []string{"one for the run"}
	for _, tc := range []struct {
		name    string
		limit   int
		points  int
		omitted int64
	}{
		{"at the limit", 5, 5, 0},
		{"above it", 4, 0, 5},
	} {
		jsonPointLimit = tc.limit
		var b bytes.Buffer
		if err := WriteJSON(&b, res); err != nil {
			t.Fatal(err)
		}
		got, err := ReadJSON(&b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got.Points) != tc.points || got.PointsOmitted != tc.omitted || got.Provenance.Seed != 7 || len(got.Warnings) != 1 {
			t.Errorf("%s: read back %d points, %d omitted, seed %d, warnings %q; want %d, %d, 7, one",
				tc.name, len(got.Points), got.PointsOmitted, got.Provenance.Seed, got.Warnings, tc.points, tc.omitted)
		}
		// What is read back is written back the same.
		var again bytes.Buffer
		if err := WriteJSON(&again, got); err != nil {
			t.Fatal(err)
		}
		var first bytes.Buffer
		WriteJSON(&first, res)
		if !bytes.Equal(again.Bytes(), first.Bytes()) {
			t.Errorf("%s: results.json read back and written again differs:\n%s\nwant:\n%s", tc.name, again.Bytes(), first.Bytes())
		}
	}
}

func TestJSONPrecision(t *testing.T) {
	for _, test := range []struct {
		name    string
		results *Results
		point   int    // the point whose JSON is checked
		want    string // what it has between its stats and its warnings; "" for nothing
	}{
		{name: "fixed budget: no key", results: testResults(), point: 0},
		{name: "reached", results: adaptiveResults(), point: 0, want: `,
      "precision": {
        "reached": true,
        "samples": 10000,
        "chunks": 10,
        "rounds": 3,
        "targets": [
          {
            "stat": "energy",
            "stderr_max": 0.0123,
            "reached": true
          }
        ]
      }`},
		{name: "infinite target as null", results: adaptiveResults(), point: 1, want: `,
      "precision": {
        "reached": true,
        "samples": 10000,
        "chunks": 10,
        "rounds": 1,
        "targets": [
          {
            "stat": "energy",
            "stderr_max": null,
            "reached": true
          }
        ]
      }`},
		{name: "two targets, one reached", results: adaptiveResults(), point: 3, want: `,
      "precision": {
        "reached": false,
        "samples": 10000,
        "chunks": 10,
        "rounds": 4,
        "targets": [
          {
            "stat": "energy",
            "stderr_max": 1000,
            "reached": false
          },
          {
            "stat": "spans",
            "stderr_max": 1e-9,
            "reached": true
          }
        ]
      }`},
		{name: "no targets", results: &Results{Points: []PointResult{{Precision: &stats.Precision{Done: true, Chunks: 2, Samples: 20, Rounds: 1}}}}, want: `,
      "precision": {
        "reached": false,
        "samples": 20,
        "chunks": 2,
        "rounds": 1,
        "targets": []
      }`},
	} {
		t.Run(test.name, func(t *testing.T) {
			b, err := appendPointJSON(nil, test.results.Points[test.point])
			if err != nil {
				t.Fatal(err)
			}
			stats := bytes.Index(b, []byte(`"stats": `))
			precision := bytes.Index(b, []byte(",\n      \"precision\": "))
			warnings := bytes.Index(b, []byte(",\n      \"warnings\": "))
			var got []byte
			if precision >= 0 {
				if precision < stats || warnings < precision {
					t.Fatalf("precision not between stats and warnings:\n%s", b)
				}
				got = b[precision:warnings]
			}
			if string(got) != test.want {
				t.Errorf("between stats and warnings:\n%s\nwant:\n%s", got, test.want)
			}
		})
	}
}
