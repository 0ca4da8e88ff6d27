package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Load reads the experiment file at path and parses it with Parse. An
// error reading the file is returned as is (wrapped); problems with its
// contents are *Error values, as from Parse.
func Load(path string, cat Catalog) (*Experiment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: loading experiment: %w", err)
	}
	return Parse(path, data, cat)
}

// Parse decodes and validates an experiment file against the kernels of
// cat. path names the file in errors and provides the default name; data
// is its contents. Every problem found is an *Error; when there are
// several independent ones, they are joined with errors.Join, in file
// order. A file nesting deeper than MaxNesting is refused before it is
// decoded. Parse never panics on any data.
func Parse(path string, data []byte, cat Catalog) (*Experiment, error) {
	if err := nestingError(path, data); err != nil {
		return nil, err
	}
	raw, md, err := decode(data)
	if err != nil {
		return nil, tomlError(path, err)
	}
	sum := sha256.Sum256(data)
	e := &Experiment{
		File:   path,
		SHA256: hex.EncodeToString(sum[:]),
		Source: slices.Clone(data),
	}
	l := &loader{file: path, loc: newLocator(data), md: md}
	l.load(e, raw, cat)
	if len(l.errs) > 0 {
		return nil, l.joined()
	}
	return e, nil
}

// decode parses TOML into a generic map. The parser reports syntax errors
// as toml.ParseError; a panic inside it, which would be its bug, is turned
// into an error too, so that Parse keeps its promise never to panic.
func decode(data []byte) (raw map[string]any, md toml.MetaData, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the TOML parser failed: %v", r)
		}
	}()
	md, err = toml.Decode(string(data), &raw)
	return raw, md, err
}

func tomlError(path string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		return &Error{File: path, Line: pe.Position.Line, Msg: "malformed TOML: " + pe.Message}
	}
	return &Error{File: path, Msg: "malformed TOML: " + err.Error()}
}

// topKeys are the top-level keys of an experiment file.
var topKeys = []string{"name", "description", "kernel", "seed", "params", "sweep", "zip", "design", "samples", "output", "run", "slurm", "plot"}

// A loader collects the problems of one file.
type loader struct {
	file string
	loc  *locator
	md   toml.MetaData
	errs []*Error

	// For the checks of [[plot]] tables.
	sweepBad   bool            // [params] or [sweep] is not a table; set by topLevel
	sweepNames map[string]bool // kernel parameters named in [sweep], valid or not; set by params
}

// errorf records a problem with the key given by its parts.
func (l *loader) errorf(key []string, format string, args ...any) {
	l.errs = append(l.errs, &Error{
		File: l.file,
		Line: l.loc.line(key),
		Key:  joinKey(key),
		Msg:  fmt.Sprintf(format, args...),
	})
}

// joined returns the problems in file order, those without a line last.
func (l *loader) joined() error {
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i].Line, l.errs[j].Line
		return a != 0 && (b == 0 || a < b)
	})
	if len(l.errs) == 1 {
		return l.errs[0]
	}
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// keys returns the keys of table (given by its path, nil for the top
// level) in file order.
func (l *loader) keys(m map[string]any, table ...string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, k := range l.md.Keys() {
		if len(k) > len(table) && hasPrefix(k, table) && !seen[k[len(table)]] {
			name := k[len(table)]
			seen[name] = true
			if _, ok := m[name]; ok {
				out = append(out, name)
			}
		}
	}
	// The decoder lists every key; this is only a safeguard.
	var rest []string
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// joinKey formats a dotted key, quoting the parts that are not bare keys.
func joinKey(key []string) string {
	parts := make([]string, len(key))
	for i, p := range key {
		parts[i] = p
		if !isBareKey(p) {
			parts[i] = strconv.Quote(p)
		}
	}
	return strings.Join(parts, ".")
}

func isBareKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBare(s[i]) {
			return false
		}
	}
	return true
}

// validName reports whether s matches [A-Za-z0-9][A-Za-z0-9_.-]*.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// topHint is added to an unknown key inside a table that is a valid
// top-level key: a common mistake is to write it after a [table] header.
func topHint(name string) string {
	if name == "plot" {
		return " (plot is a top-level array of tables: write each figure as its own [[plot]] table)"
	}
	if slices.Contains(topKeys, name) {
		return fmt.Sprintf(" (%s is a top-level key: write it before the first [table] header)", name)
	}
	return ""
}

// load validates the decoded file into e: the top-level keys in file
// order, then the required keys that are missing, then each table, each
// filling its part of e.
func (l *loader) load(e *Experiment, raw map[string]any, cat Catalog) {
	top := l.topLevel(e, raw, cat)
	l.missing(e, raw, cat)
	if m := top.tables["samples"]; m != nil {
		l.budget(e, m, top.kernelOK)
	}
	tablesSet := l.output(e, top.tables["output"])
	l.runSettings(e, top.tables["run"])
	l.slurmSettings(e, top.tables["slurm"])
	if top.kernelOK {
		l.params(e, top.tables["params"], top.tables["sweep"], top.tables["zip"], top.tables["design"], !l.sweepBad)
	}
	if !tablesSet {
		// The default depends on the size of the sweep, known only now.
		e.defaultTables()
	}
	l.plots(e, top.plots, top.kernelOK)
}

