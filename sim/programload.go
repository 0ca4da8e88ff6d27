package sim

import (
	"path/filepath"
)

// programKeys are the keys of a kernel table.
var programKeys = []string{"command", "files"}

// program validates a kernel table, which names a program to run as the
// kernel, and has cat describe it. It reports whether e.Kernel is set.
func (l *loader) program(e *Experiment, m map[string]any, cat Catalog) bool {
	p := &Program{Dir: filepath.Dir(l.file)}
	ok := true
	for _, k := range l.keys(m, "kernel") {
		key := []string{"kernel", k}
		switch k {
		case "command":
			p.Command, ok = l.stringList(key, m[k], `the program and its arguments, such as command = ["python3", "walk.py"]`)
			if ok && len(p.Command) == 0 {
				l.errorf(key, `is empty, want the program and its arguments, such as command = ["python3", "walk.py"]`)
				ok = false
			}
		case "files":
			var fok bool
			p.Files, fok = l.stringList(key, m[k], `more files of the kernel's code, relative to this file, such as files = ["simrun_kernel.py"]`)
			ok = ok && fok
		default:
			l.errorf(key, "%s", unknownMsg("unknown key", k, programKeys))
			ok = false
		}
	}
	if _, has := m["command"]; !has {
		l.errorf([]string{"kernel"}, `has no command: a kernel table names the program to run, such as kernel = { command = ["python3", "walk.py"] }`)
		return false
	}
	if !ok {
		return false
	}
	pc, can := cat.(ProgramCatalog)
	if !can {
		l.errorf([]string{"kernel", "command"}, "names a program, but this simrun runs only the kernels compiled into it: %s", orNoneList(cat.Names()))
		return false
	}
	spec, err := pc.Describe(p)
	if err != nil {
		l.errorf([]string{"kernel", "command"}, "%v", err)
		return false
	}
	e.Kernel, e.Program = spec, p
	return true
}

// stringList validates a list of non-empty strings; want says what it is.
func (l *loader) stringList(key []string, v any, want string) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		l.errorf(key, "is %s, want a list of strings: %s", describe(v), want)
		return nil, false
	}
	out := make([]string, 0, len(list))
	for i, a := range list {
		s, ok := a.(string)
		if !ok || s == "" {
			l.errorf(key, "index %d: is %s, want a non-empty string: %s", i, describe(a), want)
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// ParseKernel reads only the kernel key of an experiment file and returns
// the kernel it names, with the program that runs it for a kernel table
// (nil otherwise): what `simrun kernels FILE` describes, even while the
// rest of the file is being written. Its errors are *Error values, as
// Parse's.
func ParseKernel(path string, data []byte, cat Catalog) (KernelSpec, *Program, error) {
	if err := nestingError(path, data); err != nil {
		return KernelSpec{}, nil, err
	}
	raw, md, err := decode(data)
	if err != nil {
		return KernelSpec{}, nil, tomlError(path, err)
	}
	l := &loader{file: path, loc: newLocator(data), md: md}
	e := &Experiment{File: path}
	if v, ok := raw["kernel"]; !ok {
		l.errorf([]string{"kernel"}, "missing: name the kernel to run, such as kernel = %q, or a program, such as kernel = { command = [\"python3\", \"walk.py\"] }", firstOr(cat.Names(), "pi"))
	} else {
		l.kernel(e, v, cat)
	}
	if len(l.errs) > 0 {
		return KernelSpec{}, nil, l.joined()
	}
	return e.Kernel, e.Program, nil
}
