package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/stats"
)

// WriteJSON writes r as an indented JSON document:
//
//	{
//	  "provenance": {"file": ..., "seed": ..., "start": ..., ...},
//	  "points": [
//	    {
//	      "index": 0,
//	      "params": {"L": 16, "T": 2.25, "algo": "wolff"},
//	      "stats": [{"observable": "energy", "n": ..., "mean": ..., ...}],
//	      "precision": {"reached": true, "samples": ..., "chunks": ..., "rounds": ...,
//	        "targets": [{"stat": "energy", "stderr_max": ..., "reached": true}]},
//	      "warnings": []
//	    }
//	  ],
//	  "warnings": [],
//	  "partial": false
//	}
//
// "precision" is how a point of an adaptive budget was sampled
// (PointResult.Precision): whether every target was reached, the samples
// and chunks its statistics come from, the rounds that took, and each
// target (the standard error allowed at the point, and whether the
// statistic met it). A point of a fixed budget has no "precision" key.
//
// Results of more than JSONPoints points are written with "points": []
// and "points_omitted": their number. results.json is then the run's
// provenance, warnings and failures, of a size that does not grow with
// the sweep; the statistics of every point are in the tidy table
// (WriteCSV, WriteParquet), which is what a sweep that large is read
// from, and a run directory rebuilds them from its chunks.
//
// Keys come in a fixed order, and parameters in declaration order. Floats
// are written in the shortest form that round-trips, so ReadJSON recovers
// them exactly; NaN and ±Inf, which JSON cannot represent, are written as
// null. A float parameter always has a decimal point or an exponent, so an
// integral float is written 2.0, not 2. Times are RFC 3339 with nanoseconds.
func WriteJSON(w io.Writer, r *Results) error {
	if err := writeResultsJSON(w, r); err != nil {
		return fmt.Errorf("report: write JSON: %w", err)
	}
	return nil
}

// ReadJSON reads a document written by WriteJSON. Statistics, parameter
// values, precision (with Done true) and provenance come back exactly,
// except that a null float (NaN or ±Inf when written) reads as NaN and
// times lose their monotonic clock reading. Unknown keys, a missing
// "provenance" or "points", and a provenance without its file,
// file_sha256, kernel, kernel_version, seed, seed_scheme or generator are
// errors; empty lists read as nil. The parameters of each point are
// rebuilt with sim.NewParams from specs that carry only a name and a
// kind: a JSON string is a sim.String, true and false a sim.Bool, a
// number with a decimal point or exponent (or null) a sim.Float, and any
// other number a sim.Int.
func ReadJSON(r io.Reader) (*Results, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("report: read JSON: %w", err)
	}
	// Strictly: a key renamed or left out must not read as a zero seed or
	// an empty kernel.
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	var j jsonResults
	if err := d.Decode(&j); err != nil {
		return nil, fmt.Errorf("report: read JSON: %w", err)
	}
	if d.More() {
		return nil, fmt.Errorf("report: read JSON: data after the results object")
	}
	if err := requireKeys(data); err != nil {
		return nil, fmt.Errorf("report: read JSON: %w", err)
	}
	return fromJSON(&j), nil
}

// requiredProvenance are the provenance keys without which results cannot
// be told apart or checked.
var requiredProvenance = []string{"file", "file_sha256", "kernel", "kernel_version", "seed", "seed_scheme", "generator"}

// requireKeys reports the first key of the results object, or of its
// provenance, that data lacks.
func requireKeys(data []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return err
	}
	for _, k := range []string{"provenance", "points"} {
		if _, ok := top[k]; !ok {
			return fmt.Errorf("no %q key", k)
		}
	}
	var pv map[string]json.RawMessage
	if err := json.Unmarshal(top["provenance"], &pv); err != nil {
		return fmt.Errorf("provenance: %w", err)
	}
	for _, k := range requiredProvenance {
		if _, ok := pv[k]; !ok {
			return fmt.Errorf("provenance has no %q key", k)
		}
	}
	return nil
}

// The wire format. The field order here is the key order in the file.

