package sim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The keys of a [[plot]] table, and the values of its enumerations.
var (
	plotKeys    = []string{"name", "kind", "x", "y", "stat", "reference", "title", "xlabel", "ylabel", "log_x", "log_y", "residuals", "bins", "formats"}
	plotKinds   = []string{"line", "histogram", "map"}
	plotStats   = []string{"mean", "stderr", "sd", "variance"}
	plotFormats = []string{"png", "svg"}
)

// plotTables returns the tables of a top-level plot value: an array of
// tables ([[plot]] headers, or plot = [{...}, ...]). It reports anything
// else and returns ok = false.
func (l *loader) plotTables(v any) (tables []map[string]any, ok bool) {
	const want = "want an array of tables: one [[plot]] table (double brackets) per figure"
	switch v := v.(type) {
	case []map[string]any:
		return v, true
	case []any:
		tables = make([]map[string]any, len(v))
		for i, x := range v {
			m, isTable := x.(map[string]any)
			if !isTable {
				l.errorf([]string{"plot"}, "index %d: is %s, %s", i, describe(x), want)
				return nil, false
			}
			tables[i] = m
		}
		return tables, true
	case map[string]any:
		l.errorf([]string{"plot"}, "is a single table ([plot]); %s", want)
		return nil, false
	}
	l.errorf([]string{"plot"}, "is %s, %s", describe(v), want)
	return nil, false
}

// plotErrorf records a problem with key rest of plot table i, as
// "plot[i].rest", at the line of that key in that table.
func (l *loader) plotErrorf(i int, rest []string, format string, args ...any) {
	key := fmt.Sprintf("plot[%d]", i)
	if len(rest) > 0 {
		key += "." + joinKey(rest)
	}
	loc := append([]string{"plot", indexPart(i)}, rest...)
	l.errs = append(l.errs, &Error{
		File: l.file,
		Line: l.loc.line(loc),
		Key:  key,
		Msg:  fmt.Sprintf(format, args...),
	})
}

// plotKeysOf returns the keys of plot table i in file order (as far as the
// locator can tell), then by name.
func (l *loader) plotKeysOf(i int, m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.SliceStable(keys, func(a, b int) bool {
		return l.loc.line([]string{"plot", indexPart(i), keys[a]}) < l.loc.line([]string{"plot", indexPart(i), keys[b]})
	})
	return keys
}

// plots validates the [[plot]] tables into e.Plots. The checks that need
// the kernel (x, y, reference, log_x) are made only when it is known, and
// those that need the sweep only when [sweep] itself had no problem that
// would make them report twice.
func (l *loader) plots(e *Experiment, tables []map[string]any, kernelOK bool) {
	names := make(map[string]int) // plot name → index of the first use
	for i, m := range tables {
		p, ok := l.plot(e, i, m, kernelOK)
		if p.Name != "" {
			if j, dup := names[p.Name]; dup {
				l.plotErrorf(i, []string{"name"}, "%q is also the name of plot[%d] (line %d); each plot needs its own name: it is the file stem of its images",
					p.Name, j, l.loc.line([]string{"plot", indexPart(j), "name"}))
				continue
			}
			names[p.Name] = i
		}
		if ok {
			e.Plots = append(e.Plots, p)
		}
	}
}

