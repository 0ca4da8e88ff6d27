package sim

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// plotBase is a valid file sweeping T (line 7) and L (line 8); the tests
// append [[plot]] tables from line 9 on.
const plotBase = header + `[sweep]
T = { linspace = [1, 3, 5] }
L = [8, 16]
`

func TestParsePlots(t *testing.T) {
	src := plotBase + `[[plot]]
name = "magnetization"
x = "T"
y = "m"
reference = "onsager_m"

[[plot]]
name = "m-err"
x = "T"
y = "m"
stat = "stderr"
title = "Standard error"
log_x = true
log_y = true
formats = ["svg"]

[[plot]]
name = "c_hist"
kind = "histogram"
y = "specific_heat"
bins = 30
xlabel = "C"
`
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	want := []PlotSpec{
		{Name: "magnetization", Kind: "line", X: "T", Y: "m", Stat: "mean", Reference: "onsager_m",
			Title: "m against T", XLabel: "T", YLabel: "m", Formats: []string{"png", "svg"}},
		{Name: "m-err", Kind: "line", X: "T", Y: "m", Stat: "stderr",
			Title: "Standard error", XLabel: "T", YLabel: "standard error of m", LogX: true, LogY: true, Formats: []string{"svg"}},
		{Name: "c_hist", Kind: "histogram", Y: "specific_heat", Stat: "mean",
			Title: "specific_heat: per-chunk estimates", XLabel: "C", YLabel: "chunks", Bins: 30, Formats: []string{"png", "svg"}},
	}
	if !reflect.DeepEqual(e.Plots, want) {
		t.Errorf("Plots =\n%+v\nwant\n%+v", e.Plots, want)
	}
}

func TestPlotSpecWithDefaults(t *testing.T) {
	// The defaults are those TestParsePlots expects from the loader; set
	// fields are kept.
	for _, test := range []struct {
		name string
		in   PlotSpec
		want PlotSpec
	}{
		{name: "line", in: PlotSpec{Name: "m", X: "T", Y: "m"},
			want: PlotSpec{Name: "m", Kind: "line", X: "T", Y: "m", Stat: "mean", Title: "m against T", XLabel: "T", YLabel: "m", Formats: []string{"png", "svg"}}},
		{name: "line of the sd", in: PlotSpec{Name: "m", X: "T", Y: "m", Stat: "sd"},
			want: PlotSpec{Name: "m", Kind: "line", X: "T", Y: "m", Stat: "sd", Title: "standard deviation of m against T", XLabel: "T", YLabel: "standard deviation of m", Formats: []string{"png", "svg"}}},
		{name: "histogram", in: PlotSpec{Name: "h", Kind: "histogram", Y: "c"},
			want: PlotSpec{Name: "h", Kind: "histogram", Y: "c", Stat: "mean", Title: "c: per-chunk estimates", XLabel: "c", YLabel: "chunks", Formats: []string{"png", "svg"}}},
		{name: "all set", in: PlotSpec{Name: "s", Kind: "line", X: "T", Y: "m", Stat: "stderr", Title: "t", XLabel: "x", YLabel: "y", Formats: []string{"svg"}},
			want: PlotSpec{Name: "s", Kind: "line", X: "T", Y: "m", Stat: "stderr", Title: "t", XLabel: "x", YLabel: "y", Formats: []string{"svg"}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := test.in.WithDefaults()
			if !reflect.DeepEqual(got, test.want) {
				t.Errorf("WithDefaults =\n%+v\nwant\n%+v", got, test.want)
			}
			if again := got.WithDefaults(); !reflect.DeepEqual(again, got) {
				t.Errorf("WithDefaults twice =\n%+v\nwant\n%+v", again, got)
			}
		})
	}
}

