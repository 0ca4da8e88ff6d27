package external

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/simrun/simrun/sim"
)

// Protocol is the version of the kernel protocol this package speaks.
const Protocol = 1

// hello is the first line simrun writes: the protocol versions it speaks.
const hello = "simrun-kernel 1\n"

// wireSpec is the spec a program declares, as JSON.
type wireSpec struct {
	Protocol    *int            `json:"protocol"`
	Name        string          `json:"name"`
	Version     int             `json:"version"`
	Doc         string          `json:"doc"`
	Runtime     string          `json:"runtime"`
	Params      []wireParam     `json:"params"`
	Observables []wireObs       `json:"observables"`
	References  []wireReference `json:"references"`
}

type wireParam struct {
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Doc     string          `json:"doc"`
	Label   string          `json:"label"`
	Default json.RawMessage `json:"default"`
	Min     *float64        `json:"min"`
	Max     *float64        `json:"max"`
	MinOpen bool            `json:"min_open"`
	MaxOpen bool            `json:"max_open"`
	Choices []string        `json:"choices"`
}

type wireObs struct {
	Name  string `json:"name"`
	Doc   string `json:"doc"`
	Label string `json:"label"`
	IID   bool   `json:"iid"`
}

type wireReference struct {
	Name  string `json:"name"`
	Of    string `json:"of"`
	Doc   string `json:"doc"`
	Label string `json:"label"`
	Exact bool   `json:"exact"`
	Stat  string `json:"stat"`
}

