package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/simrun/simrun/external"
)

// new writes the helper of a language, and a kernel and an experiment to
// start from, into a directory: all a researcher needs beside the simrun
// binary to write a kernel in that language (docs/external-kernels.md).
func (c *command) new(_ context.Context, args []string) error {
	var names []string
	for _, l := range external.Languages {
		names = append(names, l.Name)
	}
	fs := c.newFlagSet("new", "LANGUAGE [NAME]")
	dir := fs.String("dir", ".", "write the files into `DIR`")
	pos, err := parseArgs(fs, args, anyArgs, "")
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usagef("simrun new: want a language (%s) and, unless only the helper is wanted, a kernel name, such as simrun new python walk", strings.Join(names, ", "))
	}
	lang, ok := external.LookupLanguage(pos[0])
	if !ok {
		return usagef("simrun new: no helper for language %q; simrun ships helpers for %s, and docs/external-kernels.md specifies the protocol for any other", pos[0], strings.Join(names, ", "))
	}
	name := ""
	if len(pos) == 2 {
		name = pos[1]
	}
	files, err := lang.Files(name)
	if err != nil {
		return usagef("simrun new: %v", err)
	}
	written, err := external.WriteFiles(*dir, files)
	if err != nil {
		return usagef("simrun new: %v", err)
	}
	for _, p := range written {
		fmt.Fprintf(c.stdout, "wrote %s\n", p)
	}
	if name != "" {
		fmt.Fprintf(c.stdout, "next: simrun kernels %s.toml; simrun run %s.toml\n", name, name)
	}
	return nil
}