type jsonResults struct {
	Provenance jsonProvenance `json:"provenance"`
	Points     []jsonPoint    `json:"points"`
	Omitted    int64          `json:"points_omitted,omitempty"`
	Warnings   []string       `json:"warnings"`
	Partial    bool           `json:"partial"`
	Failures   []jsonFailure  `json:"failures,omitempty"`
}

type jsonFailure struct {
	Point int64  `json:"point"`
	Key   string `json:"key"`
	Chunk int64  `json:"chunk"`
	Error string `json:"error"`
	Rerun string `json:"rerun"`
}

type jsonProvenance struct {
	File          string       `json:"file"`
	FileSHA256    string       `json:"file_sha256"`
	Experiment    string       `json:"experiment"`
	Kernel        string       `json:"kernel"`
	KernelVersion int          `json:"kernel_version"`
	KernelModule  string       `json:"kernel_module,omitempty"`
	KernelProgram *jsonProgram `json:"kernel_program,omitempty"`
	Seed          uint64       `json:"seed"`
	SeedScheme    string       `json:"seed_scheme"`
	Generator     string       `json:"generator"`
	Module        string       `json:"module,omitempty"`
	Version       string       `json:"version"`
	Simrun        string       `json:"simrun_version,omitempty"`
	Revision      string       `json:"revision"`
	Modified      bool         `json:"modified"`
	GoVersion     string       `json:"go_version"`
	OS            string       `json:"os"`
	Arch          string       `json:"arch"`
	NumCPU        int          `json:"num_cpu"`
	Workers       int          `json:"workers"`
	Executor      string       `json:"executor"`
	Start         time.Time    `json:"start"`
	End           time.Time    `json:"end"`
	WallSeconds   jsonFloat    `json:"wall_seconds"`
	Host          string       `json:"host"`
	Command       []string     `json:"command"`
	Runs          []jsonRun    `json:"runs,omitempty"`
}

type jsonProgram struct {
	Command  []string       `json:"command"`
	Files    []sim.FileHash `json:"files"`
	Runtime  string         `json:"runtime,omitempty"`
	Identity string         `json:"identity"`
}

func toJSONProgram(p *KernelProgram) *jsonProgram {
	if p == nil {
		return nil
	}
	return &jsonProgram{Command: nonNil(p.Command), Files: nonNilFiles(p.Files), Runtime: p.Runtime, Identity: p.Identity}
}

func fromJSONProgram(p *jsonProgram) *KernelProgram {
	if p == nil {
		return nil
	}
	return &KernelProgram{Command: p.Command, Files: p.Files, Runtime: p.Runtime, Identity: p.Identity}
}

func nonNilFiles(f []sim.FileHash) []sim.FileHash {
	if f == nil {
		return []sim.FileHash{}
	}
	return f
}

type jsonRun struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	WallSeconds jsonFloat `json:"wall_seconds"`
	Host        string    `json:"host"`
	Workers     int       `json:"workers"`
	Executor    string    `json:"executor"`
	Computed    int64     `json:"chunks_computed"`
	Reused      int64     `json:"chunks_reused"`
	Version     string    `json:"version"`
	Revision    string    `json:"revision"`
	Command     []string  `json:"command"`
}

type jsonPoint struct {
	Index     int64          `json:"index"`
	Params    jsonParams     `json:"params"`
	Stats     []jsonStat     `json:"stats"`
	Precision *jsonPrecision `json:"precision,omitempty"`
	Warnings  []string       `json:"warnings"`
}

// jsonPrecision is a stats.Precision, of a point of an adaptive budget.
// Done is not written: the results hold only points that are done.
type jsonPrecision struct {
	Reached bool         `json:"reached"`
	Samples int64        `json:"samples"`
	Chunks  int64        `json:"chunks"`
	Rounds  int          `json:"rounds"`
	Targets []jsonTarget `json:"targets"`
}

type jsonTarget struct {
	Stat      string    `json:"stat"`
	StdErrMax jsonFloat `json:"stderr_max"`
	Reached   bool      `json:"reached"`
}

func toJSONPrecision(p *stats.Precision) *jsonPrecision {
	if p == nil {
		return nil
	}
	j := &jsonPrecision{Reached: p.Reached, Samples: p.Samples, Chunks: p.Chunks, Rounds: p.Rounds, Targets: make([]jsonTarget, len(p.Targets))}
	for i, t := range p.Targets {
		j.Targets[i] = jsonTarget{Stat: t.Stat, StdErrMax: jsonFloat(t.StdErrMax), Reached: t.Reached}
	}
	return j
}