// TestParsePlotMap: a map's x names the two parameters of its axes, and
// its defaults describe them.
func TestParsePlotMap(t *testing.T) {
	e, err := Parse("exp.toml", []byte(plotBase+"[[plot]]\nname = \"map\"\nkind = \"map\"\nx = [\"T\", \"L\"]\ny = \"m\"\nstat = \"stderr\"\n"), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Plots[0]
	if got.X != "T" || got.X2 != "L" || got.Title != "standard error of m over T and L" || got.XLabel != "T" || got.YLabel != "L" {
		t.Errorf("map = %+v", got)
	}
}

func TestParsePlotsInline(t *testing.T) {
	src := "plot = [{ name = \"a\", x = \"L\", y = \"e\" }, { name = \"b\", kind = \"histogram\", y = \"e2\" }]\n" + plotBase
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Plots) != 2 || e.Plots[0].X != "L" || e.Plots[1].Kind != "histogram" {
		t.Errorf("Plots = %+v", e.Plots)
	}
	src = plotBase + "[[plot]]\nname = \"e\"\nx = \"L\"\ny = \"e\"\nstat = \"sd\"\nreference = \"e_sd\"\n"
	if e, err = Parse("exp.toml", []byte(src), testCatalog); err != nil || len(e.Plots) != 1 || e.Plots[0].YLabel != "standard deviation of e" {
		t.Errorf("reference of the sd: err = %v", err)
	}
	e, err = Parse("exp.toml", []byte(plotBase), testCatalog)
	if err != nil || e.Plots != nil {
		t.Errorf("without [[plot]]: Plots = %v, err = %v; want none", e.Plots, err)
	}
}

