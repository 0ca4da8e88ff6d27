package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/stats"
)

// writeResultsJSON writes the document WriteJSON writes, through a
// buffer flushed every 256 KB: the document of a sweep of a million
// points is a gigabyte, which built whole cost its size several times
// over in memory and a third of the run in copying as it grew. The
// points, nearly all of a large sweep's file, are written here by hand;
// encoding/json, through its indenting pass and a MarshalJSON call per
// number, took 87 ms for a sweep of 10,000 points. The bytes are exactly
// those of an indenting json.Encoder without HTML escaping over the wire
// types in json.go (TestWriteJSONMatchesEncoder holds it to that); the
// provenance and failures, small, still go through encoding/json.
func writeResultsJSON(w io.Writer, r *Results) error {
	const flushAt = 256 << 10
	b := make([]byte, 0, flushAt+4096)
	flush := func() error {
		_, err := w.Write(b)
		b = b[:0]
		return err
	}
	j := &jsonResults{Provenance: toJSONProvenance(r.Provenance)}
	for _, f := range r.Failures {
		j.Failures = append(j.Failures, jsonFailure(f))
	}
	b = append(b, "{\n  \"provenance\": "...)
	b, err := appendIndented(b, j.Provenance)
	if err != nil {
		return err
	}
	b = append(b, ",\n  \"points\": "...)
	// Results read back from such a document keep saying so.
	omitted := len(r.Points) > jsonPointLimit || r.PointsOmitted > 0
	if len(r.Points) == 0 || omitted {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, p := range r.Points {
			if b, err = appendPointJSON(b, p); err != nil {
				return fmt.Errorf("point %d: %w", p.Index, err)
			}
			if i < len(r.Points)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
			if len(b) >= flushAt {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		b = append(b, "  ]"...)
	}
	if omitted {
		b = append(b, ",\n  \"points_omitted\": "...)
		b = strconv.AppendInt(b, int64(len(r.Points))+r.PointsOmitted, 10)
	}
	b = append(b, ",\n  \"warnings\": "...)
	b = appendStringsJSON(b, r.Warnings, "  ")
	b = append(b, ",\n  \"partial\": "...)
	b = strconv.AppendBool(b, r.Partial)
	if len(j.Failures) > 0 {
		b = append(b, ",\n  \"failures\": "...)
		if b, err = appendIndented(b, j.Failures); err != nil {
			return err
		}
	}
	b = append(b, "\n}\n"...)
	return flush()
}

// appendIndented appends v as encoding/json writes it one level down.
func appendIndented(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("  ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// appendPointJSON appends one element of "points", at depth 2.
func appendPointJSON(b []byte, p PointResult) ([]byte, error) {
	b = append(b, "    {\n      \"index\": "...)
	b = strconv.AppendInt(b, p.Index, 10)
	b = append(b, ",\n      \"params\": "...)
	if p.Params.Len() == 0 {
		b = append(b, "{}"...)
	} else {
		b = append(b, "{\n"...)
		for i := range p.Params.Len() {
			b = append(b, "        "...)
			b = appendStringJSON(b, p.Params.Name(i), true)
			b = append(b, ": "...)
			var err error
			if b, err = appendValueJSON(b, p.Params.Value(i)); err != nil {
				return b, fmt.Errorf("parameter %s: %w", p.Params.Name(i), err)
			}
			if i < p.Params.Len()-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "      }"...)
	}
	b = append(b, ",\n      \"stats\": "...)
	if len(p.Stats) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, s := range p.Stats {
			b = append(b, "        {\n          \"observable\": "...)
			b = appendStringJSON(b, s.Observable, false)
			b = append(b, ",\n          \"n\": "...)
			b = strconv.AppendInt(b, s.N, 10)
			b = append(b, ",\n          \"chunks\": "...)
			b = strconv.AppendInt(b, s.Chunks, 10)
			for _, f := range []struct {
				key string
				v   float64
			}{{"mean", s.Mean}, {"variance", s.Variance}, {"stderr", s.StdErr}, {"ci_low", s.CILow}, {"ci_high", s.CIHigh}, {"min", s.Min}, {"max", s.Max}} {
				b = append(b, ",\n          \""...)
				b = append(b, f.key...)
				b = append(b, "\": "...)
				b = appendFloatJSON(b, f.v)
			}
			b = append(b, ",\n          \"method\": "...)
			b = appendStringJSON(b, s.Method, false)
			b = append(b, ",\n          \"df\": "...)
			b = appendFloatJSON(b, s.DF)
			b = append(b, "\n        }"...)
			if i < len(p.Stats)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "      ]"...)
	}
	if p.Precision != nil {
		b = appendPrecisionJSON(b, p.Precision)
	}
	b = append(b, ",\n      \"warnings\": "...)
	b = appendStringsJSON(b, p.Warnings, "      ")
	return append(b, "\n    }"...), nil
}

// appendPrecisionJSON appends a point's "precision" key, with the comma
// before it, as jsonPrecision encodes it.
func appendPrecisionJSON(b []byte, pr *stats.Precision) []byte {
	b = append(b, ",\n      \"precision\": {\n        \"reached\": "...)
	b = strconv.AppendBool(b, pr.Reached)
	b = append(b, ",\n        \"samples\": "...)
	b = strconv.AppendInt(b, pr.Samples, 10)
	b = append(b, ",\n        \"chunks\": "...)
	b = strconv.AppendInt(b, pr.Chunks, 10)
	b = append(b, ",\n        \"rounds\": "...)
	b = strconv.AppendInt(b, int64(pr.Rounds), 10)
	b = append(b, ",\n        \"targets\": "...)
	if len(pr.Targets) == 0 {
		b = append(b, "[]"...)
	} else {
		b = append(b, "[\n"...)
		for i, t := range pr.Targets {
			b = append(b, "          {\n            \"stat\": "...)
			b = appendStringJSON(b, t.Stat, false)
			b = append(b, ",\n            \"stderr_max\": "...)
			b = appendFloatJSON(b, t.StdErrMax)
			b = append(b, ",\n            \"reached\": "...)
			b = strconv.AppendBool(b, t.Reached)
			b = append(b, "\n          }"...)
			if i < len(pr.Targets)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
		}
		b = append(b, "        ]"...)
	}
	return append(b, "\n      }"...)
}

// appendStringsJSON appends a list of strings whose closing bracket is
// indented by indent; an empty or nil list is [].
func appendStringsJSON(b []byte, s []string, indent string) []byte {
	if len(s) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, "[\n"...)
	for i, w := range s {
		b = append(b, indent...)
		b = append(b, "  "...)
		b = appendStringJSON(b, w, false)
		if i < len(s)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	b = append(b, indent...)
	return append(b, ']')
}

// appendValueJSON appends a parameter value as marshalValue encodes it.
func appendValueJSON(b []byte, v sim.Value) ([]byte, error) {
	switch v.Kind {
	case sim.Int:
		return strconv.AppendInt(b, v.I, 10), nil
	case sim.Float:
		if !fmath.IsFinite(v.F) {
			return append(b, "null"...), nil
		}
		n := len(b)
		b = appendFloatJSON(b, v.F)
		if !bytes.ContainsAny(b[n:], ".eE") {
			b = append(b, ".0"...)
		}
		return b, nil
	case sim.Bool:
		return strconv.AppendBool(b, v.B), nil
	case sim.String:
		return appendStringJSON(b, v.S, true), nil
	}
	return b, fmt.Errorf("invalid kind %d", v.Kind)
}

// appendFloatJSON appends f as encoding/json formats a float64, and null
// for NaN and ±Inf.
func appendFloatJSON(b []byte, f float64) []byte {
	if !fmath.IsFinite(f) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendStringJSON appends s quoted as encoding/json quotes it, with
// escapeHTML as json.Marshal (true) or an Encoder with SetEscapeHTML(false).
func appendStringJSON(b []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
