package runner_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/simrun/simrun/runner"
)

func TestMapFunc(t *testing.T) {
	// The typed results equal the function's own, in input order, on
	// worker processes and in-process.
	inputs := [][]float64{{1, 2, 3}, {4}, {-1, 0.5, 7, 2}, {1e300, 1e300}}
	var want []Moments
	for _, xs := range inputs {
		m, err := moments(xs)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, m)
	}
	for _, inProcess := range []bool{false, true} {
		ctx := context.Background()
		pool, err := runner.Start(ctx, runner.Config{Handler: "moments", Workers: 2, InProcess: inProcess})
		if err != nil {
			t.Fatal(err)
		}
		got, err := runner.MapFunc[[]float64, Moments](ctx, pool, inputs)
		if err != nil {
			t.Fatalf("InProcess %v: %v", inProcess, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("InProcess %v: MapFunc = %+v, want %+v", inProcess, got, want)
		}

		// The function's error fails its task with the message.
		_, err = runner.MapFunc[[]float64, Moments](ctx, pool, [][]float64{{1}, {}})
		var te *runner.TaskError
		if !errors.As(err, &te) || te.Task != 1 || te.Msg != "moments of no values" {
			t.Errorf("InProcess %v: error %v, want a *TaskError for task 1 with the function's message", inProcess, err)
		}

		// Inputs of another type than the function's fail to decode, and
		// the error names both.
		_, err = runner.MapFunc[string, Moments](ctx, pool, []string{"x"})
		if err == nil || !strings.Contains(err.Error(), "decoding the task as []float64") {
			t.Errorf("InProcess %v: inputs of the wrong type: error %v, want one naming []float64", inProcess, err)
		}
		if err := pool.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