// plot validates plot table i. It returns the spec with defaults filled in,
// and ok = false if it reported a problem (p.Name is set if the name was
// valid, for the uniqueness check).
func (l *loader) plot(e *Experiment, i int, m map[string]any, kernelOK bool) (p PlotSpec, ok bool) {
	nerrs := len(l.errs)
	str := func(k string, v any) (string, bool) {
		s, isStr := v.(string)
		if !isStr {
			l.plotErrorf(i, []string{k}, "is %s, want a string", describe(v))
		}
		return s, isStr
	}
	boolean := func(k string, v any) bool {
		b, isBool := v.(bool)
		if !isBool {
			l.plotErrorf(i, []string{k}, "is %s, want true or false", describe(v))
		}
		return b
	}
	var kindSet, xSet, ySet, statSet, binsSet bool
	for _, k := range l.plotKeysOf(i, m) {
		v := m[k]
		key := []string{k}
		switch k {
		case "name":
			s, isStr := v.(string)
			switch {
			case !isStr:
				l.plotErrorf(i, key, "is %s, want a string such as name = %q: the file stem of the figure's images", describe(v), "magnetization")
			case !validName(s):
				l.plotErrorf(i, key, "%q is not a valid name: want a letter or digit, then letters, digits, '_', '.' or '-' (it is the file stem of the figure's images)", s)
			default:
				p.Name = s
			}
		case "kind":
			kindSet = true
			if s, isStr := str(k, v); isStr {
				if slices.Contains(plotKinds, s) {
					p.Kind = s
				} else {
					l.plotErrorf(i, key, "%s", unknownMsg("unknown plot kind "+strconv.Quote(s), s, plotKinds))
				}
			}
		case "stat":
			statSet = true
			if s, isStr := str(k, v); isStr {
				if slices.Contains(plotStats, s) {
					p.Stat = s
				} else {
					l.plotErrorf(i, key, "%s", unknownMsg("unknown statistic "+strconv.Quote(s), s, plotStats))
				}
			}
		case "x":
			xSet = true // read below, once the kind is known
		case "y":
			ySet = true
			p.Y, _ = str(k, v)
		case "reference":
			p.Reference, _ = str(k, v)
		case "title":
			p.Title, _ = str(k, v)
		case "xlabel":
			p.XLabel, _ = str(k, v)
		case "ylabel":
			p.YLabel, _ = str(k, v)
		case "log_x":
			p.LogX = boolean(k, v)
		case "log_y":
			p.LogY = boolean(k, v)
		case "residuals":
			p.Residuals = boolean(k, v)
		case "bins":
			binsSet = true
			n, isInt := asInt(v)
			switch {
			case !isInt:
				l.plotErrorf(i, key, "is %s, want an integer ≥ 1 such as bins = 30, or leave it out to choose the bins automatically", describe(v))
			case n < 1 || n > 1<<20:
				l.plotErrorf(i, key, "is %d, want an integer in [1, 1048576] such as bins = 30, or leave it out to choose the bins automatically", n)
			default:
				p.Bins = int(n)
			}
		case "formats":
			p.Formats = l.plotFormats(i, v)
		default:
			l.plotErrorf(i, key, "%s%s", unknownMsg("unknown key of a [[plot]] table", k, plotKeys), topHint(k))
		}
	}
	if _, set := m["name"]; !set {
		l.plotErrorf(i, nil, "missing name: add name = %q, the file stem of the figure's images", "magnetization")
	}
	// The checks below need the kind and statistic; an invalid one stays
	// "" (reported), which no check matches. WithDefaults, at the end,
	// fills in the rest.
	if !kindSet {
		p.Kind = "line"
	}
	if !statSet {
		p.Stat = "mean"
	}

	histogram := p.Kind == "histogram"
	line := p.Kind == "line"
	isMap := p.Kind == "map"
	xOK := false // x is a string, or a map's two strings
	if v, set := m["x"]; set && !histogram {
		if isMap {
			list, isList := v.([]any)
			a, okA := listString(list, 0)
			b, okB := listString(list, 1)
			switch {
			case !isList || len(list) != 2 || !okA || !okB:
				l.plotErrorf(i, []string{"x"}, "is %s, want the two swept parameters of a map's axes, such as x = [%q, %q]", describe(v), "K", "sigma")
			case a == b:
				l.plotErrorf(i, []string{"x"}, "names %q twice; a map's axes are two different parameters", a)
			default:
				p.X, p.X2, xOK = a, b, true
			}
		} else if _, isList := v.([]any); isList && line {
			l.plotErrorf(i, []string{"x"}, "is a list; a line plot's x is one swept parameter, such as x = %q; two parameters, x = [\"a\", \"b\"], are for kind = \"map\"", "T")
		} else {
			p.X, xOK = str("x", v)
		}
	}
	if isMap {
		if _, set := m["reference"]; set {
			l.plotErrorf(i, []string{"reference"}, "applies to line plots only: a map colours its points by y and draws no reference; remove it")
		}
		if binsSet {
			l.plotErrorf(i, []string{"bins"}, "applies to histograms only; remove it")
		}
		if !xSet {
			l.plotErrorf(i, nil, "missing x: a map needs x = [\"a\", \"b\"], the two swept parameters of its axes%s", l.sweptList(e, kernelOK))
		}
	}
	if histogram {
		if xSet {
			l.plotErrorf(i, []string{"x"}, "must be absent in a histogram, which draws the distribution of y's per-chunk estimates; remove it, or set kind = \"line\" to plot y against x")
		}
		if statSet && p.Stat != "" && p.Stat != "mean" {
			l.plotErrorf(i, []string{"stat"}, "is %q, but a histogram draws the per-chunk estimates of the mean of y; stat applies to line plots only: remove it", p.Stat)
		}
	}
	if line && binsSet {
		l.plotErrorf(i, []string{"bins"}, "applies to histograms only; remove it, or set kind = \"histogram\"")
	}
	if p.Residuals {
		_, refSet := m["reference"]
		switch {
		case !line:
			l.plotErrorf(i, []string{"residuals"}, "applies to line plots only: the residual panel is drawn under a line plot's points; remove it")
		case !refSet:
			l.plotErrorf(i, []string{"residuals"}, "needs a reference: the residuals are (mean − reference)/stderr at each point; add reference = \"...\"%s, or remove residuals", l.referencesOf(e, p.Y, kernelOK))
		case statSet && p.Stat != "" && p.Stat != "mean":
			l.plotErrorf(i, []string{"residuals"}, "needs stat = \"mean\", not %q: the residuals are (mean − reference)/stderr, in units of the mean's standard error; remove residuals or stat", p.Stat)
		}
	}
	if !ySet {
		l.plotErrorf(i, nil, "missing y: add y = \"...\", the observable or derived quantity to plot%s", l.quantities(e, kernelOK))
	}
	if line && !xSet {
		l.plotErrorf(i, nil, "missing x: a line plot needs x = \"...\", a swept parameter%s", l.sweptList(e, kernelOK))
	}

	if kernelOK {
		yOK := ySet && p.Y != "" && l.plotY(e, i, p.Y)
		if ySet && p.Y == "" {
			if _, isStr := m["y"].(string); isStr {
				l.plotErrorf(i, []string{"y"}, "is empty; want an observable or derived quantity%s", l.quantities(e, true))
			}
		}
		if xOK && (line || isMap) {
			l.plotX(e, i, &p)
		}
		if p.Reference != "" && (line || histogram) {
			l.plotReference(e, i, &p, yOK)
		}
		if xOK && line && len(l.errs) == nerrs {
			l.plotSinglePoints(e, i, p)
		}
	}

	var k *KernelSpec
	if kernelOK {
		k = &e.Kernel
	}
	return p.WithDefaultsFor(k), len(l.errs) == nerrs
}

