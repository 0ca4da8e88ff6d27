package runner

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// taskFrame encodes tasks as one task frame, ids from lo.
func taskFrame(lo int, tasks [][]byte) []byte {
	b := make([]byte, headerLen)
	for i, t := range tasks {
		b = appendTask(b, uint64(lo+i), t)
	}
	setHeader(b, frameTasks)
	return b
}

func TestTaskRoundTrip(t *testing.T) {
	var tasks [][]byte
	for _, n := range []int{0, 1, 127, 128, 300, 16383, 16384, 70 << 10} {
		tasks = append(tasks, bytes.Repeat([]byte{byte(n)}, n))
	}
	frame := append(taskFrame(1000, tasks), taskFrame(0, tasks[:1])...)
	br := bufio.NewReader(bytes.NewReader(frame))
	typ, p, err := readFrame(br, nil)
	if err != nil || typ != frameTasks {
		t.Fatalf("readFrame: type %d, %v", typ, err)
	}
	for i := range tasks {
		id, task, rest, err := nextTask(p)
		if err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
		if id != uint64(1000+i) || !bytes.Equal(task, tasks[i]) {
			t.Fatalf("task %d: id %d, %d bytes; want id %d, %d bytes", i, id, len(task), 1000+i, len(tasks[i]))
		}
		p = rest
	}
	if len(p) != 0 {
		t.Fatalf("%d bytes left after the tasks", len(p))
	}
	// The second frame, then the end.
	if _, p, err = readFrame(br, p); err != nil || len(p) != 2 {
		t.Fatalf("second frame: %d bytes, %v", len(p), err)
	}
	if _, _, err = readFrame(br, p); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestResultRoundTrip(t *testing.T) {
	type result struct {
		id     uint64
		status byte
		out    []byte
	}
	results := []result{
		{0, statusOK, nil},
		{1, statusOK, []byte("one")},
		{1 << 40, statusError, []byte("an error")},
		{7, statusPanic, appendPanic(nil, "boom", []byte("goroutine 1 [running]:\n"))},
		{8, statusOK, bytes.Repeat([]byte("x"), 200)},
	}
	const busy = 1234567 * time.Nanosecond
	frame := make([]byte, resultsHead)
	for _, r := range results {
		frame = appendResult(frame, r.id, r.status, r.out)
	}
	// As the worker does: the busy time right before the results.
	s := &server{res: frame, nres: len(results), start: time.Now().Add(-busy)}
	var out bytes.Buffer
	s.out = &out
	if err := s.flush(); err != nil {
		t.Fatal(err)
	}
	typ, p, err := readFrame(bufio.NewReader(&out), nil)
	if err != nil || typ != frameResults {
		t.Fatalf("readFrame: type %d, %v", typ, err)
	}
	gotBusy, spans, err := parseResults(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if gotBusy < busy || gotBusy > busy+time.Second {
		t.Errorf("busy %v, want about %v", gotBusy, busy)
	}
	if len(spans) != len(results) {
		t.Fatalf("%d results, want %d", len(spans), len(results))
	}
	for i, r := range results {
		sp := spans[i]
		if sp.id != r.id || sp.status != r.status || !bytes.Equal(p[sp.start:sp.end], r.out) {
			t.Errorf("result %d: %+v, want %+v", i, sp, r)
		}
	}
	te := taskError(3, 9, spans[3].status, p[spans[3].start:spans[3].end])
	if !te.Panic || te.Msg != "boom" || te.Stack != "goroutine 1 [running]:\n" || te.Worker != 3 || te.Task != 9 {
		t.Errorf("panic result decoded as %+v", te)
	}
}

func TestReadFrameInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"partial header", []byte{1, 0}, io.ErrUnexpectedEOF},
		{"partial payload", []byte{5, 0, 0, 0, frameTasks, 1, 2}, io.ErrUnexpectedEOF},
		{"huge length", []byte{0xff, 0xff, 0xff, 0xff, frameTasks}, errProtocol},
		{"huge length, short payload", []byte{0, 0, 0, 0x20, frameTasks, 1}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readFrame(bufio.NewReader(bytes.NewReader(tc.in)), nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("readFrame: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []byte
		task    []byte
	}{
		{"empty", nil, nil},
		{"bad varint", bytes.Repeat([]byte{0xff}, 11), bytes.Repeat([]byte{0xff}, 11)},
		{"length past end", []byte{0, 1, statusOK, 5, 'a'}, []byte{1, 5, 'a'}},
		{"no status", []byte{0, 1}, []byte{1}},
		{"bad status", []byte{0, 1, 9, 0}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := parseResults(tc.results, nil); !errors.Is(err, errProtocol) {
				t.Errorf("parseResults: %v, want a protocol error", err)
			}
			if tc.task != nil {
				if _, _, _, err := nextTask(tc.task); !errors.Is(err, errProtocol) {
					t.Errorf("nextTask: %v, want a protocol error", err)
				}
			}
		})
	}
}

// FuzzDecode checks that arbitrary bytes never make the decoders panic,
// nor the worker that serves them.
func FuzzDecode(f *testing.F) {
	f.Add(taskFrame(0, [][]byte{[]byte("a"), nil, []byte("hello")}))
	f.Add(appendFrame(nil, frameResults, appendResult(appendResult([]byte{5}, 0, statusOK, []byte("x")), 1, statusPanic, appendPanic(nil, "m", []byte("s")))))
	f.Add(appendFrame(appendFrame(nil, frameInit, []byte{protoVersion, 'i'}), frameTasks, appendTask(nil, 3, []byte("t"))))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		for {
			_, p, err := readFrame(br, nil)
			if err != nil {
				break
			}
			parseResults(p, nil)
			for q := p; len(q) > 0; {
				_, _, rest, err := nextTask(q)
				if err != nil {
					break
				}
				q = rest
			}
			parsePanic(p)
		}
		serve("echo", nil, bytes.NewReader(data), io.Discard)
	})
}

