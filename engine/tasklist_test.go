package engine

import (
	"math/rand/v2"
	"testing"
)

func TestTaskList(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 3))
	for _, tc := range []struct {
		name       string
		step, keep int64 // every step-th chunk, each kept with probability keep/10
		runs       int   // want at most
	}{
		{"everything", 1, 10, 1},
		{"a shard's", 7, 10, 1},
		{"what a journal left", 1, 6, 2000},
		{"a shard's, with gaps", 3, 9, 2000},
	} {
		l := &taskList{step: tc.step}
		var want []int64
		for g := int64(2); g < 5000; g += tc.step {
			if rng.Int64N(10) < tc.keep {
				l.add(g)
				want = append(want, g)
			}
		}
		if l.Len() != int64(len(want)) || len(l.runs) > tc.runs {
			t.Fatalf("%s: %d tasks in %d runs, want %d in at most %d", tc.name, l.Len(), len(l.runs), len(want), tc.runs)
		}
		for _, k := range append(rng.Perm(len(want)), 0, len(want)-1) {
			if got := l.at(int64(k)); got != want[k] {
				t.Fatalf("%s: task %d is chunk %d, want %d", tc.name, k, got, want[k])
			}
		}
	}
}
