package runner

import (
	"fmt"
	"strings"
	"time"
)

// Stalls: a worker process whose current task has run far longer than any
// task so far is stalled (checkStalls). It is sent no new tasks, and once
// other workers are idle, the tasks queued behind its current one are sent
// to them too (moveQueuedLocked); the copies of a moved task share a twin
// (dispatch.go), so that it is reported once. The current task is left
// alone: killing it is Config.TaskTimeout's job.

const (
	// A worker is stalled once its current task has run for more than
	// stallFactor times the longest busy time of a batch of results so
	// far, and more than minStall. A batch's busy time, from the start
	// of its first task to the end of its last, bounds the time of each of
	// its tasks. The longest rather than the mean, so that tasks whose time
	// varies widely are not taken for stalls whenever a slow one comes.
	stallFactor = 20
	minStall    = time.Second
	// stallTick is how often the pool looks for stalled workers.
	stallTick = 100 * time.Millisecond
)

// A Stall is a worker process whose current task has run far longer than
// the tasks before it: see Pool.Stalled.
type Stall struct {
	Worker int // the worker's id, as in the "worker N: " prefix of its output
	PID    int // its process id
	// Task is the index of its current task in its Stream, Map or
	// Unordered call; 0 for a Submit task.
	Task int
	// Running is how long the current task has been running, counted as
	// for Config.TaskTimeout: from when it was sent or from when the
	// result before it arrived, whichever is later.
	Running time.Duration
	// Moved is how many of the tasks queued behind the current one were
	// sent to idle workers.
	Moved int
}

// A stall is the state of a stalled worker, guarded by Pool.mu.
type stall struct {
	logged time.Duration // how long its task had run when it was last logged
	moved  int           // tasks moved from behind its current one
}

// Stalled returns the stalled worker processes, those whose current task
// has run for more than 20 times as long as any task took so far, and for
// more than a second (see "Stalled workers" in the package doc), for a
// progress display to show. A worker stays stalled until it answers or
// dies. Stalled returns nil if none is, and always for an InProcess pool.
func (p *Pool) Stalled() []Stall {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var stalls []Stall
	for _, w := range p.workers {
		if w.stall == nil || w.ring.n == 0 {
			continue
		}
		s := Stall{Worker: w.id, PID: w.proc.pid, Running: now.Sub(w.since), Moved: w.stall.moved}
		if r := w.ring.at(0); r.j != nil {
			s.Task = r.lo
		}
		stalls = append(stalls, s)
	}
	return stalls
}

// checkStalls marks the workers whose current task has run far longer
// than any task so far as stalled, moves the tasks queued behind it to
// idle workers, and logs a warning once per stall, whenever it moves
// tasks, and whenever the time it has run has doubled since the last one.
// Until a result has arrived, there is nothing to compare with and no
// worker is stalled.
func (p *Pool) checkStalls(now time.Time) {
	type warning struct {
		msg   string
		attrs []any
	}
	var warnings []warning
	p.mu.Lock()
	if p.longest > 0 {
		limit := max(minStall, stallFactor*p.longest)
		for _, w := range p.workers {
			if (w.state != workerReady && w.state != workerSolo) || w.ring.n == 0 {
				continue
			}
			running := now.Sub(w.since)
			if w.stall == nil {
				if running <= limit {
					continue
				}
				w.stall = &stall{}
				p.stats.Stalls++
			}
			moved := p.moveQueuedLocked(w)
			if moved > 0 || w.stall.logged == 0 || running >= 2*w.stall.logged {
				w.stall.logged = running
				msg, attrs := p.stallMessageLocked(w, running)
				warnings = append(warnings, warning{msg, attrs})
			}
		}
	}
	p.mu.Unlock()
	for _, w := range warnings {
		p.log.Warn(w.msg, w.attrs...)
	}
}

// stallMessageLocked returns the warning about w, stalled for running.
func (p *Pool) stallMessageLocked(w *worker, running time.Duration) (string, []any) {
	r := w.ring.at(0)
	task, index := "a submitted task", 0
	if r.j != nil {
		task, index = fmt.Sprintf("task %d", r.lo), r.lo
	}
	var b strings.Builder
	fmt.Fprintf(&b, "runner: worker %d (pid %d) has run %s for %v; tasks took at most %v so far",
		w.id, w.proc.pid, task, roughly(running), roughly(p.longest))
	if n := w.stall.moved; n == 1 {
		b.WriteString("; 1 queued task moved to idle workers")
	} else if n > 1 {
		fmt.Fprintf(&b, "; %d queued tasks moved to idle workers", n)
	}
	if n := w.queuedLocked(); n == 1 {
		b.WriteString("; 1 queued task waits for an idle worker")
	} else if n > 1 {
		fmt.Fprintf(&b, "; %d queued tasks wait for an idle worker", n)
	}
	if p.cfg.TaskTimeout > 0 {
		fmt.Fprintf(&b, " (the %v task time limit kills it)", p.cfg.TaskTimeout)
	} else {
		b.WriteString(" (set a task time limit to kill it)")
	}
	return b.String(), []any{"worker", w.id, "pid", w.proc.pid, "task", index, "running", running, "moved", w.stall.moved}
}

