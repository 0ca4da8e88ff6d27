package words_test

import (
	"fmt"

	"github.com/simrun/simrun/internal/words"
)

func ExampleCount() {
	for _, n := range []int64{0, 1, 3} {
		fmt.Println(words.Count(n, "chunk"))
	}
	// Output:
	// 0 chunks
	// 1 chunk
	// 3 chunks
}

func ExamplePlural() {
	over := 2
	fmt.Printf("%d %s more than 4 standard errors away\n", over, words.Plural(over, "mean is", "means are"))
	// Output:
	// 2 means are more than 4 standard errors away
}

func ExampleList() {
	fmt.Println(words.List([]string{"results.json"}))
	fmt.Println(words.List([]string{"results.json", "results.parquet"}))
	fmt.Println(words.List([]string{"results.json", "results.csv", "results.parquet"}))
	// Output:
	// results.json
	// results.json and results.parquet
	// results.json, results.csv and results.parquet
}