var (
	kernelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	paramName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Spec is what a program declared in its handshake.
type Spec struct {
	Kernel  sim.KernelSpec // References have no Func: a reference Request computes them
	Runtime string
	Raw     []byte // the spec line as the program wrote it
}

// ParseSpec decodes and checks a spec line, as the handshake does: one a
// program declared before, kept with its results.
func ParseSpec(line []byte) (Spec, error) { return parseSpec(line) }

// parseSpec decodes and checks the spec line of a handshake. Its errors
// say what is wrong in the terms of docs/external-kernels.md.
func parseSpec(line []byte) (Spec, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var w wireSpec
	if err := dec.Decode(&w); err != nil {
		return Spec{}, fmt.Errorf("its spec is not valid: %v", jsonMsg(err))
	}
	if dec.More() {
		return Spec{}, errors.New("its spec line holds more than one JSON value")
	}
	switch {
	case w.Protocol == nil:
		return Spec{}, errors.New(`its spec has no "protocol" field; want "protocol": 1`)
	case *w.Protocol != Protocol:
		return Spec{}, fmt.Errorf(`its spec has "protocol": %d; this simrun speaks protocol %d`, *w.Protocol, Protocol)
	case w.Name == "":
		return Spec{}, errors.New(`its spec has no "name"`)
	case !kernelName.MatchString(w.Name):
		return Spec{}, fmt.Errorf(`its spec has "name": %q; want letters, digits, '_', '.' or '-', starting with a letter or digit`, w.Name)
	case w.Version < 0:
		return Spec{}, fmt.Errorf(`its spec has "version": %d; want an integer of 0 or more`, w.Version)
	case len(w.Observables) == 0:
		return Spec{}, errors.New(`its spec declares no "observables"; want at least one, such as [{"name": "x", "iid": true}]`)
	}
	k := sim.KernelSpec{Name: w.Name, Version: w.Version, Doc: w.Doc}
	seen := make(map[string]bool)
	for i, wp := range w.Params {
		p, err := convertParam(wp)
		if err != nil {
			return Spec{}, fmt.Errorf("its spec's params[%d]: %w", i, err)
		}
		if seen[p.Name] {
			return Spec{}, fmt.Errorf("its spec declares parameter %q twice", p.Name)
		}
		seen[p.Name] = true
		k.Params = append(k.Params, p)
	}
	obs := make(map[string]bool)
	for i, o := range w.Observables {
		if !paramName.MatchString(o.Name) {
			return Spec{}, fmt.Errorf(`its spec's observables[%d] has "name": %q; want letters, digits and '_', not starting with a digit`, i, o.Name)
		}
		if obs[o.Name] {
			return Spec{}, fmt.Errorf("its spec declares observable %q twice", o.Name)
		}
		obs[o.Name] = true
		k.Observables = append(k.Observables, sim.ObservableSpec{Name: o.Name, Doc: o.Doc, Label: o.Label, IID: o.IID})
	}
	refs := make(map[string]bool)
	for i, r := range w.References {
		switch {
		case !paramName.MatchString(r.Name):
			return Spec{}, fmt.Errorf(`its spec's references[%d] has "name": %q; want letters, digits and '_', not starting with a digit`, i, r.Name)
		case refs[r.Name]:
			return Spec{}, fmt.Errorf("its spec declares reference %q twice", r.Name)
		case !obs[r.Of]:
			return Spec{}, fmt.Errorf(`its spec's reference %q has "of": %q, which is not an observable; valid: %s`, r.Name, r.Of, strings.Join(obsNames(k.Observables), ", "))
		case r.Stat != "" && r.Stat != "mean" && r.Stat != "sd":
			return Spec{}, fmt.Errorf(`its spec's reference %q has "stat": %q; want "mean" or "sd"`, r.Name, r.Stat)
		}
		refs[r.Name] = true
		k.References = append(k.References, sim.ReferenceSpec{Name: r.Name, Of: r.Of, Doc: r.Doc, Label: r.Label, Exact: r.Exact, Stat: r.Stat})
	}
	return Spec{Kernel: k, Runtime: w.Runtime, Raw: append([]byte(nil), line...)}, nil
}

func obsNames(obs []sim.ObservableSpec) []string {
	out := make([]string, len(obs))
	for i, o := range obs {
		out[i] = o.Name
	}
	return out
}

// convertParam checks one declared parameter and converts it.
func convertParam(w wireParam) (sim.ParamSpec, error) {
	switch {
	case !paramName.MatchString(w.Name):
		return sim.ParamSpec{}, fmt.Errorf(`"name": %q; want letters, digits and '_', not starting with a digit`, w.Name)
	case slices.Contains(sim.ReservedParams, w.Name):
		return sim.ParamSpec{}, fmt.Errorf(`"name": %q is a column of results.csv (%s); give the parameter another name`, w.Name, strings.Join(sim.ReservedParams, ", "))
	}
	p := sim.ParamSpec{Name: w.Name, Doc: w.Doc, Label: w.Label}
	switch w.Type {
	case "int":
		p.Kind = sim.Int
	case "float":
		p.Kind = sim.Float
	case "bool":
		p.Kind = sim.Bool
	case "string":
		p.Kind = sim.String
	default:
		return p, fmt.Errorf(`parameter %q has "type": %q; want "int", "float", "bool" or "string"`, w.Name, w.Type)
	}
	numeric := p.Kind == sim.Int || p.Kind == sim.Float
	if (w.Min != nil || w.Max != nil || w.MinOpen || w.MaxOpen) && !numeric {
		return p, fmt.Errorf(`parameter %q of type %s has a range; only int and float parameters do`, w.Name, w.Type)
	}
	if len(w.Choices) > 0 && p.Kind != sim.String {
		return p, fmt.Errorf(`parameter %q of type %s has "choices"; only string parameters do`, w.Name, w.Type)
	}
	if w.Min != nil || w.Max != nil {
		r := &sim.Range{Min: math.Inf(-1), Max: math.Inf(1), MinOpen: w.MinOpen, MaxOpen: w.MaxOpen}
		if w.Min != nil {
			r.Min = *w.Min
		}
		if w.Max != nil {
			r.Max = *w.Max
		}
		if !(r.Min <= r.Max) {
			return p, fmt.Errorf(`parameter %q has "min" %v above "max" %v`, w.Name, r.Min, r.Max)
		}
		p.Range = r
	}
	p.Choices = w.Choices
	if len(w.Default) > 0 && string(w.Default) != "null" {
		v, err := defaultValue(p.Kind, w.Default)
		if err != nil {
			return p, fmt.Errorf(`parameter %q has "default": %s; %w`, w.Name, w.Default, err)
		}
		if err := p.Check(v); err != nil {
			return p, fmt.Errorf(`parameter %q: its "default" %w`, w.Name, err)
		}
		p.Default = v
	}
	return p, nil
}

// defaultValue converts a JSON default to a Value of kind k.
func defaultValue(k sim.Kind, raw json.RawMessage) (sim.Value, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return sim.Value{}, err
	}
	switch k {
	case sim.Int:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return sim.IntValue(i), nil
			}
			if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
				return sim.IntValue(int64(f)), nil
			}
		}
		return sim.Value{}, errors.New("want an integer")
	case sim.Float:
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return sim.FloatValue(f), nil
			}
		}
		return sim.Value{}, errors.New("want a number")
	case sim.Bool:
		if b, ok := v.(bool); ok {
			return sim.BoolValue(b), nil
		}
		return sim.Value{}, errors.New("want true or false")
	default:
		if s, ok := v.(string); ok {
			return sim.StringValue(s), nil
		}
		return sim.Value{}, errors.New("want a string")
	}
}

// jsonMsg shortens encoding/json's errors ("json: unknown field "x"").
func jsonMsg(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}
