package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

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
// order. Parse never panics on any data.
func Parse(path string, data []byte, cat Catalog) (*Experiment, error) {
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

// The keys of each table of an experiment file.
var (
	topKeys     = []string{"name", "description", "kernel", "seed", "params", "sweep", "zip", "samples", "output", "run", "slurm", "plot"}
	samplesKeys = []string{"samples", "chunk_size", "chunks"}
	outputKeys  = []string{"dir"}
	sweepKeys   = []string{"linspace", "logspace", "from", "to", "step"}
	slurmKeys   = []string{"array", "throttle", "partition", "time", "mem", "cpus_per_task", "account", "sbatch_args"}
)

// A loader collects the problems of one file.
type loader struct {
	file string
	loc  *locator
	md   toml.MetaData
	errs []*Error

	// Set by params, for the checks of [[plot]] tables.
	sweepBad   bool            // [params] or [sweep] is not a table
	sweepNames map[string]bool // kernel parameters named in [sweep], valid or not
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

// load validates the decoded file into e.
func (l *loader) load(e *Experiment, raw map[string]any, cat Catalog) {
	var (
		kernelSet, kernelOK   bool
		seedSet, nameSet      bool
		params, sweep, zip    map[string]any
		samples, output       map[string]any
		samplesSet, outputSet bool
		runTable              map[string]any
		slurmTable            map[string]any
		paramsBad             bool // [params] or [sweep] is not a table
		plots                 []map[string]any
	)
	for _, k := range l.keys(raw) {
		v := raw[k]
		key := []string{k}
		switch k {
		case "name":
			s, ok := v.(string)
			switch {
			case !ok:
				l.errorf(key, "is %s, want a string such as name = %q", describe(v), "ising-demo")
			case !validName(s):
				l.errorf(key, "%q is not a valid name: want a letter or digit, then letters, digits, '_', '.' or '-'", s)
			default:
				e.Name, nameSet = s, true
			}
		case "description":
			if s, ok := v.(string); ok {
				e.Description = s
			} else {
				l.errorf(key, "is %s, want a string", describe(v))
			}
		case "kernel":
			s, ok := v.(string)
			if !ok {
				l.errorf(key, "is %s, want a kernel name as a string; valid: %s", describe(v), strings.Join(cat.Names(), ", "))
				kernelSet = true // reported; do not also report it missing
				continue
			}
			kernelSet = true
			spec, found := cat.Lookup(s)
			if !found {
				l.errorf(key, "%s", unknownMsg("unknown kernel "+strconv.Quote(s), s, cat.Names()))
				continue
			}
			e.Kernel, kernelOK = spec, true
		case "seed":
			seedSet = true
			n, ok := asInt(v)
			switch {
			case !ok:
				l.errorf(key, "is %s, want an integer in [0, 2^63-1], such as seed = 1", describe(v))
			case n < 0:
				l.errorf(key, "is %d, want an integer in [0, 2^63-1], such as seed = 1", n)
			default:
				e.Seed = uint64(n)
			}
		case "run":
			m, ok := v.(map[string]any)
			if !ok {
				l.errorf(key, "is %s, want a table: a [run] header followed by retries, timeout or on_error", describe(v))
				continue
			}
			runTable = m
		case "slurm":
			m, ok := v.(map[string]any)
			if !ok {
				l.errorf(key, "is %s, want a table: a [slurm] header followed by %s", describe(v), strings.Join(slurmKeys, ", "))
				continue
			}
			slurmTable = m
		case "params", "sweep", "zip", "samples", "output":
			m, ok := v.(map[string]any)
			if !ok {
				l.errorf(key, "is %s, want a table: a [%s] header followed by its keys", describe(v), k)
				switch k {
				case "params", "sweep":
					paramsBad = true
				case "samples":
					samplesSet = true
				case "output":
					outputSet = true
				}
				continue
			}
			switch k {
			case "params":
				params = m
			case "sweep":
				sweep = m
			case "zip":
				zip = m
			case "samples":
				samples, samplesSet = m, true
			case "output":
				output, outputSet = m, true
			}
		case "plot":
			plots, _ = l.plotTables(v)
		default:
			l.errorf(key, "%s", unknownMsg("unknown key", k, topKeys))
		}
	}

	if !kernelSet {
		l.errorf([]string{"kernel"}, "missing: name the kernel to run, such as kernel = %q; valid: %s",
			firstOr(cat.Names(), "ising2d"), strings.Join(cat.Names(), ", "))
	}
	if !seedSet {
		l.errorf([]string{"seed"}, "missing: add an integer seed such as seed = 1; with the parameter values it determines every random stream")
	}
	if !nameSet && !hasKey(raw, "name") {
		base := strings.TrimSuffix(filepath.Base(l.file), ".toml")
		if validName(base) {
			e.Name = base
		} else {
			l.errorf([]string{"name"}, "missing, and the file name %q does not give a valid default; add name = %q", base, "my-experiment")
		}
	}
	if samplesSet {
		if samples != nil {
			l.budget(e, samples)
		}
	} else {
		l.errorf([]string{"samples"}, "missing: add a [samples] table with samples = N (per point) and chunk_size = N or chunks = N")
	}
	e.Output.Dir = "results/" + e.Name
	if outputSet && output != nil {
		l.output(e, output)
	}
	e.Run = DefaultRun
	if runTable != nil {
		l.runSettings(e, runTable)
	}
	if slurmTable != nil {
		l.slurmSettings(e, slurmTable)
	}
	l.sweepBad = paramsBad
	if kernelOK {
		l.params(e, params, sweep, zip, !paramsBad)
	}
	l.plots(e, plots, kernelOK)
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

// budget validates the [samples] table.
func (l *loader) budget(e *Experiment, m map[string]any) {
	var samples, size, chunks int64
	var sizeSet, chunksSet bool
	for _, k := range l.keys(m, "samples") {
		v := m[k]
		key := []string{"samples", k}
		switch k {
		case "samples", "chunk_size", "chunks":
			n, ok := asInt(v)
			switch {
			case !ok:
				l.errorf(key, "is %s, want a positive integer such as %s = 1000", describe(v), k)
				n = -1
			case n < 1:
				l.errorf(key, "is %d, want a positive integer such as %s = 1000", n, k)
				n = -1
			}
			switch k {
			case "samples":
				samples = n
			case "chunk_size":
				size, sizeSet = n, true
			case "chunks":
				chunks, chunksSet = n, true
			}
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, samplesKeys), topHint(k))
		}
	}
	if samples == 0 {
		l.errorf([]string{"samples", "samples"}, "missing: add samples = N, the number of samples per point")
	}
	switch {
	case sizeSet == chunksSet:
		what := "neither is set"
		if sizeSet {
			what = "both are set"
		}
		l.errorf([]string{"samples"}, "%s: set exactly one of chunk_size or chunks. "+
			"chunk_size = N fixes the samples per chunk, so raising samples later adds chunks and leaves the existing ones unchanged; "+
			"chunks = N fixes the chunks per point, and raising samples then changes every chunk", what)
	case samples < 1 || size < 0 || chunks < 0:
		// Already reported.
	case sizeSet:
		e.Budget = Budget{Samples: samples, ChunkSize: size, Chunks: samples / size}
		if samples%size != 0 {
			e.Budget.Chunks++
		}
	case chunks > samples:
		l.errorf([]string{"samples", "chunks"}, "is %d, more than samples = %d: every chunk needs at least one sample; want chunks ≤ samples", chunks, samples)
	default:
		e.Budget = Budget{Samples: samples, Chunks: chunks}
	}
}

// runSettings validates the [run] table.
func (l *loader) runSettings(e *Experiment, m map[string]any) {
	for _, k := range l.keys(m, "run") {
		v := m[k]
		key := []string{"run", k}
		switch k {
		case "retries":
			n, ok := asInt(v)
			if !ok || n < 0 || n > 100 {
				l.errorf(key, "is %s, want an integer in [0, 100], such as retries = 2", describe(v))
				continue
			}
			e.Run.Retries = int(n)
		case "timeout":
			str, ok := v.(string)
			d, err := time.ParseDuration(str)
			if !ok || err != nil || d < 0 {
				l.errorf(key, "is %s, want a duration as a string such as timeout = \"10m\" (units ns, us, ms, s, m, h; \"0s\" for none)", describe(v))
				continue
			}
			e.Run.Timeout = d
		case "on_error":
			str, ok := v.(string)
			if !ok || (str != OnErrorStop && str != OnErrorContinue) {
				l.errorf(key, "is %s, want %q (the first failing chunk stops the run) or %q (record the point as failed and go on)", describe(v), OnErrorStop, OnErrorContinue)
				continue
			}
			e.Run.OnError = str
		default:
			l.errorf(key, "%s", unknownMsg("unknown key", k, []string{"retries", "timeout", "on_error"}))
		}
	}
}

// slurmSettings validates the [slurm] table.
func (l *loader) slurmSettings(e *Experiment, m map[string]any) {
	s := &e.Slurm
	for _, k := range l.keys(m, "slurm") {
		v := m[k]
		key := []string{"slurm", k}
		switch k {
		case "array", "throttle", "cpus_per_task":
			n, ok := asInt(v)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			if msg := CheckSlurm(k, n); msg != "" {
				l.errorf(key, "is %s, %s", describe(v), msg)
				continue
			}
			switch k {
			case "array":
				s.Array = int(n)
			case "throttle":
				s.Throttle = int(n)
			case "cpus_per_task":
				s.CPUsPerTask = int(n)
			}
		case "partition", "time", "mem", "account":
			str, ok := v.(string)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			if msg := CheckSlurm(k, str); msg != "" {
				l.errorf(key, "is %s, %s", describe(v), msg)
				continue
			}
			switch k {
			case "partition":
				s.Partition = str
			case "time":
				s.Time = str
			case "mem":
				s.Mem = str
			case "account":
				s.Account = str
			}
		case "sbatch_args":
			list, ok := v.([]any)
			if !ok {
				l.errorf(key, "is %s, %s", describe(v), slurmWant(k))
				continue
			}
			args := make([]string, 0, len(list))
			bad := false
			for i, a := range list {
				str, ok := a.(string)
				msg := slurmWant(k)
				if ok {
					msg = CheckSlurm(k, str)
				}
				if msg != "" {
					l.errorf(key, "index %d: is %s, %s", i, describe(a), msg)
					bad = true
					continue
				}
				args = append(args, str)
			}
			if !bad {
				s.SbatchArgs = args
			}
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, slurmKeys), topHint(k))
		}
	}
}