// topTables is what the top level of a file hands to the checks of its
// tables. A table that is absent, or that is not a table (reported), is
// not in tables.
type topTables struct {
	tables   map[string]map[string]any // [params], [sweep], [zip], [design], [samples], [output], [run], [slurm]
	plots    []map[string]any          // the [[plot]] tables
	kernelOK bool                      // kernel names a kernel of the catalog: e.Kernel is set
}

// topLevel validates the top-level keys in file order: it sets e's name,
// description, kernel and seed, and collects the tables. It sets
// l.sweepBad if [params] or [sweep] is not a table.
func (l *loader) topLevel(e *Experiment, raw map[string]any, cat Catalog) topTables {
	top := topTables{tables: make(map[string]map[string]any)}
	for _, k := range l.keys(raw) {
		v := raw[k]
		key := []string{k}
		switch k {
		case "name":
			l.name(e, v)
		case "description":
			if s, ok := v.(string); ok {
				e.Description = s
			} else {
				l.errorf(key, "is %s, want a string", describe(v))
			}
		case "kernel":
			top.kernelOK = l.kernel(e, v, cat)
		case "seed":
			l.seed(e, v)
		case "params", "sweep", "zip", "design", "samples", "output", "run", "slurm":
			m, ok := v.(map[string]any)
			if !ok {
				l.errorf(key, "is %s, want a table: %s", describe(v), tableWant(k))
				if k == "params" || k == "sweep" {
					l.sweepBad = true
				}
				continue
			}
			top.tables[k] = m
		case "plot":
			top.plots, _ = l.plotTables(v)
		default:
			l.errorf(key, "%s", unknownMsg("unknown key", k, topKeys))
		}
	}
	return top
}

// tableWant says what a top-level table is, for the error when its key
// has another value.
func tableWant(k string) string {
	switch k {
	case "run":
		return "a [run] header followed by retries, timeout or on_error"
	case "output":
		return "an [output] header followed by dir or tables"
	case "slurm":
		return "a [slurm] header followed by " + strings.Join(slurmKeys, ", ")
	case "design":
		return "a [design] header followed by kind, points and scramble, and a [design.params] table"
	}
	return fmt.Sprintf("a [%s] header followed by its keys", k)
}

// name validates the name key.
func (l *loader) name(e *Experiment, v any) {
	s, ok := v.(string)
	switch {
	case !ok:
		l.errorf([]string{"name"}, "is %s, want a string such as name = %q", describe(v), "ising-demo")
	case !validName(s):
		l.errorf([]string{"name"}, "%q is not a valid name: want a letter or digit, then letters, digits, '_', '.' or '-'", s)
	default:
		e.Name = s
	}
}

// kernel validates the kernel key and reports whether it names a kernel
// of cat, which it then sets as e.Kernel.
func (l *loader) kernel(e *Experiment, v any, cat Catalog) bool {
	key := []string{"kernel"}
	if m, ok := v.(map[string]any); ok {
		return l.program(e, m, cat)
	}
	s, ok := v.(string)
	if !ok {
		l.errorf(key, "is %s, want a kernel name as a string, such as kernel = %q, or a program, such as kernel = { command = [\"python3\", \"walk.py\"] }; valid names: %s",
			describe(v), firstOr(cat.Names(), "pi"), strings.Join(cat.Names(), ", "))
		return false
	}
	spec, found := cat.Lookup(s)
	if !found {
		l.errorf(key, "%s", unknownMsg("unknown kernel "+strconv.Quote(s), s, cat.Names()))
		return false
	}
	e.Kernel = spec
	return true
}

// seed validates the seed key.
func (l *loader) seed(e *Experiment, v any) {
	n, ok := asInt(v)
	switch {
	case !ok:
		l.errorf([]string{"seed"}, "is %s, want an integer in [0, 2^63-1], such as seed = 1", describe(v))
	case n < 0:
		l.errorf([]string{"seed"}, "is %d, want an integer in [0, 2^63-1], such as seed = 1", n)
	default:
		e.Seed = uint64(n)
	}
}

// missing reports the required top-level keys that raw lacks: kernel,
// seed and [samples]; and name, unless the file name gives a valid
// default, which it sets.
func (l *loader) missing(e *Experiment, raw map[string]any, cat Catalog) {
	if !hasKey(raw, "kernel") {
		l.errorf([]string{"kernel"}, "missing: name the kernel to run, such as kernel = %q; valid: %s",
			firstOr(cat.Names(), "ising2d"), strings.Join(cat.Names(), ", "))
	}
	if !hasKey(raw, "seed") {
		l.errorf([]string{"seed"}, "missing: add an integer seed such as seed = 1; with the parameter values it determines every random stream")
	}
	if !hasKey(raw, "name") {
		base := strings.TrimSuffix(filepath.Base(l.file), ".toml")
		if validName(base) {
			e.Name = base
		} else {
			l.errorf([]string{"name"}, "missing, and the file name %q does not give a valid default; add name = %q", base, "my-experiment")
		}
	}
	if !hasKey(raw, "samples") {
		l.errorf([]string{"samples"}, "missing: add a [samples] table with samples = N (per point) and chunk_size = N or chunks = N")
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// asInt returns v as an integer: a TOML integer, or an integral float that
// fits in an int64.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), true
		}
	}
	return 0, false
}

// asFloat returns v as a float: a TOML float or integer.
func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// describe names a decoded TOML value's type and value, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case int64:
		return fmt.Sprintf("the integer %d", v)
	case float64:
		return "the float " + FormatFloat(v)
	case string:
		return "the string " + strconv.Quote(v)
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date-time"
	}
	return fmt.Sprintf("a value of type %T", v)
}
