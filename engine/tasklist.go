package engine

import "sort"

// A taskList is the chunks a run has left to run, in chunk order: the
// k-th task of the pool is chunk at(k). It holds runs of chunks evenly
// spaced by its step (1, or a shard's count), so that its memory grows
// with the gaps the journal leaves, not with the chunks: a fresh run of
// 10^7 chunks is one run, where a list of them was 80 MB.
type taskList struct {
	step int64
	runs []taskRun
	n    int64
	last int // the run of the last lookup: lookups go nearly in order
}

type taskRun struct {
	first  int64 // its first chunk
	len    int64
	before int64 // tasks in the runs before it
}

// add appends chunk g, which must follow every chunk added before.
func (l *taskList) add(g int64) {
	if k := len(l.runs) - 1; k >= 0 && l.runs[k].first+l.runs[k].len*l.step == g {
		l.runs[k].len++
	} else {
		l.runs = append(l.runs, taskRun{first: g, len: 1, before: l.n})
	}
	l.n++
}

// Len returns the number of tasks.
func (l *taskList) Len() int64 { return l.n }

// at returns the chunk of task k, 0 ≤ k < Len().
func (l *taskList) at(k int64) int64 {
	r := l.runs[l.last]
	if k < r.before || k >= r.before+r.len {
		l.last = sort.Search(len(l.runs), func(i int) bool { return l.runs[i].before+l.runs[i].len > k })
		r = l.runs[l.last]
	}
	return r.first + (k-r.before)*l.step
}
