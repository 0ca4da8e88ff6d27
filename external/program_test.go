package external

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/internal/kerneltest"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// TestMain lets the test binary play a kernel program (kerneltest.Play):
// started as "TESTBINARY kernel MODE", it speaks the protocol, well or
// badly as MODE says.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "kernel" {
		os.Exit(kerneltest.Play(os.Args[2:]))
	}
	os.Exit(m.Run())
}

func testCommand(mode string) Command {
	return Command{Argv: []string{os.Args[0], "kernel", mode}, Stderr: new(strings.Builder)}
}

func TestStartSpec(t *testing.T) {
	p, err := Start(testCommand("good"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	s := p.Spec()
	k := s.Kernel
	if k.Name != "fake" || k.Version != 1 || s.Runtime != "go test" {
		t.Errorf("spec: name %q version %d runtime %q", k.Name, k.Version, s.Runtime)
	}
	if len(k.Params) != 2 || k.Params[0].Kind != sim.Int || k.Params[0].Default != sim.IntValue(2) || k.Params[0].Range == nil || k.Params[0].Range.Min != 0 || !math.IsInf(k.Params[0].Range.Max, 1) {
		t.Errorf("params: %+v", k.Params)
	}
	if len(k.Observables) != 2 || !k.Observables[0].IID || k.Observables[1].IID {
		t.Errorf("observables: %+v", k.Observables)
	}
	if len(k.References) != 1 || k.References[0].Of != "u" || !k.References[0].Exact {
		t.Errorf("references: %+v", k.References)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestStartFails: every way a program can fail to start is an error
// naming the command and saying what went wrong.
func TestStartFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cmd  Command
		want []string
	}{
		{"missing", Command{Argv: []string{"no-such-kernel-program"}}, []string{"no-such-kernel-program", "is not a program on PATH"}},
		{"not executable", Command{Argv: []string{"./noexec"}, Dir: dir}, []string{"command ./noexec", "permission denied", "chmod +x"}},
		{"exits", testCommand("exit-handshake"), []string{"exited with exit status 3 before declaring its spec", "ImportError: No module named numpy"}},
		{"garbage", testCommand("garbage-handshake"), []string{`wrote "hello" instead of its spec`}},
		{"refuses", testCommand("refuse"), []string{"refused to start: numpy is\nmissing"}},
		{"unknown field", testCommand("unknown-field"), []string{`unknown field "colour"`}},
		{"no observables", testCommand("no-observables"), []string{`declares no "observables"`}},
		{"protocol 2", testCommand("protocol-2"), []string{`"protocol": 2; this simrun speaks protocol 1`}},
		{"reserved name", testCommand("reserved-param"), []string{`"name": "mean" is a column of results.csv`}},
		{"bad default", testCommand("bad-default"), []string{`parameter "p": its "default" is 2, outside the valid range (-inf, 1]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Start(tc.cmd)
			if err == nil {
				p.Close()
				t.Fatal("Start succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
	t.Run("hangs", func(t *testing.T) {
		c := testCommand("hang-handshake")
		c.Handshake = 200 * time.Millisecond
		start := time.Now()
		_, err := Start(c)
		if err == nil || !strings.Contains(err.Error(), "did not declare its spec within 200ms") {
			t.Errorf("Start: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Start took %v", d)
		}
	})
}

// requests returns n chunk requests of point 0 (a=3, s="a b%") of the
// good kernel's spec.
func requests(t *testing.T, p *Program, n int) []Request {
	t.Helper()
	params := sim.NewParams(p.Spec().Kernel.Params, []sim.Value{sim.IntValue(3), sim.StringValue("a b%")})
	reqs := make([]Request, n)
	for i := range reqs {
		r := sim.ChunkRand(1, params.Key(), int64(i))
		reqs[i] = Request{ID: int64(100 + i), Point: 0, Params: params, Chunk: int64(i), N: int64(10 + i%7), State: r.State()}
	}
	return reqs
}

// want is what the good kernel replies to req.
func want(req Request) []sim.Acc {
	r := rng.New(req.State)
	accs := make([]sim.Acc, 2)
	for range req.N {
		accs[0].Add(r.Float64())
		accs[1].Add(6)
	}
	return accs
}

type answer struct {
	i    int
	accs []sim.Acc
	err  error
}

func collect(answers *[]answer) func(int, Reply, error) error {
	return func(i int, r Reply, err error) error {
		*answers = append(*answers, answer{i, append([]sim.Acc(nil), r.Accs...), err})
		return nil
	}
}

func TestDo(t *testing.T) {
	p, err := Start(testCommand("good"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// Two batches, the second larger than a pipe holds, so that the
	// program writes replies while simrun still writes requests.
	for _, n := range []int{3, 20000} {
		reqs := requests(t, p, n)
		var got []answer
		if _, err := p.Do(reqs, collect(&got)); err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Fatalf("%d answers for %d requests", len(got), n)
		}
		for i, a := range got {
			if a.err != nil || a.i != i || fmt.Sprint(a.accs) != fmt.Sprint(want(reqs[i])) {
				t.Fatalf("request %d: %v %v, want %v", i, a.accs, a.err, want(reqs[i]))
			}
		}
	}
	ref := []Request{{ID: 5, Point: -1, Params: requests(t, p, 1)[0].Params, Ref: "half"}}
	var v float64
	if _, err := p.Do(ref, func(_ int, r Reply, err error) error { v = r.Value; return err }); err != nil || v != 0.5 {
		t.Errorf("reference: %v, %v; want 0.5", v, err)
	}
}

func TestDoReplies(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want string // in the error of the first request; "" for none
		accs string // the accumulators of the first request, if no error
	}{
		{mode: "values", accs: "[{2 0.5 0.125 0.25 0.75} {1 6 0 6 6}]"},
		{mode: "error-all", want: "ValueError: s = a%20b%25\n  at line \\7"},
		{mode: "garbage", want: `broke the kernel protocol: a reply starts with ok, values or error, in the reply "oops 100"`},
		{mode: "wrong-id", want: "it answers request 107, but the next request to answer is chunk 100"},
		{mode: "nonfinite", want: `observable "u": want N MEAN M2 MIN MAX, but found "nan"`},
		{mode: "short", want: `want 2 accumulators (N MEAN M2 MIN MAX for each observable, in order: u, a2), but the line ends`},
		{mode: "extra", want: "it has more fields than the 2 observables take"},
		{mode: "negative-m2", want: `observable "u" has M2 = -1`},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			p, err := Start(testCommand(tc.mode))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var got []answer
			n, err := p.Do(requests(t, p, 3), collect(&got))
			if len(got) == 0 {
				t.Fatalf("no answer; Do: %v", err)
			}
			a := got[0]
			if tc.want == "" {
				if a.err != nil || fmt.Sprint(a.accs) != tc.accs {
					t.Errorf("got %v, %v; want %s", a.accs, a.err, tc.accs)
				}
				return
			}
			if a.err == nil || !strings.Contains(a.err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", a.err, tc.want)
			}
			var perr *ProtocolError
			if errors.As(a.err, &perr) {
				// The program is not trusted after a broken reply.
				if n != 1 || !errors.Is(err, errBroken) {
					t.Errorf("Do after a broken reply: %d answered, %v", n, err)
				}
			} else if n != 3 || err != nil {
				t.Errorf("Do: %d answered, %v; want 3, nil", n, err)
			}
		})
	}
}

// TestKernelRestarts: after a broken reply, the requests after it go to
// the program started again; after a crash, Do fails, and the next call
// starts it again.
func TestKernelRestarts(t *testing.T) {
	p, err := Start(testCommand("bad-second"))
	if err != nil {
		t.Fatal(err)
	}
	k := NewKernel(testCommand("bad-second"), p)
	defer k.Close()
	reqs := requests(t, p, 3) // IDs 100, 101, 102: 101 gets a broken reply
	var got []answer
	if err := k.Do(reqs, collect(&got)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].err != nil || got[1].err == nil || got[2].err != nil || fmt.Sprint(got[2].accs) != fmt.Sprint(want(reqs[2])) {
		t.Errorf("answers %+v", got)
	}

	stderr := new(strings.Builder)
	c := testCommand("crash-always")
	c.Stderr = stderr
	k = NewKernel(c, nil)
	defer k.Close()
	got = nil
	err = k.Do(reqs, collect(&got))
	if err == nil || len(got) != 0 {
		t.Fatalf("Do of a program that crashes: %v, %d answers", err, len(got))
	}
	for _, w := range []string{"exited with exit status 1 with 3 requests unanswered", "MemoryError: crash-always as asked"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
	if !strings.Contains(stderr.String(), "Traceback") {
		t.Errorf("the program's stderr was not passed on: %q", stderr)
	}
	if err := k.Do(reqs, collect(&got)); err == nil || k.p != nil {
		t.Errorf("second Do: %v; want the program started again, and failing again", err)
	}
}

func TestCloseKillsStubborn(t *testing.T) {
	p, err := Start(testCommand("stubborn"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Close(); err == nil || !strings.Contains(err.Error(), "did not exit within") {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
}

func TestAppendPoint(t *testing.T) {
	specs := []sim.ParamSpec{{Name: "n", Kind: sim.Int}, {Name: "x", Kind: sim.Float}, {Name: "b", Kind: sim.Bool}, {Name: "s", Kind: sim.String}, {Name: "e", Kind: sim.String}}
	params := sim.NewParams(specs, []sim.Value{sim.IntValue(-3), sim.FloatValue(1e6), sim.BoolValue(true), sim.StringValue("a b%=é\n"), sim.StringValue("")})
	got := string(appendPoint(nil, 7, params))
	if want := "point 7 n=-3 x=1e+06 b=true s=a%20b%25=%C3%A9%0A e=\n"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestSeed(t *testing.T) {
	if got, want := Seed([4]uint64{1, 2, 4, 1 << 63}), uint64((1^2^4^1<<63)>>1); got != want || got >= 1<<63 {
		t.Errorf("Seed = %d, want %d", got, want)
	}
}