// slurmWant says what a valid value of a [slurm] key is.
func slurmWant(key string) string {
	switch key {
	case "array":
		return fmt.Sprintf("want an integer in [1, %d], the number of array tasks (shards), such as array = 16", MaxSlurmArray)
	case "throttle":
		return "want an integer ≥ 0, the most array tasks running at once (0 for no limit), such as throttle = 4"
	case "cpus_per_task":
		return "want an integer in [1, 65536], the CPUs (and workers) of each array task, such as cpus_per_task = 4"
	case "partition":
		return `want a partition name without spaces or quotes, such as partition = "short"`
	case "account":
		return `want an account name without spaces or quotes, such as account = "project42"`
	case "time":
		return `want a Slurm time limit as a string: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM" or "D-HH:MM:SS", such as time = "2:00:00"`
	case "mem":
		return `want memory per node as a string: an integer with an optional unit K, M (the default), G or T, such as mem = "4G"`
	case "sbatch_args":
		return `want a list of sbatch options, one string each, written --name=value, such as sbatch_args = ["--qos=long"]`
	}
	return "unknown key"
}

// MaxSlurmArray is the largest number of array tasks Slurm can be
// configured to allow (MaxArraySize is at most 4000001).
const MaxSlurmArray = 4000001

var (
	slurmTimeRE = regexp.MustCompile(`^([0-9]+(:[0-9]+){0,2}|[0-9]+-[0-9]+(:[0-9]+){0,2}|(?i:unlimited|infinite))$`)
	slurmMemRE  = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)
)

