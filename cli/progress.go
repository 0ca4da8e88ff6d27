package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/simrun/simrun/engine"
)

// progress reports chunks done on stderr: a redrawn bar on a terminal,
// plain periodic lines otherwise (logs of batch jobs). Nothing is shown
// until the run reports its first chunks (engine.Options.Progress), nor
// for a run with nothing left to do.
type progress struct {
	w     io.Writer
	tty   bool
	total atomic.Int64
	done  atomic.Int64
	// stalls reports the chunks whose workers stopped answering.
	stalls atomic.Pointer[func() []engine.Stall]
	start  time.Time
	quit   chan struct{}
	wg     sync.WaitGroup
}

func startProgress(w io.Writer, quiet bool) *progress {
	p := &progress{w: w, tty: isTerminal(w), start: time.Now(), quit: make(chan struct{})}
	if quiet {
		return p
	}
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.print(false)
			case <-p.quit:
				if p.tty {
					p.print(true)
				}
				return
			}
		}
	}()
	return p
}

// watch takes the function that reports stalled chunks
// (engine.Options.Stalls).
func (p *progress) watch(stalls func() []engine.Stall) { p.stalls.Store(&stalls) }

// stalled describes the chunks whose workers stopped answering, for the
// end of a progress line; "" if none.
func (p *progress) stalled() string {
	f := p.stalls.Load()
	if f == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range (*f)() {
		fmt.Fprintf(&b, "; worker %d (pid %d) has run point %d chunk %d for %s", s.Worker, s.PID, s.Point, s.Chunk, fmtDuration(s.Running))
	}
	return b.String()
}

// update records that done of total chunks are done.
func (p *progress) update(done, total int64) {
	p.total.Store(total)
	p.done.Store(done)
}

// stop ends the reports; the bar, if any, is left complete on its line.
func (p *progress) stop() {
	select {
	case <-p.quit:
	default:
		close(p.quit)
	}
	p.wg.Wait()
}

func (p *progress) print(final bool) {
	done, total := p.done.Load(), p.total.Load()
	if total == 0 {
		return
	}
	el := time.Since(p.start)
	rate := float64(done) / el.Seconds()
	eta := "?"
	if rate > 0 && done < total {
		eta = fmtDuration(time.Duration(float64(total-done) / rate * float64(time.Second)))
	}
	if done >= total {
		eta = "0s"
	}
	pct := 100 * float64(done) / float64(max(total, 1))
	if !p.tty {
		fmt.Fprintf(p.w, "progress: %d/%d chunks (%.0f%%), %s chunks/s, elapsed %s, ETA %s%s\n",
			done, total, pct, siRate(rate), fmtDuration(el), eta, p.stalled())
		return
	}
	const width = 30
	fill := int(float64(width) * float64(done) / float64(max(total, 1)))
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	fmt.Fprintf(p.w, "\r[%s] %d/%d chunks %5.1f%%  %s/s  ETA %s%s \x1b[K", bar, done, total, pct, siRate(rate), eta, p.stalled())
	if final {
		fmt.Fprintln(p.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func siRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.1f", r)
}

func fmtDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
