package external

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"text/template"
)

// The helpers and templates of the languages simrun ships them for, in
// lang/LANGUAGE/: the helper file, kernel.EXT.tmpl and
// experiment.toml.tmpl.
//
//go:embed lang/python/simrun_kernel.py lang/python/kernel.py.tmpl lang/python/experiment.toml.tmpl
//go:embed lang/c/simrun_kernel.h lang/c/kernel.c.tmpl lang/c/experiment.toml.tmpl
var langFS embed.FS

// A Language is one that simrun ships a helper for.
type Language struct {
	Name   string // as `simrun new` takes it
	Helper string // the helper's file name
	Ext    string // the extension of a kernel's source file
}

// Languages are the languages simrun ships helpers for.
var Languages = []Language{
	{Name: "python", Helper: "simrun_kernel.py", Ext: ".py"},
	{Name: "c", Helper: "simrun_kernel.h", Ext: ".c"},
}

// LookupLanguage returns the named language.
func LookupLanguage(name string) (Language, bool) {
	for _, l := range Languages {
		if l.Name == name {
			return l, true
		}
	}
	return Language{}, false
}

// HelperSource returns the helper file.
func (l Language) HelperSource() []byte {
	b, err := langFS.ReadFile("lang/" + l.Name + "/" + l.Helper)
	if err != nil {
		panic("external: helper of " + l.Name + " not embedded: " + err.Error())
	}
	return b
}

var templateName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Files returns the files of a new kernel named name in l: its helper and,
// unless name is "", the kernel's source (NAME.EXT) and an experiment
// (NAME.toml) that runs it, by file name.
func (l Language) Files(name string) (map[string][]byte, error) {
	files := map[string][]byte{l.Helper: l.HelperSource()}
	if name == "" {
		return files, nil
	}
	base := name + l.Ext
	if !templateName.MatchString(name) || base == l.Helper || name == "simrun_kernel" {
		return nil, fmt.Errorf("external: %q is not a kernel name for a new file: want a letter, then letters, digits or '_' (and not simrun_kernel, the helper's name)", name)
	}
	for tmpl, out := range map[string]string{"kernel" + l.Ext + ".tmpl": base, "experiment.toml.tmpl": name + ".toml"} {
		src, err := fs.ReadFile(langFS, "lang/"+l.Name+"/"+tmpl)
		if err != nil {
			return nil, err
		}
		t, err := template.New(tmpl).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("external: template %s: %w", tmpl, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, struct{ Name string }{name}); err != nil {
			return nil, fmt.Errorf("external: template %s: %w", tmpl, err)
		}
		files[out] = b.Bytes()
	}
	return files, nil
}

// WriteFiles writes files into dir, refusing to replace any file that
// exists (nothing is written then), and returns the paths written.
func WriteFiles(dir string, files map[string][]byte) ([]string, error) {
	var paths []string
	for name := range files {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("external: %s exists; move it away first, or write into another directory", p)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		paths = append(paths, p)
	}
	var written []string
	slices.Sort(paths)
	for _, p := range paths {
		if err := os.WriteFile(p, files[filepath.Base(p)], 0o666); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}