// sbatchOwnOptions are the sbatch options that have their own [slurm] key
// or that simrun submit sets itself, by long and short name.
var sbatchOwnOptions = map[string]string{
	"--array":         "array",
	"-a":              "array",
	"--partition":     "partition",
	"-p":              "partition",
	"--time":          "time",
	"-t":              "time",
	"--mem":           "mem",
	"--cpus-per-task": "cpus_per_task",
	"-c":              "cpus_per_task",
	"--account":       "account",
	"-A":              "account",
	"--job-name":      "",
	"-J":              "",
	"--output":        "",
	"-o":              "",
}

// CheckSlurm checks the value of one [slurm] key: an int64 for array,
// throttle and cpus_per_task, a string for partition, time, mem and
// account, and one of its strings for sbatch_args. It returns "" if the
// value is valid, and otherwise what would be ("want ..."). simrun submit
// checks its flags with it.
func CheckSlurm(key string, v any) string {
	switch v := v.(type) {
	case int64:
		switch key {
		case "array":
			if v >= 1 && v <= MaxSlurmArray {
				return ""
			}
		case "throttle":
			if v >= 0 && v <= MaxSlurmArray {
				return ""
			}
		case "cpus_per_task":
			if v >= 1 && v <= 65536 {
				return ""
			}
		}
	case string:
		switch key {
		case "partition", "account":
			if v != "" && !strings.ContainsFunc(v, unsafeInScript) {
				return ""
			}
		case "time":
			if slurmTimeRE.MatchString(v) {
				return ""
			}
		case "mem":
			if slurmMemRE.MatchString(v) {
				return ""
			}
		case "sbatch_args":
			switch {
			case !strings.HasPrefix(v, "-") || v == "-" || v == "--":
				return `want an sbatch option starting with "-", with its value in the same string: --name=value, such as "--qos=long"`
			case strings.ContainsFunc(v, unsafeInScript):
				return `want an sbatch option without spaces, quotes or backslashes (each becomes an #SBATCH line), such as "--qos=long"`
			}
			name, _, _ := strings.Cut(v, "=")
			if !strings.HasPrefix(name, "--") {
				name = name[:2]
			}
			if own, ok := sbatchOwnOptions[name]; ok {
				if own == "" {
					return fmt.Sprintf("simrun submit sets %s itself; leave it out", name)
				}
				return fmt.Sprintf("%s has its own key: set %s in [slurm] (or the flag --%s of simrun submit) instead", name, own, strings.ReplaceAll(own, "_", "-"))
			}
			return ""
		}
	}
	return slurmWant(key)
}