func TestParsePlotsInvalid(t *testing.T) {
	p := func(body string) string { return plotBase + "[[plot]]\nname = \"p\"\n" + body }
	for _, test := range []struct {
		name string
		src  string
		line int    // the error's line
		key  string // the error's key
		hint string // in the message
	}{
		{"unknown key in the second table", p("x = \"T\"\ny = \"e\"\n[[plot]]\nname = \"q\"\nx = \"T\"\ny = \"e\"\nylable = \"E\"\n"),
			17, "plot[1].ylable", `unknown key of a [[plot]] table; did you mean "ylabel"? valid: name, kind, x, y, stat, reference, title`},
		{"top-level key after [[plot]]", p("x = \"T\"\ny = \"e\"\nseed = 2\n"), 13, "plot[0].seed", "seed is a top-level key"},
		{"plot not an array", "plot = 3\n" + plotBase, 1, "plot", "is the integer 3, want an array of tables: one [[plot]] table"},
		{"plot a single table", plotBase + "[plot]\nname = \"p\"\n", 9, "plot", "is a single table ([plot]); want an array of tables"},
		{"plot an array of numbers", "plot = [1]\n" + plotBase, 1, "plot", "index 0: is the integer 1, want an array of tables"},
		{"plot in a table", header + "plot = 1\n[params]\nT = 1\n", 6, "samples.plot", "write each figure as its own [[plot]] table"},
		{"name missing", plotBase + "[[plot]]\nx = \"T\"\ny = \"e\"\n", 9, "plot[0]", `missing name: add name = "magnetization"`},
		{"name invalid", plotBase + "[[plot]]\nx = \"T\"\ny = \"e\"\nname = \"a/b\"\n", 12, "plot[0].name", `"a/b" is not a valid name`},
		{"name repeated", p("x = \"T\"\ny = \"e\"\n[[plot]]\ny = \"e\"\nx = \"L\"\nname = \"p\"\n"), 16, "plot[1].name", `"p" is also the name of plot[0] (line 10)`},
		{"kind unknown", p("kind = \"histgram\"\ny = \"e\"\n"), 11, "plot[0].kind", `unknown plot kind "histgram"; did you mean "histogram"? valid: line, histogram`},
		{"x missing", p("y = \"e\"\n"), 9, "plot[0]", "missing x: a line plot needs x = \"...\", a swept parameter; swept: T, L"},
		{"map x a string", p("kind = \"map\"\nx = \"T\"\ny = \"e\"\n"), 12, "plot[0].x", `is the string "T", want the two swept parameters of a map's axes, such as x = ["K", "sigma"]`},
		{"map x twice", p("kind = \"map\"\nx = [\"T\", \"T\"]\ny = \"e\"\n"), 12, "plot[0].x", `names "T" twice`},
		{"map x not swept", p("kind = \"map\"\nx = [\"T\", \"coupling\"]\ny = \"e\"\n"), 12, "plot[0].x", `"coupling" is not a swept parameter; a map's x must be one`},
		{"map missing x", p("kind = \"map\"\ny = \"e\"\n"), 9, "plot[0]", `missing x: a map needs x = ["a", "b"]`},
		{"map reference", p("kind = \"map\"\nx = [\"T\", \"L\"]\ny = \"m\"\nreference = \"onsager_m\"\n"), 14, "plot[0].reference", "a map colours its points by y and draws no reference"},
		{"map bins", p("kind = \"map\"\nx = [\"T\", \"L\"]\ny = \"m\"\nbins = 3\n"), 14, "plot[0].bins", "applies to histograms only"},
		{"line x a list", p("x = [\"T\", \"L\"]\ny = \"e\"\n"), 11, "plot[0].x", `are for kind = "map"`},
		{"x not swept", p("x = \"coupling\"\ny = \"e\"\n"), 11, "plot[0].x", `"coupling" is not a swept parameter; a line plot's x must be one; swept: T, L`},
		{"x fixed", strings.Replace(p("x = \"flag\"\ny = \"e\"\n"), "[sweep]", "[params]\nflag = true\n[sweep]", 1), 13, "plot[0].x", `"flag" is fixed in [params] (line 7), not swept; a line plot's x must be a swept parameter; swept: T, L`},
		{"x unknown", p("x = \"TT\"\ny = \"e\"\n"), 11, "plot[0].x", `"TT" is not a parameter of kernel "ising2d"; a line plot's x must be a swept parameter; did you mean "T"? swept: T, L`},
		{"x not a number", strings.Replace(p("x = \"method\"\ny = \"e\"\n"), "[sweep]", "[sweep]\nmethod = [\"wolff\", \"metropolis\"]", 1), 12, "plot[0].x", `"method" is a string parameter; a line plot's x must be a swept int or float parameter; those swept: T, L`},
		{"reference of the sd in a histogram", p("kind = \"histogram\"\ny = \"e\"\nreference = \"e_sd\"\n"), 13, "plot[0].reference",
			`"e_sd" predicts the sd of "e", but a histogram compares the per-chunk estimates with the mean; kernel "ising2d" has none for the mean of "e"`},
		{"residuals not a bool", p("x = \"T\"\ny = \"m\"\nreference = \"onsager_m\"\nresiduals = 1\n"), 14, "plot[0].residuals", "is the integer 1, want true or false"},
		{"residuals without a reference", p("x = \"T\"\ny = \"m\"\nresiduals = true\n"), 13, "plot[0].residuals",
			`needs a reference: the residuals are (mean − reference)/stderr at each point; add reference = "..."; references of the mean of "m": onsager_m`},
		{"residuals of the sd", p("x = \"T\"\ny = \"e\"\nstat = \"sd\"\nreference = \"e_sd\"\nresiduals = true\n"), 15, "plot[0].residuals", `needs stat = "mean", not "sd"`},
		{"residuals in a histogram", p("kind = \"histogram\"\ny = \"m\"\nresiduals = true\n"), 13, "plot[0].residuals", "applies to line plots only"},
		{"residuals in a map", p("kind = \"map\"\nx = [\"T\", \"L\"]\ny = \"m\"\nresiduals = true\n"), 14, "plot[0].residuals", "applies to line plots only"},
		{"x in a histogram", p("kind = \"histogram\"\nx = \"T\"\ny = \"e\"\n"), 12, "plot[0].x", "must be absent in a histogram"},
		{"y missing", p("x = \"T\"\n"), 9, "plot[0]", `missing y: add y = "...", the observable or derived quantity to plot of kernel "ising2d"; valid: m, e, e2, specific_heat`},
		{"y unknown", p("x = \"T\"\ny = \"mag\"\n"), 12, "plot[0].y", `"mag" is not an observable or derived quantity of kernel "ising2d"; did you mean "m"? valid: m, e, e2, specific_heat`},
		{"y a parameter", p("x = \"T\"\ny = \"L\"\n"), 12, "plot[0].y", `"L" is a parameter of kernel "ising2d", not an observable or derived quantity; valid: m, e, e2, specific_heat`},
		{"y not a string", p("x = \"T\"\ny = 3\n"), 12, "plot[0].y", "is the integer 3, want a string"},
		{"stat unknown", p("x = \"T\"\ny = \"e\"\nstat = \"stdev\"\n"), 13, "plot[0].stat", `unknown statistic "stdev"; did you mean "stderr"? valid: mean, stderr, sd, variance`},
		{"stat in a histogram", p("kind = \"histogram\"\ny = \"e\"\nstat = \"sd\"\n"), 13, "plot[0].stat", "stat applies to line plots only"},
		{"reference unknown", p("x = \"T\"\ny = \"m\"\nreference = \"onsager\"\n"), 13, "plot[0].reference", `unknown reference "onsager" of kernel "ising2d"; did you mean "onsager_m"? references for "m": onsager_m`},
		{"reference of another quantity", p("x = \"T\"\ny = \"e2\"\nreference = \"onsager_m\"\n"), 13, "plot[0].reference", `"onsager_m" predicts "m", not y = "e2"; kernel "ising2d" has no reference for "e2"`},
		{"reference of another quantity, listing", p("x = \"T\"\ny = \"e\"\nstat = \"sd\"\nreference = \"onsager_m\"\n"), 14, "plot[0].reference", `"onsager_m" predicts "m", not y = "e"; references for "e": e_sd (stat = "sd")`},
		{"reference of another statistic", p("x = \"T\"\ny = \"e\"\nreference = \"e_sd\"\n"), 13, "plot[0].reference", `"e_sd" predicts the sd of "e", but stat = "mean"; set stat = "sd" or remove reference`},
		{"reference unknown, none for y", p("x = \"T\"\ny = \"specific_heat\"\nreference = \"exact_c\"\n"), 13, "plot[0].reference", `unknown reference "exact_c" of kernel "ising2d"; kernel "ising2d" has no reference for "specific_heat"`},
		{"reference with stderr", p("x = \"T\"\ny = \"m\"\nstat = \"stderr\"\nreference = \"onsager_m\"\n"), 14, "plot[0].reference", `"onsager_m" predicts the mean of "m", but stat = "stderr"; set stat = "mean" or remove reference`},
		{"bins in a line plot", p("x = \"T\"\ny = \"e\"\nbins = 10\n"), 13, "plot[0].bins", "applies to histograms only"},
		{"bins zero", p("kind = \"histogram\"\ny = \"e\"\nbins = 0\n"), 13, "plot[0].bins", "is 0, want an integer in [1, 1048576]"},
		{"bins fractional", p("kind = \"histogram\"\ny = \"e\"\nbins = 2.5\n"), 13, "plot[0].bins", "is the float 2.5, want an integer ≥ 1"},
		{"format unknown", p("x = \"T\"\ny = \"e\"\nformats = [\"png\", \"sgv\"]\n"), 13, "plot[0].formats", `index 1: unknown format "sgv"; did you mean "svg"? valid: png, svg`},
		{"format repeated", p("x = \"T\"\ny = \"e\"\nformats = [\"svg\", \"svg\"]\n"), 13, "plot[0].formats", `index 1: "svg" is listed twice`},
		{"formats empty", p("x = \"T\"\ny = \"e\"\nformats = []\n"), 13, "plot[0].formats", "is an empty list, want a list of image formats from png, svg"},
		{"log_x not a bool", p("x = \"T\"\ny = \"e\"\nlog_x = \"yes\"\n"), 13, "plot[0].log_x", "want true or false"},
		{"title not a string", p("x = \"T\"\ny = \"e\"\ntitle = 1\n"), 13, "plot[0].title", "is the integer 1, want a string"},
		{"log_x with zero in a linspace", strings.Replace(p("x = \"T\"\ny = \"e\"\nlog_x = true\n"), "[1, 3, 5]", "[0, 3, 5]", 1), 13, "plot[0].log_x",
			`x = "T" has the value 0 (index 0 of sweep.T, line 7); a logarithmic axis needs every value > 0`},
		{"log_x with zero in a list", strings.Replace(p("x = \"T\"\ny = \"e\"\nlog_x = true\n"), "{ linspace = [1, 3, 5] }", "[1, 0.5, 0, 2]", 1), 13, "plot[0].log_x",
			"has the value 0 (index 2 of sweep.T"},
		{"log_x with zero in a range", strings.Replace(p("x = \"T\"\ny = \"e\"\nlog_x = true\n"), "{ linspace = [1, 3, 5] }", "{ from = 2, to = 0, step = -0.5 }", 1), 13, "plot[0].log_x",
			"has the value 0 (index 4 of sweep.T"},
		{"log_x with a logspace underflowing", strings.Replace(p("x = \"T\"\ny = \"e\"\nlog_x = true\n"), "linspace = [1, 3, 5]", "logspace = [-400, 0, 5]", 1), 13, "plot[0].log_x",
			"has the value 0 (index 0 of sweep.T"},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err == nil {
				t.Fatalf("Parse succeeded with plots %+v, want an error", e.Plots)
			}
			errs := fileErrors(t, err)
			for _, fe := range errs {
				if fe.Line == test.line && fe.Key == test.key && strings.Contains(fe.Msg, test.hint) {
					if loc := "exp.toml:" + strconv.Itoa(test.line) + ": "; test.line > 0 && !strings.Contains(fe.Error(), loc) {
						t.Errorf("error %q does not name %q", fe, loc)
					}
					if len(errs) > 1 {
						t.Errorf("%d errors, want 1:\n%v", len(errs), err)
					}
					return
				}
			}
			t.Errorf("no error at line %d, key %q containing %q; got:\n%v", test.line, test.key, test.hint, err)
		})
	}
}

