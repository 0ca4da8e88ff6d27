package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/simrun/simrun/internal/shell"
)

// Program is a kernel that runs as a program of its own, in any language,
// speaking simrun's kernel protocol (docs/external-kernels.md): what the
// kernel table of an experiment file says, and what the catalog found out
// when it read the program's spec.
type Program struct {
	Command []string // the program and its arguments, run without a shell
	Files   []string // more files of the kernel's code, relative to Dir
	Dir     string   // the experiment file's directory, where it runs

	// Set by the catalog (ProgramCatalog.Describe):
	Hashes   []FileHash // the files the command names and Files, in order
	Runtime  string     // the interpreter or compiler the program reports
	Declared []byte     // the spec the program declared: its line of JSON
}

// A FileHash is the SHA-256 of one file of a program's code.
type FileHash struct {
	Path   string `json:"path"` // as the experiment file names it
	SHA256 string `json:"sha256"`
}

// Identity is a hash of what makes a program's samples what they are: its
// command and the contents of its files. Chunks made under another
// identity are not mixed with this one's.
func (p *Program) Identity() string {
	h := sha256.New()
	for _, a := range p.Command {
		fmt.Fprintf(h, "arg %d %s\n", len(a), a)
	}
	for _, f := range p.Hashes {
		fmt.Fprintf(h, "file %d %s %s\n", len(f.Path), f.Path, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CommandLine is the command as a user would type it, for messages.
func (p *Program) CommandLine() string {
	if len(p.Command) == 0 {
		return ""
	}
	return shell.Join(p.Command[0], p.Command[1:]...)
}

// CodeFiles returns the paths, relative to Dir, of the files that hold
// the program's code: the first word of the command if it has a slash,
// each argument that exists names a regular file (exists reports that,
// given a path relative to Dir), and Files. Each is listed once.
func (p *Program) CodeFiles(exists func(string) bool) []string {
	var out []string
	add := func(f string) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	for i, a := range p.Command {
		if a == "" {
			continue
		}
		if i == 0 {
			if strings.ContainsRune(a, filepath.Separator) {
				add(a)
			}
			continue
		}
		if exists(a) {
			add(a)
		}
	}
	for _, f := range p.Files {
		add(f)
	}
	return out
}

// A ProgramCatalog is a Catalog that also knows kernels run as programs:
// given the kernel table of an experiment, it starts the program, reads
// the spec it declares, sets p.Hashes and p.Runtime, and returns the spec.
// Its error says what the program did wrong; the loader adds the file,
// line and key.
type ProgramCatalog interface {
	Catalog
	Describe(p *Program) (KernelSpec, error)
}