// unsafeInScript reports the characters a value written into an #SBATCH
// line cannot hold.
func unsafeInScript(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\'' || r == '\\'
}

// output validates the [output] table.
func (l *loader) output(e *Experiment, m map[string]any) {
	for _, k := range l.keys(m, "output") {
		v := m[k]
		key := []string{"output", k}
		switch k {
		case "dir":
			s, ok := v.(string)
			switch {
			case !ok:
				l.errorf(key, "is %s, want a directory as a string such as dir = %q", describe(v), "results/"+e.Name)
			case s == "":
				l.errorf(key, "is empty; want a directory such as dir = %q, or leave it out for that default", "results/"+e.Name)
			default:
				e.Output.Dir = s
			}
		default:
			l.errorf(key, "%s%s", unknownMsg("unknown key", k, outputKeys), topHint(k))
		}
	}
}

// params validates [params], [sweep] and [zip] against the kernel and
// builds the sweep. It reports missing required parameters if required.
func (l *loader) params(e *Experiment, params, sweep, zip map[string]any, required bool) {
	k := &e.Kernel
	names := make([]string, len(k.Params))
	for i, p := range k.Params {
		names[i] = p.Name
	}
	index := func(name string) int {
		for i, p := range k.Params {
			if p.Name == name {
				return i
			}
		}
		return -1
	}
	unknown := "unknown parameter of kernel " + strconv.Quote(k.Name)

	s := Sweep{specs: k.Params, base: make([]Value, len(k.Params))}
	for i, p := range k.Params {
		s.base[i] = convertDefault(p)
	}
	set := make(map[string]bool) // set in [params] or [sweep], valid or not

	for _, name := range l.keys(params, "params") {
		key := []string{"params", name}
		i := index(name)
		if i < 0 {
			l.errorf(key, "%s%s", unknownMsg(unknown, name, names), topHint(name))
			continue
		}
		set[name] = true
		spec := k.Params[i]
		v, msg := toValue(spec, params[name])
		if msg == "" {
			if err := spec.Check(v); err != nil {
				msg = err.Error()
			}
		}
		if msg != "" {
			l.errorf(key, "%s", msg)
			continue
		}
		s.base[i] = v
		s.fixed = append(s.fixed, name)
	}

	var cols []*column // valid columns, in [sweep] order
	sweepOrder := l.keys(sweep, "sweep")
	inSweep := make(map[string]bool)
	for _, name := range sweepOrder {
		key := []string{"sweep", name}
		i := index(name)
		if i < 0 {
			l.errorf(key, "%s%s", unknownMsg(unknown, name, names), topHint(name))
			continue
		}
		inSweep[name] = true
		if l.sweepNames == nil {
			l.sweepNames = make(map[string]bool)
		}
		l.sweepNames[name] = true
		if _, dup := params[name]; dup {
			l.errorf(key, "is also set in [params] (line %d); a parameter is either fixed in [params] or swept in [sweep], not both",
				l.loc.line([]string{"params", name}))
			continue
		}
		set[name] = true
		if c := l.column(key, i, k.Params[i], sweep[name]); c != nil {
			cols = append(cols, c)
		}
	}

	for _, p := range k.Params {
		if required && p.Required() && !set[p.Name] {
			doc := ""
			if p.Doc != "" {
				doc = " (" + p.Doc + ")"
			}
			l.errorf([]string{"params", p.Name}, "required parameter of kernel %q%s is not set; set it in [params], such as %s = ..., or sweep it in [sweep]",
				k.Name, doc, p.Name)
		}
	}

	groups := l.zipGroups(zip, sweepOrder, inSweep, cols)

	// Axes: each column on its own, except zip groups, which form one axis
	// where their first member appears in [sweep].
	placed := make(map[string]bool)
	for _, c := range cols {
		g, inGroup := groups.of[c.name]
		if !inGroup {
			s.axes = append(s.axes, axis{cols: []column{*c}, n: c.n})
			continue
		}
		if placed[g.name] {
			continue
		}
		placed[g.name] = true
		ax := axis{zip: g.name, n: c.n}
		for _, m := range g.members {
			ax.cols = append(ax.cols, *m)
		}
		s.axes = append(s.axes, ax)
	}
	for i := range s.axes {
		l.checkDistinct(&s.axes[i])
	}

	s.n = 1
	for _, ax := range s.axes {
		n, ok := mul64(s.n, ax.n)
		if !ok {
			l.errorf([]string{"sweep"}, "has more than 2^63-1 points (%s); use fewer values", axisLens(s.axes))
			return
		}
		s.n = n
	}
	e.sweep = s
}

