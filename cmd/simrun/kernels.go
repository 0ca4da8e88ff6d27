package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

func kernelsCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("kernels", "[NAME...]", stderr)
	pos, err := parseArgs(fs, args, anyArgs, "")
	if err != nil {
		return err
	}
	names := pos
	if len(names) == 0 {
		names = kernels.Default.Names()
	}
	for i, name := range names {
		spec, ok := kernels.Default.Lookup(name)
		if !ok {
			return usagef("simrun kernels: no kernel %q; known kernels: %s", name, strings.Join(kernels.Default.Names(), ", "))
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := writeKernel(stdout, spec); err != nil {
			return err
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

func versionCmd(stdout io.Writer) error {
	version, revision, modified := report.ReadBuildInfo()
	if revision == "" {
		revision = "unknown"
	}
	if modified {
		revision += " (modified)"
	}
	_, err := fmt.Fprintf(stdout, "simrun %s, revision %s\n", version, revision)
	return err
}