// TestParsePlotsUnknownKernel checks that the checks that need no kernel
// are still made when the kernel is unknown, and that the others are not.
func TestParsePlotsUnknownKernel(t *testing.T) {
	src := "kernel = \"nope\"\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n[[plot]]\nname = \"p\"\nx = \"T\"\ny = \"zz\"\nstat = \"median\"\n"
	_, err := Parse("exp.toml", []byte(src), testCatalog)
	var keys []string
	for _, fe := range fileErrors(t, err) {
		keys = append(keys, fe.Key)
	}
	if want := []string{"kernel", "plot[0].stat"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("error keys = %q, want %q\n%v", keys, want, err)
	}
}

// TestLocatorArrayOfTables checks the index the locator adds to the keys of
// an array of tables.
func TestLocatorArrayOfTables(t *testing.T) {
	src := "[[plot]]\nname = 1\n\n[[plot]]\ny = 2\nname = 3\n[other]\nk = 1\n[[plot]]\n"
	l := newLocator([]byte(src))
	for _, test := range []struct {
		key  []string
		want int
	}{
		{[]string{"plot"}, 1},
		{[]string{"plot", "name"}, 2},
		{[]string{"plot", indexPart(0), "name"}, 2},
		{[]string{"plot", indexPart(1)}, 4},
		{[]string{"plot", indexPart(1), "name"}, 6},
		{[]string{"plot", indexPart(1), "missing"}, 4},
		{[]string{"plot", indexPart(2), "name"}, 9},
		{[]string{"other", "k"}, 8},
		{[]string{"other", indexPart(0), "k"}, 7},
	} {
		if got := l.line(test.key); got != test.want {
			t.Errorf("line(%q) = %d, want %d", test.key, got, test.want)
		}
	}
}