// convertDefault returns p's default converted to p's kind where that is
// exact (an Int default for a Float parameter, an integral Float default
// for an Int one), so that points carry values of the declared kinds.
func convertDefault(p ParamSpec) Value {
	d := p.Default
	switch {
	case p.Kind == Float && d.Kind == Int:
		return FloatValue(float64(d.I))
	case p.Kind == Int && d.Kind == Float:
		if n, ok := asInt(d.F); ok {
			return IntValue(n)
		}
	}
	return d
}

func axisLens(axes []axis) string {
	parts := make([]string, len(axes))
	for i, ax := range axes {
		names := make([]string, len(ax.cols))
		for j, c := range ax.cols {
			names[j] = c.name
		}
		parts[i] = fmt.Sprintf("%s: %d", strings.Join(names, "+"), ax.n)
	}
	return strings.Join(parts, " × ")
}

// zipGroup is a valid [zip] group.
type zipGroup struct {
	name    string
	members []*column
}

type zipGroups struct {
	of map[string]*zipGroup // by member name
}

// zipGroups validates [zip]. Only groups whose members are all valid
// columns of equal length are returned; the others have been reported
// (or their members' own errors have).
func (l *loader) zipGroups(zip map[string]any, sweepOrder []string, inSweep map[string]bool, cols []*column) zipGroups {
	gs := zipGroups{of: make(map[string]*zipGroup)}
	byName := make(map[string]*column)
	for _, c := range cols {
		byName[c.name] = c
	}
	groupOf := make(map[string]string) // member → group, valid or not
	for _, name := range l.keys(zip, "zip") {
		key := []string{"zip", name}
		list, ok := zip[name].([]any)
		if !ok || len(list) == 0 {
			what := describe(zip[name])
			if ok {
				what = "an empty list"
			}
			l.errorf(key, "is %s, want a list of swept parameters to pair element by element, such as %s = [%q, %q]",
				what, joinKey([]string{name}), firstOr(sweepOrder, "a"), "b")
			continue
		}
		g := &zipGroup{name: name}
		valid := true
		for i, m := range list {
			member, ok := m.(string)
			switch {
			case !ok:
				l.errorf(key, "index %d: is %s, want the name of a swept parameter as a string", i, describe(m))
			case !inSweep[member]:
				l.errorf(key, "index %d: %s", i, unknownMsg(strconv.Quote(member)+" is not a parameter in [sweep]", member, sweepOrder))
			case groupOf[member] == name:
				l.errorf(key, "index %d: %q is listed twice", i, member)
			case groupOf[member] != "":
				l.errorf(key, "index %d: %q is already in zip group %q; a parameter can be in one group only", i, member, groupOf[member])
			default:
				groupOf[member] = name
				if c := byName[member]; c != nil {
					g.members = append(g.members, c)
					continue
				}
			}
			valid = false // reported here, or the column's own error was
		}
		if !valid {
			continue
		}
		var lens []string
		for _, c := range g.members {
			lens = append(lens, fmt.Sprintf("%s has %d", c.name, c.n))
			if c.n != g.members[0].n {
				valid = false
			}
		}
		if !valid {
			l.errorf(key, "lengths differ: %s values; zipped parameters pair element by element, so they need the same number of values",
				strings.Join(lens, ", "))
			continue
		}
		for _, c := range g.members {
			gs.of[c.name] = g
		}
	}
	return gs
}

