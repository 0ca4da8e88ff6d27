package runner

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCloseReaps checks that Close leaves no worker process behind: after
// a cancelled Stream, and with a worker that ignores the end of its input
// and interrupts, which Close must kill.
func TestCloseReaps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     []string
		wantErr string
	}{
		{name: "cancelled"},
		{name: "stubborn", env: []string{"RUNNER_TEST_STUBBORN=1"}, wantErr: "did not exit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			p, err := Start(ctx, Config{Handler: "slow", Workers: 2, Env: tc.env, Stderr: t.Output(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			var pids []int
			for _, w := range p.workers {
				pids = append(pids, w.proc.pid)
			}
			if tc.env == nil {
				sctx, stop := context.WithCancel(ctx)
				err := p.Stream(sctx, 1000,
					func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, 5) },
					func(i int, out []byte, err error) error { stop(); return err })
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Stream: %v, want %v", err, context.Canceled)
				}
			}
			err = p.Close()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Close: %v, want %q", err, tc.wantErr)
			}
			for _, pid := range pids {
				if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
					t.Errorf("worker process %d after Close: kill 0: %v, want ESRCH", pid, err)
				}
			}
		})
	}
}

// TestAdaptiveWindow checks that the window follows the time per task:
// the most for tiny tasks, the least for tasks longer than 2 ms.
func TestAdaptiveWindow(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for _, tc := range []struct {
			handler string
			n       int
			check   func(window int) bool
			want    string
		}{
			{"echo", 20000, func(w int) bool { return w >= 100 }, ">= 100"},
			{"slow", 20, func(w int) bool { return w == minWindow }, "minWindow"},
		} {
			p, err := Start(ctx, Config{Handler: tc.handler, Workers: 1, InProcess: inProcess, Stderr: t.Output(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			err = p.Stream(ctx, tc.n,
				func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, 5) },
				func(i int, out []byte, err error) error { return err })
			if err != nil {
				t.Fatal(err)
			}
			p.mu.Lock()
			w := p.workers[0].window
			p.mu.Unlock()
			if !tc.check(w) {
				t.Errorf("in process %v, %s: window %d, want %s", inProcess, tc.handler, w, tc.want)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