// labelledKernel declares labels for some of its names, not all.
var labelledKernel = &KernelSpec{
	Name: "option",
	Params: []ParamSpec{
		{Name: "K", Kind: Float, Label: "strike K"},
		{Name: "sigma", Kind: Float, Label: "volatility σ"},
		{Name: "T", Kind: Float, Label: "maturity T"},
		{Name: "n", Kind: Int},
		{Name: "algorithm", Kind: String, Label: "update algorithm"},
		{Name: "s", Kind: Float, Label: "σ"},
	},
	Observables: []ObservableSpec{{Name: "call", Label: "call price"}, {Name: "put"}},
	Derived:     []DerivedSpec{{Name: "d", Label: "derived d"}},
	References:  []ReferenceSpec{{Name: "black_scholes_call", Label: "Black–Scholes", Of: "call"}, {Name: "raw", Of: "call"}},
}

// TestPlotSpecWithDefaultsFor: the defaults take the kernel's labels, the
// names where it declares none; a title is made of the axis labels as set.
func TestPlotSpecWithDefaultsFor(t *testing.T) {
	formats := []string{"png", "svg"}
	for _, test := range []struct {
		name string
		in   PlotSpec
		want PlotSpec
	}{
		{name: "line", in: PlotSpec{Name: "c", X: "T", Y: "call"},
			want: PlotSpec{Name: "c", Kind: "line", X: "T", Y: "call", Stat: "mean", Title: "call price against maturity T", XLabel: "maturity T", YLabel: "call price", Formats: formats}},
		{name: "line of the stderr", in: PlotSpec{Name: "c", X: "T", Y: "call", Stat: "stderr"},
			want: PlotSpec{Name: "c", Kind: "line", X: "T", Y: "call", Stat: "stderr", Title: "standard error of call price against maturity T",
				XLabel: "maturity T", YLabel: "standard error of call price", Formats: formats}},
		{name: "line of the variance, unlabelled", in: PlotSpec{Name: "p", X: "n", Y: "put", Stat: "variance"},
			want: PlotSpec{Name: "p", Kind: "line", X: "n", Y: "put", Stat: "variance", Title: "variance of put against n", XLabel: "n", YLabel: "variance of put", Formats: formats}},
		{name: "line with its own xlabel", in: PlotSpec{Name: "c", X: "T", Y: "d", XLabel: "T (years)"},
			want: PlotSpec{Name: "c", Kind: "line", X: "T", Y: "d", Stat: "mean", Title: "derived d against T (years)", XLabel: "T (years)", YLabel: "derived d", Formats: formats}},
		{name: "map", in: PlotSpec{Name: "m", Kind: "map", X: "K", X2: "sigma", Y: "call", Stat: "sd"},
			want: PlotSpec{Name: "m", Kind: "map", X: "K", X2: "sigma", Y: "call", Stat: "sd", Title: "standard deviation of call price over strike K and volatility σ",
				XLabel: "strike K", YLabel: "volatility σ", Formats: formats}},
		{name: "histogram", in: PlotSpec{Name: "h", Kind: "histogram", Y: "call", XLabel: "price"},
			want: PlotSpec{Name: "h", Kind: "histogram", Y: "call", Stat: "mean", Title: "call price: per-chunk estimates", XLabel: "price", YLabel: "chunks", Formats: formats}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := test.in.WithDefaultsFor(labelledKernel)
			if !reflect.DeepEqual(got, test.want) {
				t.Errorf("WithDefaultsFor =\n%+v\nwant\n%+v", got, test.want)
			}
			if again := got.WithDefaultsFor(labelledKernel); !reflect.DeepEqual(again, got) {
				t.Errorf("WithDefaultsFor twice =\n%+v\nwant\n%+v", again, got)
			}
		})
	}
}

