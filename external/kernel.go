package external

import (
	"errors"
	"fmt"
	"slices"
)

// A Kernel keeps one program running for a worker: it starts the program
// on first use, and starts it again after it broke the protocol or died.
// Its methods are not safe for concurrent use.
type Kernel struct {
	c    Command
	want Spec // what the first program declared
	p    *Program
}

// NewKernel returns a Kernel that runs the program of c. p, if not nil, is
// a program of c already started, which it uses first.
func NewKernel(c Command, p *Program) *Kernel {
	k := &Kernel{c: c, p: p}
	if p != nil {
		k.want = p.spec
	}
	return k
}

// Do sends reqs to the program, as Program.Do does, and calls result for
// each in order. After a reply that breaks the protocol, whose request
// fails with the *ProtocolError, it starts the program again for the
// requests after it. If the program dies, or cannot be started, Do
// returns the error, and the next call starts it again.
func (k *Kernel) Do(reqs []Request, result func(i int, r Reply, err error) error) error {
	off := 0
	for off < len(reqs) {
		if k.p == nil {
			p, err := Start(k.c)
			if err != nil {
				return err
			}
			if k.want.Kernel.Name == "" {
				k.want = p.spec
			} else if err := sameSpec(k.want, p.spec); err != nil {
				p.Close()
				return fmt.Errorf("command %s, started again, %w", p.name, err)
			}
			k.p = p
		}
		base := off
		n, err := k.p.Do(reqs[off:], func(i int, r Reply, err error) error { return result(base+i, r, err) })
		off += n
		if err == nil {
			continue
		}
		k.p.Close()
		k.p = nil
		if !errors.Is(err, errBroken) {
			return err
		}
	}
	return nil
}

// sameSpec reports how a restarted program's spec differs from the first.
func sameSpec(want, got Spec) error {
	w, g := want.Kernel, got.Kernel
	switch {
	case w.Name != g.Name || w.Version != g.Version:
		return fmt.Errorf("declared kernel %s version %d, where it had declared %s version %d", g.Name, g.Version, w.Name, w.Version)
	case !slices.Equal(obsNames(w.Observables), obsNames(g.Observables)):
		return fmt.Errorf("declared observables %v, where it had declared %v", obsNames(g.Observables), obsNames(w.Observables))
	}
	return nil
}

// Close stops the program, if it runs.
func (k *Kernel) Close() error {
	if k.p == nil {
		return nil
	}
	err := k.p.Close()
	k.p = nil
	return err
}
