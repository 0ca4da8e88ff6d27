package kernels

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Kernel is a simulation model.
type Kernel interface {
	// Spec declares the kernel's name, parameters and observables.
	Spec() sim.KernelSpec
	// New binds a point's parameters, already validated against Spec, and
	// returns a Sampler for it. An error is a combination of parameters the
	// spec's per-parameter checks cannot express.
	New(p sim.Params) (Sampler, error)
}

// Sampler simulates one point.
type Sampler interface {
	// Sample draws n samples from r and records them into obs, one
	// accumulator per observable in Spec order. obs is not reset: the
	// caller passes zeroed accumulators for each chunk.
	Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc)
}

// Registry maps names to kernels. It implements sim.Catalog. The zero
// Registry is empty and ready to use; it is safe for concurrent use.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Kernel
}

// Register adds k under its spec's name. It panics if the name is taken or
// the spec is malformed: both are programming errors. Malformed is a
// derived quantity or reference of an unknown quantity, two observables or
// two parameters of one name, or a parameter with the name of a column of
// results.csv: point, observable, samples, chunks, mean, variance, stderr,
// ci_low, ci_high, min, max or method.
func (r *Registry) Register(k Kernel) {
	s := k.Spec()
	if s.Name == "" || len(s.Observables) == 0 {
		panic(fmt.Sprintf("kernels: kernel %q must have a name and at least one observable", s.Name))
	}
	if err := checkSpec(s); err != nil {
		panic("kernels: " + err.Error())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[s.Name]; dup {
		panic("kernels: duplicate kernel " + s.Name)
	}
	if r.m == nil {
		r.m = make(map[string]Kernel)
	}
	r.m[s.Name] = k
}

// checkSpec reports names that do not resolve or collide: a derived
// quantity of an unknown observable, a reference to an unknown quantity, a
// duplicate name, a parameter named like a column of results.csv.
func checkSpec(s sim.KernelSpec) error {
	params := make(map[string]bool)
	for _, p := range s.Params {
		if slices.Contains(sim.ReservedParams, p.Name) {
			return fmt.Errorf("kernel %q: parameter %q has the name of a column of results.csv (%s); give the parameter another name",
				s.Name, p.Name, strings.Join(sim.ReservedParams, ", "))
		}
		if params[p.Name] {
			return fmt.Errorf("kernel %q: duplicate parameter %q", s.Name, p.Name)
		}
		params[p.Name] = true
	}
	names := make(map[string]bool)
	for _, o := range s.Observables {
		if names[o.Name] {
			return fmt.Errorf("kernel %q: duplicate observable %q", s.Name, o.Name)
		}
		names[o.Name] = true
	}
	for _, d := range s.Derived {
		for _, of := range d.Of {
			if !names[of] {
				return fmt.Errorf("kernel %q: derived %q uses unknown observable %q", s.Name, d.Name, of)
			}
		}
	}
	for _, d := range s.Derived {
		if names[d.Name] {
			return fmt.Errorf("kernel %q: duplicate quantity %q", s.Name, d.Name)
		}
		names[d.Name] = true
	}
	for _, ref := range s.References {
		if !names[ref.Of] {
			return fmt.Errorf("kernel %q: reference %q of unknown quantity %q", s.Name, ref.Name, ref.Of)
		}
	}
	return nil
}

// Kernel returns the named kernel.
func (r *Registry) Kernel(name string) (Kernel, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.m[name]
	return k, ok
}

// Lookup returns the named kernel's spec.
func (r *Registry) Lookup(name string) (sim.KernelSpec, bool) {
	k, ok := r.Kernel(name)
	if !ok {
		return sim.KernelSpec{}, false
	}
	return k.Spec(), true
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Builtin returns a new registry holding simrun's own kernels, then
// extra, in that order. It panics, as Register does, if two kernels share
// a name.
func Builtin(extra ...Kernel) *Registry {
	r := new(Registry)
	for _, k := range []Kernel{Pi{}, RandomWalk{}, Spin{}, Ising2D{}, Option{}, Percolation{}, SIR{}} {
		r.Register(k)
	}
	for _, k := range extra {
		r.Register(k)
	}
	return r
}