func TestKernelSpecLabels(t *testing.T) {
	k := labelledKernel
	for _, test := range []struct{ name, got, want string }{
		{"param label", k.ParamLabel("sigma"), "volatility σ"},
		{"param without a label", k.ParamLabel("n"), "n"},
		{"unknown param", k.ParamLabel("x"), "x"},
		{"symbol, last word", k.ParamSymbol("sigma"), "σ"},
		{"symbol, the whole label", k.ParamSymbol("s"), "σ"},
		{"symbol of a long last word: the name", k.ParamSymbol("algorithm"), "algorithm"},
		{"symbol without a label", k.ParamSymbol("n"), "n"},
		{"observable", k.QuantityLabel("call"), "call price"},
		{"observable without a label", k.QuantityLabel("put"), "put"},
		{"derived", k.QuantityLabel("d"), "derived d"},
		{"reference", k.ReferenceLabel("black_scholes_call"), "Black–Scholes"},
		{"reference without a label", k.ReferenceLabel("raw"), "raw"},
		{"nil kernel", (*KernelSpec)(nil).ParamSymbol("sigma"), "sigma"},
	} {
		if test.got != test.want {
			t.Errorf("%s: %q, want %q", test.name, test.got, test.want)
		}
	}
}

// TestParsePlotLabels: the loader fills the defaults with the kernel's
// labels, as figure.Build does.
func TestParsePlotLabels(t *testing.T) {
	k := testCatalog["ising2d"]
	k.Params = slices.Clone(k.Params)
	k.Params[1].Label = "temperature T"
	k.Observables = slices.Clone(k.Observables)
	k.Observables[0].Label = "magnetisation |m|"
	e, err := Parse("exp.toml", []byte(plotBase+"[[plot]]\nname = \"m\"\nx = \"T\"\ny = \"m\"\nstat = \"stderr\"\n"), fakeCatalog{"ising2d": k})
	if err != nil {
		t.Fatal(err)
	}
	if p := e.Plots[0]; p.Title != "standard error of magnetisation |m| against temperature T" || p.XLabel != "temperature T" || p.YLabel != "standard error of magnetisation |m|" {
		t.Errorf("plot = %+v, want the defaults from the labels", p)
	}
}