func fromJSONPrecision(j *jsonPrecision) *stats.Precision {
	if j == nil {
		return nil
	}
	p := &stats.Precision{Done: true, Reached: j.Reached, Samples: j.Samples, Chunks: j.Chunks, Rounds: j.Rounds}
	for _, t := range j.Targets {
		p.Targets = append(p.Targets, stats.TargetOutcome{Stat: t.Stat, StdErrMax: float64(t.StdErrMax), Reached: t.Reached})
	}
	return p
}

type jsonStat struct {
	Observable string    `json:"observable"`
	N          int64     `json:"n"`
	Chunks     int64     `json:"chunks"`
	Mean       jsonFloat `json:"mean"`
	Variance   jsonFloat `json:"variance"`
	StdErr     jsonFloat `json:"stderr"`
	CILow      jsonFloat `json:"ci_low"`
	CIHigh     jsonFloat `json:"ci_high"`
	Min        jsonFloat `json:"min"`
	Max        jsonFloat `json:"max"`
	Method     string    `json:"method"`
	DF         jsonFloat `json:"df"`
}

func toJSONProvenance(p Provenance) jsonProvenance {
	return jsonProvenance{
		File:          p.File,
		FileSHA256:    p.FileSHA256,
		Experiment:    p.Experiment,
		Kernel:        p.Kernel,
		KernelVersion: p.KernelVersion,
		KernelModule:  p.KernelModule,
		KernelProgram: toJSONProgram(p.Program),
		Seed:          p.Seed,
		SeedScheme:    p.SeedScheme,
		Generator:     p.Generator,
		Module:        p.Module,
		Version:       p.Version,
		Simrun:        p.Simrun,
		Revision:      p.Revision,
		Modified:      p.Modified,
		GoVersion:     p.GoVersion,
		OS:            p.OS,
		Arch:          p.Arch,
		NumCPU:        p.NumCPU,
		Workers:       p.Workers,
		Executor:      p.Executor,
		Start:         p.Start,
		End:           p.End,
		WallSeconds:   jsonFloat(p.WallSeconds),
		Host:          p.Host,
		Command:       nonNil(p.Command),
		Runs:          toJSONRuns(p.Runs),
	}
}

func fromJSON(j *jsonResults) *Results {
	p := j.Provenance
	r := &Results{
		Provenance: Provenance{
			File:          p.File,
			FileSHA256:    p.FileSHA256,
			Experiment:    p.Experiment,
			Kernel:        p.Kernel,
			KernelVersion: p.KernelVersion,
			KernelModule:  p.KernelModule,
			Program:       fromJSONProgram(p.KernelProgram),
			Seed:          p.Seed,
			SeedScheme:    p.SeedScheme,
			Generator:     p.Generator,
			Module:        p.Module,
			Version:       p.Version,
			Simrun:        p.Simrun,
			Revision:      p.Revision,
			Modified:      p.Modified,
			GoVersion:     p.GoVersion,
			OS:            p.OS,
			Arch:          p.Arch,
			NumCPU:        p.NumCPU,
			Workers:       p.Workers,
			Executor:      p.Executor,
			Start:         p.Start,
			End:           p.End,
			WallSeconds:   float64(p.WallSeconds),
			Host:          p.Host,
			Command:       nilIfEmpty(p.Command),
			Runs:          fromJSONRuns(p.Runs),
		},
		Warnings:      nilIfEmpty(j.Warnings),
		Partial:       j.Partial,
		PointsOmitted: j.Omitted,
	}
	for _, f := range j.Failures {
		r.Failures = append(r.Failures, Failure(f))
	}
	if len(j.Points) > 0 {
		r.Points = make([]PointResult, len(j.Points))
	}
	for i, jp := range j.Points {
		pt := PointResult{
			Index:     jp.Index,
			Params:    jp.Params.p,
			Warnings:  nilIfEmpty(jp.Warnings),
			Precision: fromJSONPrecision(jp.Precision),
		}
		if len(jp.Stats) > 0 {
			pt.Stats = make([]stats.Stat, len(jp.Stats))
		}
		for k, s := range jp.Stats {
			pt.Stats[k] = stats.Stat{
				Observable: s.Observable,
				N:          s.N,
				Chunks:     s.Chunks,
				Mean:       float64(s.Mean),
				Variance:   float64(s.Variance),
				StdErr:     float64(s.StdErr),
				CILow:      float64(s.CILow),
				CIHigh:     float64(s.CIHigh),
				Min:        float64(s.Min),
				Max:        float64(s.Max),
				Method:     s.Method,
				DF:         float64(s.DF),
			}
		}
		r.Points[i] = pt
	}
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// jsonFloat is a float64 that encodes NaN and ±Inf as null and decodes null
// as NaN.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if !fmath.IsFinite(float64(f)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = jsonFloat(x)
	return nil
}