// TestServe runs the worker side of the protocol in this process.
func TestServe(t *testing.T) {
	in := appendFrame(nil, frameInit, []byte{protoVersion})
	in = append(in, taskFrame(0, [][]byte{[]byte("a"), []byte("panic"), []byte("b")})...)
	in = append(in, taskFrame(3, [][]byte{[]byte("c")})...)
	var out bytes.Buffer
	if err := serve("panic", nil, bytes.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(&out)
	if typ, p, err := readFrame(br, nil); err != nil || typ != frameReady || !bytes.Equal(p, []byte{protoVersion}) {
		t.Fatalf("first frame: type %d %q, %v; want ready", typ, p, err)
	}
	var got []string
	for {
		typ, p, err := readFrame(br, nil)
		if err == io.EOF {
			break
		}
		if err != nil || typ != frameResults {
			t.Fatalf("frame: type %d, %v", typ, err)
		}
		_, spans, err := parseResults(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range spans {
			out := p[s.start:s.end]
			if s.status == statusPanic {
				out, _ := parsePanic(out)
				got = append(got, "panic "+out)
				continue
			}
			got = append(got, string(out))
		}
	}
	want := "a,panic panicking as asked,b,c"
	if strings.Join(got, ",") != want {
		t.Errorf("results %q, want %q", strings.Join(got, ","), want)
	}
}

func TestServeSetupError(t *testing.T) {
	for _, tc := range []struct {
		name, handler string
		init          []byte
		want          string
	}{
		{"error", "setup", []byte{protoVersion, 'b', 'a', 'd'}, "bad init"},
		{"unknown", "nope", []byte{protoVersion}, `no handler registered as "nope"`},
		{"version", "echo", []byte{protoVersion + 1}, "protocol version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			in := appendFrame(nil, frameInit, tc.init)
			if err := serve(tc.handler, nil, bytes.NewReader(in), &out); err != nil {
				t.Fatal(err)
			}
			typ, p, err := readFrame(bufio.NewReader(&out), nil)
			if err != nil || typ != frameSetupErr || !strings.Contains(string(p), tc.want) {
				t.Errorf("got type %d %q, %v; want a setup error with %q", typ, p, err, tc.want)
			}
		})
	}
}

// TestServeHandlers checks where serve looks a handler up: in the handlers
// given to Serve first, then among the registered ones.
func TestServeHandlers(t *testing.T) {
	handlers := map[string]Setup{
		// given: prefixes the task with the init.
		"given": func(init []byte) (Handler, error) {
			return HandlerFunc(func(dst, task []byte) ([]byte, error) {
				return append(append(dst, init...), task...), nil
			}), nil
		},
		// echo: shadows the registered echo.
		"echo": func([]byte) (Handler, error) {
			return HandlerFunc(func(dst, task []byte) ([]byte, error) {
				return append(append(dst, "shadowed "...), task...), nil
			}), nil
		},
	}
	for _, tc := range []struct {
		name, handler, want string
	}{
		{"given", "given", "init: task"},
		{"given first", "echo", "shadowed task"},
		{"registered", "fail", "task"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := appendFrame(nil, frameInit, append([]byte{protoVersion}, "init: "...))
			in = append(in, taskFrame(0, [][]byte{[]byte("task")})...)
			var out bytes.Buffer
			if err := serve(tc.handler, handlers, bytes.NewReader(in), &out); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(&out)
			if typ, p, err := readFrame(br, nil); err != nil || typ != frameReady {
				t.Fatalf("first frame: type %d %q, %v; want ready", typ, p, err)
			}
			typ, p, err := readFrame(br, nil)
			if err != nil || typ != frameResults {
				t.Fatalf("second frame: type %d, %v; want results", typ, err)
			}
			_, spans, err := parseResults(p, nil)
			if err != nil || len(spans) != 1 || spans[0].status != statusOK {
				t.Fatalf("results %+v, %v; want one OK", spans, err)
			}
			if got := string(p[spans[0].start:spans[0].end]); got != tc.want {
				t.Errorf("result %q, want %q", got, tc.want)
			}
		})
	}
}
