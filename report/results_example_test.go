package report_test

import (
	"fmt"
	"os"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func ExampleWriteCSV() {
	specs := []sim.ParamSpec{{Name: "p", Kind: sim.Float}, {Name: "model", Kind: sim.String}}
	obs := []sim.ObservableSpec{{Name: "hit", IID: true}}
	r := &report.Results{}
	for i, p := range []float64{0.25, 0.5} {
		// Two chunks of four 0/1 samples each, in chunk-index order.
		chunks := [][]sim.Acc{
			{sim.Binary(4, 1+int64(i), 0, 1)},
			{sim.Binary(4, 1+2*int64(i), 0, 1)},
		}
		st, warnings := stats.Reduce(obs, chunks)
		r.Points = append(r.Points, report.PointResult{
			Index:    int64(i),
			Params:   sim.NewParams(specs, []sim.Value{sim.FloatValue(p), sim.StringValue("site")}),
			Stats:    st,
			Warnings: warnings,
		})
	}
	if err := report.WriteCSV(os.Stdout, r); err != nil {
		fmt.Println(err)
	}
	// Output:
	// point,p,model,observable,samples,chunks,mean,variance,stderr,ci_low,ci_high,min,max,method
	// 0,0.25,site,hit,8,2,0.25,0.21428571428571427,0.16366341767699427,-0.13700248653757996,0.63700248653758,0,1,iid
	// 1,0.5,site,hit,8,2,0.625,0.26785714285714285,0.18298126367784998,0.192318066320262,1.057681933679738,0,1,iid
}