// jsonParams encodes sim.Params as a JSON object in declaration order.
type jsonParams struct{ p sim.Params }

func (jp jsonParams) MarshalJSON() ([]byte, error) {
	p := jp.p
	var b bytes.Buffer
	b.WriteByte('{')
	for i := range p.Len() {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(p.Name(i))
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		v, err := marshalValue(p.Value(i))
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name(i), err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshalValue(v sim.Value) ([]byte, error) {
	switch v.Kind {
	case sim.Int:
		return strconv.AppendInt(nil, v.I, 10), nil
	case sim.Float:
		if !fmath.IsFinite(v.F) {
			return []byte("null"), nil
		}
		b, err := json.Marshal(v.F)
		if err == nil && !bytes.ContainsAny(b, ".eE") {
			b = append(b, ".0"...)
		}
		return b, err
	case sim.Bool:
		return strconv.AppendBool(nil, v.B), nil
	case sim.String:
		return json.Marshal(v.S)
	}
	return nil, fmt.Errorf("invalid kind %d", v.Kind)
}

func (jp *jsonParams) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*jp = jsonParams{}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil {
		return err
	} else if t != json.Delim('{') {
		return fmt.Errorf("params: got %v, want an object", t)
	}
	var (
		specs []sim.ParamSpec
		vals  []sim.Value
		seen  = make(map[string]bool)
	)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string) // an object key is always a string
		if seen[name] {
			return fmt.Errorf("params: duplicate parameter %q", name)
		}
		seen[name] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		v, err := unmarshalValue(raw)
		if err != nil {
			return fmt.Errorf("params: parameter %s: %w", name, err)
		}
		specs = append(specs, sim.ParamSpec{Name: name, Kind: v.Kind})
		vals = append(vals, v)
	}
	jp.p = sim.NewParams(specs, vals)
	return nil
}

func unmarshalValue(raw json.RawMessage) (sim.Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return sim.Value{}, fmt.Errorf("missing value")
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return sim.StringValue(s), err
	case c == 't' || c == 'f':
		var b bool
		err := json.Unmarshal(raw, &b)
		return sim.BoolValue(b), err
	case c == 'n':
		return sim.FloatValue(math.NaN()), nil
	case c == '-' || '0' <= c && c <= '9':
		if bytes.ContainsAny(raw, ".eE") {
			f, err := strconv.ParseFloat(string(raw), 64)
			return sim.FloatValue(f), err
		}
		i, err := strconv.ParseInt(string(raw), 10, 64)
		return sim.IntValue(i), err
	}
	return sim.Value{}, fmt.Errorf("got %s, want a number, string or boolean", raw)
}

func toJSONRuns(rs []RunRecord) []jsonRun {
	var out []jsonRun
	for _, r := range rs {
		out = append(out, jsonRun{r.Start, r.End, jsonFloat(r.WallSeconds), r.Host, r.Workers, r.Executor, r.Computed, r.Reused, r.Version, r.Revision, nonNil(r.Command)})
	}
	return out
}

func fromJSONRuns(js []jsonRun) []RunRecord {
	var out []RunRecord
	for _, r := range js {
		out = append(out, RunRecord{r.Start, r.End, float64(r.WallSeconds), r.Host, r.Workers, r.Executor, r.Computed, r.Reused, r.Version, r.Revision, nilIfEmpty(r.Command)})
	}
	return out
}
