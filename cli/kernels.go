package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/sim"
)

func (c *command) kernels(_ context.Context, args []string) error {
	stdout, reg := c.stdout, c.en.Kernels()
	fs := c.newFlagSet("kernels", "[NAME | FILE.toml ...]")
	pos, err := parseArgs(fs, args, anyArgs, "")
	if err != nil {
		return err
	}
	names := pos
	if len(names) == 0 {
		names = reg.Names()
	}
	for i, name := range names {
		spec, ok := reg.Lookup(name)
		var prog *sim.Program
		if !ok && strings.HasSuffix(name, ".toml") {
			// An experiment file: the kernel it names, maybe a program.
			spec, prog, err = c.en.LoadKernel(name)
			if err != nil {
				return err
			}
		} else if !ok {
			return usagef("simrun kernels: no kernel %q; known kernels: %s (or give an experiment file, FILE.toml, for the kernel it names)", name, strings.Join(reg.Names(), ", "))
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := writeKernel(stdout, spec); err != nil {
			return err
		}
		if prog != nil {
			writeProgram(stdout, prog)
		}
	}
	return nil
}

func writeKernel(w io.Writer, s sim.KernelSpec) error {
	if s.Version > 0 {
		fmt.Fprintf(w, "%s (version %d)\n    %s\n", s.Name, s.Version, s.Doc)
	} else {
		fmt.Fprintf(w, "%s\n    %s\n", s.Name, s.Doc)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(s.Params) == 0 {
		fmt.Fprintln(tw, "  parameters: none")
	} else {
		fmt.Fprintln(tw, "  parameters:")
		for _, p := range s.Params {
			def := "required"
			if !p.Required() {
				def = "default " + p.Default.String()
			}
			valid := ""
			switch {
			case p.Range != nil:
				valid = "in " + p.Range.String()
			case len(p.Choices) > 0:
				valid = "one of " + strings.Join(p.Choices, ", ")
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\n", p.Name, p.Kind, def, valid, p.Doc)
		}
	}
	fmt.Fprintln(tw, "  observables:")
	for _, o := range s.Observables {
		method := "batch means over chunks"
		if o.IID {
			method = "iid samples"
		}
		fmt.Fprintf(tw, "    %s\t%s\t(error: %s)\n", o.Name, o.Doc, method)
	}
	if len(s.Derived) > 0 {
		fmt.Fprintln(tw, "  derived (from observable means; error: batch means over chunks):")
		for _, d := range s.Derived {
			fmt.Fprintf(tw, "    %s\t%s\n", d.Name, d.Doc)
		}
	}
	if len(s.References) > 0 {
		fmt.Fprintln(tw, "  references (for [[plot]] reference = ...; exact ones are what simrun check tests):")
		for _, r := range s.References {
			of := r.Of
			if r.Stat != "" && r.Stat != "mean" {
				of = r.Stat + " of " + of
			}
			if r.Exact {
				of = "exact " + of
			}
			fmt.Fprintf(tw, "    %s\t%s: %s\n", r.Name, of, r.Doc)
		}
	}
	return tw.Flush()
}

// version prints what built this binary and which module provides each
// kernel: what results.json records of a run.
func (c *command) version(_ context.Context, args []string) error {
	fs := c.newFlagSet("version", "")
	if _, err := parseArgs(fs, args, 0, "no arguments"); err != nil {
		return err
	}
	b := c.en.Build()
	module := b.Module
	if module == "" {
		module = "simrun"
	}
	fmt.Fprintf(c.stdout, "%s %s, revision %s, built with simrun %s and %s\n", module, b.Version, b.RevisionString(), b.Simrun, b.GoVersion)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kernel\tversion\tmodule")
	reg := c.en.Kernels()
	for _, name := range reg.Names() {
		k, _ := reg.Kernel(name)
		fmt.Fprintf(tw, "%s\t%d\t%s\n", name, k.Spec().Version, c.en.KernelModule(k))
	}
	return tw.Flush()
}

// writeProgram says what runs a kernel that is a program.
func writeProgram(w io.Writer, p *sim.Program) {
	fmt.Fprintf(w, "  program: %s (in %s)\n", p.CommandLine(), p.Dir)
	if p.Runtime != "" {
		fmt.Fprintf(w, "  runtime: %s\n", p.Runtime)
	}
	for _, f := range p.Hashes {
		fmt.Fprintf(w, "  file: %s  sha256 %s\n", f.Path, f.SHA256)
	}
}