// TestParsePlotResiduals: residuals in a line plot of the mean with a
// reference, and a histogram's reference of the mean, are valid.
func TestParsePlotResiduals(t *testing.T) {
	src := plotBase + "[[plot]]\nname = \"m\"\nx = \"T\"\ny = \"m\"\nreference = \"onsager_m\"\nresiduals = true\n" +
		"[[plot]]\nname = \"h\"\nkind = \"histogram\"\ny = \"m\"\nreference = \"onsager_m\"\n"
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Plots[0].Residuals || e.Plots[1].Reference != "onsager_m" || e.Plots[1].Residuals {
		t.Errorf("plots = %+v", e.Plots)
	}
}

func TestZipped(t *testing.T) {
	src := header + "[sweep]\nL = [8, 16]\nT = [1, 2, 3]\ncoupling = [0.5, 1, 2]\nflag = [true, false]\nmethod = [\"wolff\", \"metropolis\"]\n[zip]\ng = [\"coupling\", \"T\"]\nh = [\"flag\", \"method\"]\n"
	e, err := Parse("exp.toml", []byte(src), testCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Zipped(), [][]string{{"coupling", "T"}, {"flag", "method"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Zipped = %q, want %q", got, want)
	}
	for _, test := range []struct {
		name string
		want []string
	}{{"T", []string{"coupling"}}, {"coupling", []string{"T"}}, {"L", nil}, {"method", []string{"flag"}}, {"unknown", nil}} {
		if got := e.ZippedWith(test.name); !reflect.DeepEqual(got, test.want) {
			t.Errorf("ZippedWith(%q) = %q, want %q", test.name, got, test.want)
		}
	}
	e, err = Parse("exp.toml", []byte(plotBase), testCatalog)
	if err != nil || e.Zipped() != nil {
		t.Errorf("without [zip]: Zipped = %q, err = %v; want none", e.Zipped(), err)
	}
}

// TestParsePlotWarnings: a line plot whose x takes a single value, so
// that every series is one point, loads with a warning naming the plot,
// the line of its x, why and what to do; a plot against a zipped
// parameter that varies does not, its zip group making one series.
func TestParsePlotWarnings(t *testing.T) {
	plot := func(x string) string { return "[[plot]]\nname = \"m\"\nx = \"" + x + "\"\ny = \"m\"\n" }
	for _, test := range []struct {
		name string
		src  string
		want []string
	}{
		{"x with one value", header + "[sweep]\nT = [2.0]\nL = [8, 16]\n" + plot("T"),
			[]string{`exp.toml:11: plot[0].x: plot "m": x = "T" takes a single value (sweep.T, line 7), so each of its 2 series is a single point and no line is drawn; sweep T over several values, or plot against another swept parameter: x = "L"`}},
		{"the only point", header + "[sweep]\nT = [2.0]\n" + plot("T"),
			[]string{`exp.toml:10: plot[0].x: plot "m": x = "T" takes a single value (sweep.T, line 7), so the plot is a single point and no line is drawn; sweep T over several values`}},
		{"zipped, with one value", header + "[sweep]\nT = [2.0]\ncoupling = [1]\nL = [8, 16]\n[zip]\ng = [\"T\", \"coupling\"]\n" + plot("T"),
			[]string{`exp.toml:14: plot[0].x: plot "m": x = "T" takes a single value (sweep.T, line 7, zipped with coupling in [zip] g), so each of its 2 series is a single point`}},
		{"zipped, repeating its value", header + "[sweep]\nT = [2, 2]\ncoupling = [1, 2]\n[zip]\ng = [\"T\", \"coupling\"]\n" + plot("T"),
			[]string{`x = "T" takes a single value (sweep.T, line 7, zipped with coupling in [zip] g), so each of its 2 series is a single point and no line is drawn; sweep T over several values`}},
		{"zipped", header + "[sweep]\nT = [1, 2, 3]\ncoupling = [0.5, 1, 2]\nL = [8, 16]\n[zip]\ng = [\"T\", \"coupling\"]\n" + plot("T"), nil},
		{"swept", header + "[sweep]\nT = [2.0]\nL = [8, 16]\n" + plot("L"), nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			e, err := Parse("exp.toml", []byte(test.src), testCatalog)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Warnings) != len(test.want) {
				t.Fatalf("warnings %q, want %d", e.Warnings, len(test.want))
			}
			for i, w := range test.want {
				if !strings.Contains(e.Warnings[i], w) {
					t.Errorf("warning %q, want one containing %q", e.Warnings[i], w)
				}
			}
		})
	}
}