// checkDistinct reports an axis whose values repeat: two points with the
// same parameters would have the same key, and so the same random streams.
// It checks explicit lists, and linspace/logspace axes whose start is their
// stop; lazily computed values are not compared one by one.
func (l *loader) checkDistinct(ax *axis) {
	for _, c := range ax.cols {
		if c.kind != colList {
			if len(ax.cols) == 1 && (c.kind == colLinspace || c.kind == colLogspace) && c.n > 1 && c.a == c.b {
				l.errorf([]string{"sweep", c.name}, "all %d values are %s: start equals stop; use num = 1 or a different stop", c.n, c.at(0))
			}
			return
		}
	}
	seen := make(map[string]int64, ax.n)
	var b strings.Builder
	for i := int64(0); i < ax.n; i++ {
		b.Reset()
		for _, c := range ax.cols {
			b.WriteString(c.list[i].String())
			b.WriteByte(',')
		}
		t := b.String()
		if j, dup := seen[t]; dup {
			if ax.zip == "" {
				c := ax.cols[0]
				l.errorf([]string{"sweep", c.name}, "index %d: %s repeats index %d; each value must appear once, or the point would run twice with the same random streams", i, c.list[i], j)
			} else {
				l.errorf([]string{"zip", ax.zip}, "index %d repeats index %d (%s); each combination must appear once, or the point would run twice with the same random streams", i, j, strings.TrimSuffix(t, ","))
			}
			return
		}
		seen[t] = i
	}
}

// column validates one [sweep] entry.
func (l *loader) column(key []string, param int, spec ParamSpec, v any) *column {
	c := &column{name: spec.Name, param: param}
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			l.errorf(key, "is an empty list; give at least one value, such as %s = [%s]", spec.Name, example(spec))
			return nil
		}
		c.kind, c.n, c.list = colList, int64(len(v)), make([]Value, len(v))
		for i, x := range v {
			val, msg := toValue(spec, x)
			if msg == "" {
				if err := spec.Check(val); err != nil {
					msg = err.Error()
				}
			}
			if msg != "" {
				l.errorf(key, "index %d: %s", i, msg)
				return nil
			}
			c.list[i] = val
		}
		c.desc = listDesc(c.list)
		return c
	case map[string]any:
		return l.tableColumn(key, c, spec, v)
	}
	l.errorf(key, "is %s, want a list of values such as [%s], or a table such as { linspace = [start, stop, num] } or { from = 1, to = 10, step = 1 }",
		describe(v), example(spec))
	return nil
}