// WithDefaults returns p.WithDefaultsFor(nil): the defaults from the
// names alone, for a plot without its kernel at hand.
func (p PlotSpec) WithDefaults() PlotSpec { return p.WithDefaultsFor(nil) }

// WithDefaultsFor returns p with its unset fields filled in, as Load fills
// in those a [[plot]] table leaves out, with the labels k declares (the
// names where it declares none, or when k is nil): Kind "line", Stat
// "mean", Formats png and svg; for a line plot, XLabel the label of X,
// YLabel the label of Y, prefixed "standard error of", "standard
// deviation of" or "variance of" when Stat is not the mean, and Title
// "<YLabel> against <XLabel>"; for a map, XLabel and YLabel the labels of
// X and X2, and Title "<Y's label, with Stat as for a line> over
// <XLabel> and <YLabel>"; for a histogram, XLabel the label of Y, YLabel
// "chunks" and Title "<Y's label>: per-chunk estimates". The title of a
// line plot or map is made of its axis labels as set, the experiment's
// own where it gives them. Fields already set are kept, and p's Formats
// is not modified.
func (p PlotSpec) WithDefaultsFor(k *KernelSpec) PlotSpec {
	if p.Kind == "" {
		p.Kind = "line"
	}
	if p.Stat == "" {
		p.Stat = "mean"
	}
	if p.Formats == nil {
		p.Formats = slices.Clone(plotFormats)
	}
	y := k.QuantityLabel(p.Y)
	switch p.Kind {
	case "histogram":
		p.XLabel = or(p.XLabel, y)
		p.YLabel = or(p.YLabel, "chunks")
		p.Title = or(p.Title, y+": per-chunk estimates")
	case "map":
		p.XLabel = or(p.XLabel, k.ParamLabel(p.X))
		p.YLabel = or(p.YLabel, k.ParamLabel(p.X2))
		p.Title = or(p.Title, StatLabel(p.Stat, y)+" over "+p.XLabel+" and "+p.YLabel)
	default:
		p.XLabel = or(p.XLabel, k.ParamLabel(p.X))
		p.YLabel = or(p.YLabel, StatLabel(p.Stat, y))
		p.Title = or(p.Title, p.YLabel+" against "+p.XLabel)
	}
	return p
}

