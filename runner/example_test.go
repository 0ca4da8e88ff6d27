package runner_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log"

	"github.com/simrun/simrun/runner"
)

// Squaring a list of numbers on two worker processes. The "square" handler
// is registered in an init function, and main calls runner.Main first (here
// TestMain calls runner.Serve, which serves registered handlers too), so
// that the re-executed binary serves as the worker:
//
//	func init() {
//		runner.Register("square", func([]byte) (runner.Handler, error) {
//			return runner.HandlerFunc(func(dst, task []byte) ([]byte, error) {
//				n, _ := binary.Uvarint(task)
//				return binary.AppendUvarint(dst, n*n), nil
//			}), nil
//		})
//	}
func Example() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{Handler: "square", Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	var tasks [][]byte
	for n := range 10 {
		tasks = append(tasks, binary.AppendUvarint(nil, uint64(n)))
	}
	outs, err := pool.Map(ctx, tasks)
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outs {
		n, _ := binary.Uvarint(out)
		fmt.Print(n, " ")
	}
	fmt.Println()
	// Output: 0 1 4 9 16 25 36 49 64 81
}

// Submitting tasks one at a time, like apply_async, and waiting for their
// futures.
func ExamplePool_Submit() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{Handler: "square", Workers: 2, MaxPending: 100})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	var futures []*runner.Future
	for _, n := range []uint64{3, 4, 12} {
		f, err := pool.Submit(ctx, binary.AppendUvarint(nil, n))
		if err != nil {
			log.Fatal(err)
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		out, err := f.Wait(ctx)
		if err != nil {
			log.Fatal(err)
		}
		n, _ := binary.Uvarint(out)
		fmt.Println(n)
	}
	// Output:
	// 9
	// 16
	// 144
}

// Results as they finish, each with the index of its task, like
// imap_unordered.
func ExamplePool_Unordered() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{Handler: "square", Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	tasks := [][]byte{{1}, {2}, {3}, {4}} // the uvarints 1 to 4
	for r, err := range pool.Unordered(ctx, tasks) {
		if err != nil {
			log.Fatal(err) // leaving the loop stops the other tasks
		}
		n, _ := binary.Uvarint(r.Out)
		fmt.Printf("task %d: %d\n", r.Index, n)
	}
	// Unordered output:
	// task 0: 1
	// task 1: 4
	// task 2: 9
	// task 3: 16
}

// Streaming a million tasks, built on demand and reported as they finish,
// with no allocation per task: the sum of the squares of 0..999999.
func ExamplePool_Stream() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{Handler: "square", Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	const n = 1000000
	var sum uint64
	err = pool.Stream(ctx, n,
		func(i int, dst []byte) []byte {
			return binary.AppendUvarint(dst, uint64(i))
		},
		func(i int, out []byte, err error) error {
			if err != nil {
				return err // stops the stream
			}
			sq, _ := binary.Uvarint(out)
			sum += sq
			return nil
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum) // (n-1)n(2n-1)/6
	// Output: 333332833333500000
}

// Handlers given as values, for a program that builds them in main rather
// than registering them in init functions: main passes them by name to
// runner.Serve, which serves in a worker process and returns at once
// otherwise, and gives the pool the same Setup as Config.Setup. Here
// TestMain plays main, and scale multiplies its tasks by its init:
//
//	func main() {
//		handlers := map[string]runner.Setup{"scale": scale}
//		runner.Serve(handlers) // serves and exits in a worker
//		pool, err := runner.Start(ctx, runner.Config{Handler: "scale", Setup: handlers["scale"], ...})
//		...
//	}
func ExampleServe() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{
		Handler: "scale",
		Setup:   served["scale"],
		Init:    binary.AppendUvarint(nil, 10), // the factor
		Workers: 2,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	outs, err := pool.Map(ctx, [][]byte{{1}, {2}, {3}}) // the uvarints 1 to 3
	if err != nil {
		log.Fatal(err)
	}
	for _, out := range outs {
		n, _ := binary.Uvarint(out)
		fmt.Print(n, " ")
	}
	fmt.Println()
	// Output: 10 20 30
}

// Running a typed function on worker processes, like Python's
// Pool.map(f, inputs): RegisterFunc, in an init function, makes the
// function a handler whose values travel encoded with gob:
//
//	func init() { runner.RegisterFunc("moments", moments) }
//
//	func moments(xs []float64) (Moments, error) { ... }
func ExampleMapFunc() {
	ctx := context.Background()
	pool, err := runner.Start(ctx, runner.Config{Handler: "moments", Workers: 2})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	ms, err := runner.MapFunc[[]float64, Moments](ctx, pool, [][]float64{{1, 2, 3}, {10, 20}})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range ms {
		fmt.Printf("n=%d mean=%g max=%g\n", m.N, m.Mean, m.Max)
	}
	// Output:
	// n=3 mean=2 max=3
	// n=2 mean=15 max=20
}