// tableColumn validates a [sweep] entry given as a table: linspace,
// logspace, or from/to/step.
func (l *loader) tableColumn(key []string, c *column, spec ParamSpec, m map[string]any) *column {
	var forms []string
	ok := true
	for _, k := range l.keys(m, key...) {
		switch k {
		case "linspace", "logspace":
			forms = append(forms, k)
		case "from", "to", "step":
			if !slices.Contains(forms, "from/to/step") {
				forms = append(forms, "from/to/step")
			}
		default:
			l.errorf(append(key, k), "%s", unknownMsg("unknown key of a swept parameter", k, sweepKeys))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	if len(forms) != 1 {
		l.errorf(key, "want exactly one of { linspace = [start, stop, num] }, { logspace = [start, stop, num] } or { from = a, to = b, step = s }; found %s",
			orNone(forms))
		return nil
	}
	if spec.Kind != Int && spec.Kind != Float {
		l.errorf(key, "%s is a %s parameter; %s needs a number parameter: list the values instead, such as %s = [%s]",
			spec.Name, spec.Kind, forms[0], spec.Name, example(spec))
		return nil
	}
	if forms[0] == "from/to/step" {
		return l.rangeColumn(key, c, spec, m)
	}
	form := forms[0]
	fkey := append(slices.Clip(key), form)
	if spec.Kind == Int {
		l.errorf(fkey, "%s is an int parameter and %s gives floats; use { from = a, to = b, step = s } or a list such as %s = [%s]",
			spec.Name, form, spec.Name, example(spec))
		return nil
	}
	arr, isArr := m[form].([]any)
	if !isArr || len(arr) != 3 {
		l.errorf(fkey, "is %s, want [start, stop, num], such as %s = [1, 2, 11]", describe(m[form]), form)
		return nil
	}
	start, ok1 := asFloat(arr[0])
	stop, ok2 := asFloat(arr[1])
	num, ok3 := asInt(arr[2])
	switch {
	case !ok1 || !ok2:
		l.errorf(fkey, "start and stop must be numbers; want [start, stop, num], such as %s = [1, 2, 11]", form)
		return nil
	case !ok3:
		l.errorf(fkey, "num is %s, want an integer ≥ 1; want [start, stop, num], such as %s = [1, 2, 11]", describe(arr[2]), form)
		return nil
	case num < 1:
		l.errorf(fkey, "num is %d, want an integer ≥ 1 (the number of values, both ends included)", num)
		return nil
	case !finite(start) || !finite(stop):
		l.errorf(fkey, "start and stop must be finite, not %s and %s", fmtFloat(start), fmtFloat(stop))
		return nil
	case !finite(stop - start):
		l.errorf(fkey, "stop - start overflows a float64; want a narrower interval")
		return nil
	}
	c.kind = colLinspace
	if form == "logspace" {
		c.kind = colLogspace
	}
	c.a, c.b, c.n = start, stop, num
	c.desc = fmt.Sprintf("%s(%s, %s, %d)", form, fmtFloat(start), fmtFloat(stop), num)
	// The values are monotonic in the index except that the last is set
	// to stop exactly, so the extremes are among these three.
	if !l.checkAt(fkey, c, spec, 0, num-2, num-1) {
		return nil
	}
	return c
}

// rangeColumn validates { from = a, to = b, step = s }.
func (l *loader) rangeColumn(key []string, c *column, spec ParamSpec, m map[string]any) *column {
	for _, k := range []string{"from", "to", "step"} {
		if _, ok := m[k]; !ok {
			l.errorf(key, "missing %s; want { from = a, to = b, step = s }, such as { from = 8, to = 64, step = 8 }", k)
			return nil
		}
	}
	if spec.Kind == Int {
		var v [3]int64
		for i, k := range []string{"from", "to", "step"} {
			n, ok := asInt(m[k])
			if !ok {
				l.errorf(append(slices.Clip(key), k), "is %s, want an integer: %s is an int parameter", describe(m[k]), spec.Name)
				return nil
			}
			v[i] = n
		}
		from, to, step := v[0], v[1], v[2]
		if !l.checkStep(key, step == 0, step > 0, to > from, to < from, fmt.Sprint(step)) {
			return nil
		}
		// |to-from| and |step| as uint64, which cannot overflow.
		span, mag := uint64(to)-uint64(from), uint64(step)
		if to < from {
			span, mag = uint64(from)-uint64(to), -uint64(step)
		}
		n := span/mag + 1
		if n > math.MaxInt64 {
			l.errorf(key, "has more than 2^63-1 values; want a larger step")
			return nil
		}
		c.kind, c.ia, c.ib, c.n = colIntRange, from, step, int64(n)
		c.desc = fmt.Sprintf("from %d to %d step %d", from, to, step)
	} else {
		var v [3]float64
		for i, k := range []string{"from", "to", "step"} {
			f, ok := asFloat(m[k])
			if !ok || !finite(f) {
				l.errorf(append(slices.Clip(key), k), "is %s, want a finite number", describe(m[k]))
				return nil
			}
			v[i] = f
		}
		from, to, step := v[0], v[1], v[2]
		if !l.checkStep(key, step == 0, step > 0, to > from, to < from, fmtFloat(step)) {
			return nil
		}
		q := (to-from)/step + 1e-9
		if !(q < 1<<62) {
			l.errorf(key, "has more than 2^62 values; want a larger step")
			return nil
		}
		c.kind, c.a, c.b, c.n = colFloatRange, from, step, int64(math.Floor(q))+1
		c.desc = fmt.Sprintf("from %s to %s step %s", fmtFloat(from), fmtFloat(to), fmtFloat(step))
	}
	// from + i*step is monotonic in i: its ends are its extremes.
	if !l.checkAt(key, c, spec, 0, c.n-1) {
		return nil
	}
	return c
}

// checkStep reports a zero step or one going away from "to".
func (l *loader) checkStep(key []string, zero, up, toAbove, toBelow bool, step string) bool {
	skey := append(slices.Clip(key), "step")
	switch {
	case zero:
		l.errorf(skey, "is 0; want a nonzero step, positive when to > from and negative when to < from")
		return false
	case up && toBelow:
		l.errorf(skey, "is %s, but to < from; want a negative step to count down", step)
		return false
	case !up && toAbove:
		l.errorf(skey, "is %s, but to > from; want a positive step to count up", step)
		return false
	}
	return true
}

// checkAt checks the values of c at the given indices (those out of range
// are skipped) and reports the first bad one.
func (l *loader) checkAt(key []string, c *column, spec ParamSpec, idx ...int64) bool {
	for _, i := range idx {
		if i < 0 || i >= c.n {
			continue
		}
		if err := spec.Check(c.at(i)); err != nil {
			l.errorf(key, "index %d: %s", i, err)
			return false
		}
	}
	return true
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " and ")
}

// toValue converts a decoded TOML value to spec's kind, or returns a
// message saying why it cannot.
func toValue(spec ParamSpec, v any) (Value, string) {
	switch spec.Kind {
	case Int:
		if n, ok := asInt(v); ok {
			return IntValue(n), ""
		}
		if f, ok := v.(float64); ok {
			return Value{}, fmt.Sprintf("is %s, want an integer: %s is an int parameter", fmtFloat(f), spec.Name)
		}
	case Float:
		if f, ok := asFloat(v); ok {
			return FloatValue(f), ""
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return BoolValue(b), ""
		}
	case String:
		if s, ok := v.(string); ok {
			return StringValue(s), ""
		}
	}
	return Value{}, fmt.Sprintf("is %s, want %s: %s is %s parameter", describe(v), kindWant(spec.Kind), spec.Name, article(spec.Kind))
}

func kindWant(k Kind) string {
	switch k {
	case Int:
		return "an integer"
	case Float:
		return "a number"
	case Bool:
		return "true or false"
	case String:
		return "a string"
	}
	return "nothing: the kernel declares this parameter with an invalid kind"
}

func article(k Kind) string {
	if k == Int || k == Invalid {
		return "an " + k.String()
	}
	return "a " + k.String()
}

// example returns a valid-looking value of spec, for messages.
func example(spec ParamSpec) string {
	if spec.Default.Kind == spec.Kind {
		return spec.Default.String()
	}
	switch spec.Kind {
	case Int:
		return "1, 2, 3"
	case Float:
		return "0.5, 1.0"
	case Bool:
		return "true, false"
	case String:
		if len(spec.Choices) > 0 {
			return strconv.Quote(spec.Choices[0])
		}
		return `"a", "b"`
	}
	return "..."
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

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// describe names a decoded TOML value's type and value, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case int64:
		return fmt.Sprintf("the integer %d", v)
	case float64:
		return "the float " + fmtFloat(v)
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

// listDesc formats a list of values for Axis.Desc, eliding the middle of
// long lists.
func listDesc(vals []Value) string {
	var parts []string
	if len(vals) <= 8 {
		for _, v := range vals {
			parts = append(parts, v.String())
		}
	} else {
		for _, v := range vals[:3] {
			parts = append(parts, v.String())
		}
		parts = append(parts, "...")
		for _, v := range vals[len(vals)-2:] {
			parts = append(parts, v.String())
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