// StatLabel returns what a figure calls the statistic stat of a quantity
// labelled y: y itself for the mean (or ""), else "standard error of y",
// "standard deviation of y", "variance of y" (or "<stat> of y" for a
// statistic it does not know).
func StatLabel(stat, y string) string {
	switch stat {
	case "", "mean":
		return y
	case "stderr":
		return "standard error of " + y
	case "sd":
		return "standard deviation of " + y
	}
	return stat + " of " + y
}

// or returns s, or def when s is "".
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// listString returns list[i] if it is a string.
func listString(list []any, i int) (string, bool) {
	if i >= len(list) {
		return "", false
	}
	s, ok := list[i].(string)
	return s, ok
}

// plotFormats validates formats: a non-empty list of distinct formats.
func (l *loader) plotFormats(i int, v any) []string {
	key := []string{"formats"}
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		what := describe(v)
		if isList {
			what = "an empty list"
		}
		l.plotErrorf(i, key, "is %s, want a list of image formats from %s, such as formats = [\"png\", \"svg\"] (the default)",
			what, strings.Join(plotFormats, ", "))
		return nil
	}
	var out []string
	for j, x := range list {
		s, isStr := x.(string)
		switch {
		case !isStr:
			l.plotErrorf(i, key, "index %d: is %s, want a format as a string; valid: %s", j, describe(x), strings.Join(plotFormats, ", "))
			return nil
		case !slices.Contains(plotFormats, s):
			l.plotErrorf(i, key, "index %d: %s", j, unknownMsg("unknown format "+strconv.Quote(s), s, plotFormats))
			return nil
		case slices.Contains(out, s):
			l.plotErrorf(i, key, "index %d: %q is listed twice", j, s)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// quantityNames returns the kernel's observables and derived quantities.
func quantityNames(k *KernelSpec) []string {
	var names []string
	for _, o := range k.Observables {
		names = append(names, o.Name)
	}
	for _, d := range k.Derived {
		names = append(names, d.Name)
	}
	return names
}

// quantities formats "; valid: ..." for a missing y, or "" when the
// kernel is unknown.
func (l *loader) quantities(e *Experiment, kernelOK bool) string {
	if !kernelOK {
		return ""
	}
	return fmt.Sprintf(" of kernel %q; valid: %s", e.Kernel.Name, orNoneList(quantityNames(&e.Kernel)))
}

// sweptList formats "; swept: ..." for a missing x, or "" when the sweep
// is not known.
func (l *loader) sweptList(e *Experiment, kernelOK bool) string {
	if !kernelOK || l.sweepBad {
		return ""
	}
	return "; swept: " + orNoneList(e.Swept())
}

func orNoneList(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// plotY checks y against the kernel's quantities.
func (l *loader) plotY(e *Experiment, i int, y string) bool {
	names := quantityNames(&e.Kernel)
	if slices.Contains(names, y) {
		return true
	}
	what := fmt.Sprintf("%q is not an observable or derived quantity of kernel %q", y, e.Kernel.Name)
	if _, isParam := e.Kernel.Param(y); isParam {
		what = fmt.Sprintf("%q is a parameter of kernel %q, not an observable or derived quantity", y, e.Kernel.Name)
	}
	l.plotErrorf(i, []string{"y"}, "%s", unknownMsg(what, y, names))
	return false
}

// plotX checks a line plot's x: a swept parameter, with values > 0 if the
// x axis is logarithmic.
func (l *loader) plotX(e *Experiment, i int, p *PlotSpec) {
	if p.Kind == "map" {
		l.plotAxis(e, i, p.X, []string{"x"}, "a map's x", p.LogX, "log_x")
		l.plotAxis(e, i, p.X2, []string{"x"}, "a map's x", p.LogY, "log_y")
		return
	}
	l.plotAxis(e, i, p.X, []string{"x"}, "a line plot's x", p.LogX, "log_x")
}

// plotAxis checks that name, the parameter of an axis (role), is a swept
// int or float parameter, with values > 0 on a log axis.
func (l *loader) plotAxis(e *Experiment, i int, name string, key []string, role string, log bool, logKey string) {
	if l.sweepBad {
		return // [sweep] or [params] was not a table: reported
	}
	swept := e.Swept()
	col := e.sweep.column(name)
	switch {
	case col != nil:
	case l.sweepNames[name]:
		return // in [sweep] or [design], but invalid: reported there
	case slices.Contains(e.sweep.fixed, name):
		l.plotErrorf(i, key, "%q is fixed in [params] (line %d), not swept; %s must be a swept parameter; swept: %s",
			name, l.loc.line([]string{"params", name}), role, orNoneList(swept))
		return
	default:
		what := fmt.Sprintf("%q is not a swept parameter; %s must be one", name, role)
		if _, isParam := e.Kernel.Param(name); !isParam {
			what = fmt.Sprintf("%q is not a parameter of kernel %q; %s must be a swept parameter", name, e.Kernel.Name, role)
		}
		l.plotErrorf(i, key, "%s", relabel(unknownMsg(what, name, swept), what, "swept: "))
		return
	}
	if k := e.Kernel.Params[col.param].Kind; k != Int && k != Float {
		var numeric []string
		for _, n := range swept {
			if c := e.sweep.column(n); c != nil && (e.Kernel.Params[c.param].Kind == Int || e.Kernel.Params[c.param].Kind == Float) {
				numeric = append(numeric, n)
			}
		}
		l.plotErrorf(i, key, "%q is %s parameter; %s must be a swept int or float parameter; those swept: %s",
			name, article(k), role, orNoneList(numeric))
		return
	}
	if !log {
		return
	}
	// Lists: every value. The computed forms are monotonic, except that
	// linspace's last value is stop exactly: their extremes are among the
	// first, the one before the last and the last. A design's values lie
	// in its range.
	switch col.kind {
	case colDesign, colDesignLog, colDesignInt, colDesignIntLog:
		if v := col.bounds()[0]; !(v.Float64() > 0) {
			l.plotErrorf(i, []string{logKey}, "is true, but x = %q ranges from %s (design.params.%s, line %d); a logarithmic axis needs every value > 0: set %s = false or design only positive values",
				name, v, joinKey([]string{name}), l.loc.line([]string{"design", "params", name}), logKey)
		}
		return
	}
	var idx []int64
	if col.kind == colList {
		for j := range col.n {
			idx = append(idx, j)
		}
	} else {
		idx = []int64{0, col.n - 2, col.n - 1}
	}
	for _, j := range idx {
		if j < 0 || j >= col.n {
			continue
		}
		if v := col.at(j); !(v.Float64() > 0) {
			l.plotErrorf(i, []string{logKey}, "is true, but x = %q has the value %s (index %d of sweep.%s, line %d); a logarithmic axis needs every value > 0: set %s = false or sweep only positive values",
				name, v, j, joinKey([]string{name}), l.loc.line([]string{"sweep", name}), logKey)
			return
		}
	}
}

// plotReference checks that the reference exists, predicts y, and
// predicts the plotted statistic.
func (l *loader) plotReference(e *Experiment, i int, p *PlotSpec, yOK bool) {
	key := []string{"reference"}
	var all, forY, forYDesc []string
	var ref *ReferenceSpec
	for j := range e.Kernel.References {
		r := &e.Kernel.References[j]
		all = append(all, r.Name)
		if r.Of == p.Y {
			forY = append(forY, r.Name)
			if refStat(r) == "mean" {
				forYDesc = append(forYDesc, r.Name)
			} else {
				forYDesc = append(forYDesc, fmt.Sprintf("%s (stat = %q)", r.Name, refStat(r)))
			}
		}
		if r.Name == p.Reference {
			ref = r
		}
	}
	available := func() string {
		if len(forY) == 0 {
			return fmt.Sprintf("kernel %q has no reference for %q: remove reference", e.Kernel.Name, p.Y)
		}
		return fmt.Sprintf("references for %q: %s", p.Y, strings.Join(forYDesc, ", "))
	}
	switch {
	case ref == nil:
		what := fmt.Sprintf("unknown reference %q of kernel %q", p.Reference, e.Kernel.Name)
		if !yOK {
			l.plotErrorf(i, key, "%s", unknownMsg(what, p.Reference, all))
			return
		}
		sep := "; "
		if s := suggest(p.Reference, forY); s != "" {
			sep = fmt.Sprintf("; did you mean %q? ", s)
		}
		l.plotErrorf(i, key, "%s%s%s", what, sep, available())
	case !yOK:
		// y was reported; whether the reference fits it is moot.
	case ref.Of != p.Y:
		l.plotErrorf(i, key, "%q predicts %q, not y = %q; %s", p.Reference, ref.Of, p.Y, available())
	case p.Kind == "histogram" && refStat(ref) != "mean":
		l.plotErrorf(i, key, "%q predicts the %s of %q, but a histogram compares the per-chunk estimates with the mean%s, or remove reference",
			p.Reference, refStat(ref), p.Y, l.referencesOf(e, p.Y, true))
	case p.Stat != "" && refStat(ref) != p.Stat:
		l.plotErrorf(i, key, "%q predicts the %s of %q, but stat = %q; set stat = %q or remove reference",
			p.Reference, refStat(ref), p.Y, p.Stat, refStat(ref))
	}
}

// referencesOf formats the references of the mean of y, for a message
// that asks for one: "; references of the mean of y: a, b", "; kernel k
// has none for y", or "" when the kernel is unknown.
func (l *loader) referencesOf(e *Experiment, y string, kernelOK bool) string {
	if !kernelOK {
		return ""
	}
	var names []string
	for j := range e.Kernel.References {
		if r := &e.Kernel.References[j]; r.Of == y && refStat(r) == "mean" {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("; kernel %q has none for the mean of %q", e.Kernel.Name, y)
	}
	return fmt.Sprintf("; references of the mean of %q: %s", y, strings.Join(names, ", "))
}

// plotSinglePoints warns when a valid line plot's x takes a single value
// in the sweep, so that every series would be one point and no line
// would be drawn. A plot against a zipped parameter is not one of them:
// figure.Build draws a zip group as one series along x.
func (l *loader) plotSinglePoints(e *Experiment, i int, p PlotSpec) {
	if l.sweepBad {
		return
	}
	var ax *axis
	var col *column
	for a := range e.sweep.axes {
		for c := range e.sweep.axes[a].cols {
			if e.sweep.axes[a].cols[c].name == p.X {
				ax, col = &e.sweep.axes[a], &e.sweep.axes[a].cols[c]
			}
		}
	}
	if ax == nil || ax.design != "" || !col.single() {
		return
	}
	series := "the plot is a single point"
	if n := e.sweep.n; n > 1 {
		series = fmt.Sprintf("each of its %d series is a single point", n)
	}
	where := fmt.Sprintf("sweep.%s, line %d", joinKey([]string{p.X}), l.loc.line([]string{"sweep", p.X}))
	if ax.zip != "" {
		where += fmt.Sprintf(", zipped with %s in [zip] %s", strings.Join(e.ZippedWith(p.X), ", "), joinKey([]string{ax.zip}))
	}
	var others []string
	for a := range e.sweep.axes {
		if &e.sweep.axes[a] == ax {
			continue
		}
		for _, c := range e.sweep.axes[a].cols {
			if k := e.Kernel.Params[c.param].Kind; (k == Int || k == Float) && !c.single() {
				others = append(others, c.name)
			}
		}
	}
	instead := ""
	if len(others) > 0 {
		instead = ", or plot against another swept parameter: x = " + strings.Join(quoteAll(others), " or ")
	}
	l.warnf(e, []string{"plot", indexPart(i), "x"}, fmt.Sprintf("plot[%d].x", i),
		"plot %q: x = %q takes a single value (%s), so %s and no line is drawn; sweep %s over several values%s",
		p.Name, p.X, where, series, p.X, instead)
}

// single reports whether the column takes one value only: it has one,
// or a list repeats its first (as a zip group's member may).
func (c *column) single() bool {
	if c.n <= 1 {
		return true
	}
	if c.kind != colList {
		return false
	}
	for _, v := range c.list[1:] {
		if v != c.list[0] {
			return false
		}
	}
	return true
}

// warnf records a warning about the key given by its parts (loc, for
// its line), shown as key.
func (l *loader) warnf(e *Experiment, loc []string, key, format string, args ...any) {
	w := l.file
	if line := l.loc.line(loc); line > 0 {
		w += ":" + strconv.Itoa(line)
	}
	e.Warnings = append(e.Warnings, w+": "+key+": "+fmt.Sprintf(format, args...))
}

// refStat returns the statistic a reference predicts: its Stat, "mean"
// when that is empty.
func refStat(r *ReferenceSpec) string {
	if r.Stat == "" {
		return "mean"
	}
	return r.Stat
}

// relabel replaces "valid: " in msg, an unknownMsg(what, ...), by label.
func relabel(msg, what, label string) string {
	return what + strings.Replace(msg[len(what):], "valid: ", label, 1)
}

// column returns the column of the named swept parameter, or nil.
func (s *Sweep) column(name string) *column {
	for a := range s.axes {
		for c := range s.axes[a].cols {
			if s.axes[a].cols[c].name == name {
				return &s.axes[a].cols[c]
			}
		}
	}
	return nil
}
