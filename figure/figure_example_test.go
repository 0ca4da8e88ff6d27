package figure_test

import (
	"fmt"

	"github.com/simrun/simrun/figure"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func ExampleBuild() {
	params := []sim.ParamSpec{{Name: "n", Kind: sim.Int, Label: "throws n"}}
	spec := sim.KernelSpec{
		Name:        "example",
		Params:      params,
		Observables: []sim.ObservableSpec{{Name: "hit", Label: "hit rate", IID: true}},
	}
	// Two points, n = 10 and 20, of two chunks each.
	res := &report.Results{}
	for i, n := range []int64{10, 20} {
		chunks := [][]sim.Acc{
			{sim.Binary(n, n/2, 0, 1)},
			{sim.Binary(n, n/2+1, 0, 1)},
		}
		st, warnings := stats.Reduce(spec.Observables, chunks)
		res.Points = append(res.Points, report.PointResult{
			Index: int64(i), Params: sim.NewParams(params, []sim.Value{sim.IntValue(n)}), Stats: st, Warnings: warnings,
		})
	}

	// The plot as a [[plot]] table gives it: name, x and y; the rest
	// takes its defaults, from the kernel's labels. A line plot needs no
	// chunk estimates.
	fig, err := figure.Build(spec, []string{"n"}, nil, sim.PlotSpec{Name: "hits", X: "n", Y: "hit"}, res, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %q, x %q, y %q\n", fig.Spec.Kind, fig.Spec.Title, fig.Spec.XLabel, fig.Spec.YLabel)
	for _, s := range fig.Series {
		for i := range s.X {
			fmt.Printf("n=%g: %.4f [%.4f, %.4f]\n", s.X[i], s.Y[i], s.Lo[i], s.Hi[i])
		}
	}
	// Output:
	// line: "hit rate against throws n", x "throws n", y "hit rate"
	// n=10: 0.5500 [0.3111, 0.7889]
	// n=20: 0.5250 [0.3633, 0.6867]
}