// movable reports whether r, a task in the ring of a stalled worker, may
// be sent to another worker: it has no other copy in flight, and none
// answered.
func movable(r run) bool {
	return r.tw == nil || r.tw.live == 1 && !r.tw.done
}

// queuedLocked returns the number of tasks queued behind w's current task
// that may be moved.
func (w *worker) queuedLocked() int {
	n := 0
	for i := range w.ring.n {
		if r := w.ring.at(i); movable(*r) {
			n += r.n
			if i == 0 {
				n-- // the current task
			}
		}
	}
	return n
}

// onlyCopiesLocked reports whether w has tasks in flight and all are
// copies of moved tasks already answered by other workers: the results
// it would send would be dropped. Once no call waits for a task, as when
// Close stops the workers, that is all a worker may have in flight.
func (w *worker) onlyCopiesLocked() bool {
	for i := range w.ring.n {
		if tw := w.ring.at(i).tw; tw == nil || !tw.done {
			return false
		}
	}
	return w.ring.n > 0
}

// moveQueuedLocked sends the tasks queued behind w's current task that may
// be moved to the idle workers, spread over them, and returns how many it
// sent. Each stays in w's ring, as a copy that shares a twin with the one
// sent: the first result is delivered, and the other dropped.
func (p *Pool) moveQueuedLocked(w *worker) int {
	var idle []*worker
	for _, x := range p.workers {
		if x.state == workerReady && x.outstanding == 0 && x.stall == nil {
			idle = append(idle, x)
		}
	}
	if len(idle) == 0 || w.queuedLocked() == 0 {
		return 0
	}
	// Split w's ring into one entry per task, each with a reference to
	// its batch, so that each moved task has its own twin. The entries
	// that share a batch are consecutive, and hold its tasks in order:
	// one pass over the batch finds the bytes of each.
	old := w.ring.drain(nil)
	w.ring = runRing{}
	var moved []run
	var tasks [][]byte // the bytes of moved, in w's batches
	for i := 0; i < len(old); {
		b := old[i].b
		group := old[i:]
		for k, r := range group {
			if r.b != b {
				group = group[:k]
				break
			}
			if r.n > 1 {
				b.refs.Add(int32(r.n - 1))
			}
		}
		g, x := 0, 0 // the task of group that comes next: task x of group[g]
		b.each(func(br run, id int, task []byte) {
			if g == len(group) {
				return
			}
			r := group[g]
			if br.j != r.j || br.f != r.f || id != r.lo+x {
				return // answered already
			}
			one := r
			one.lo, one.n = id, 1
			if (i+g > 0 || x > 0) && movable(one) {
				if one.tw == nil {
					one.tw = &twin{live: 1}
				}
				one.tw.live++
				moved = append(moved, one)
				tasks = append(tasks, task)
			}
			w.ring.push(one)
			if x++; x == r.n {
				g, x = g+1, 0
			}
		})
		if g != len(group) {
			panic("runner: the tasks of a worker's ring are not in their batch")
		}
		i += len(group)
	}
	n := len(moved)
	per := (n + len(idle) - 1) / len(idle)
	for _, x := range idle {
		k := min(per, len(moved))
		if k == 0 {
			break
		}
		p.sendCopiesLocked(x, moved[:k], tasks[:k])
		moved, tasks = moved[k:], tasks[k:]
	}
	w.stall.moved += n
	p.stats.Moved += n
	return n
}

// sendCopiesLocked sends x copies of runs, tasks of a stalled worker,
// whose bytes are tasks.
func (p *Pool) sendCopiesLocked(x *worker, runs []run, tasks [][]byte) {
	b := p.newBatch()
	for i, r := range runs {
		p.add(b, r.lo, tasks[i])
		b.runs = append(b.runs, run{j: r.j, f: r.f, lo: r.lo, n: 1, tries: r.tries, tw: r.tw})
		if len(b.buf) >= flushBytes {
			x.outstanding += len(b.runs)
			p.enqueueLocked(x, b)
			b = p.newBatch()
		}
	}
	if len(b.runs) == 0 {
		putBatch(b)
		return
	}
	x.outstanding += len(b.runs)
	p.enqueueLocked(x, b)
}

// roughly rounds d to 3 significant digits, for messages.
func roughly(d time.Duration) time.Duration {
	for r := time.Duration(1); r < time.Hour; r *= 10 {
		if d < 1000*r {
			return d.Round(r)
		}
	}
	return d.Round(time.Second)
}
