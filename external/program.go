package external

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/simrun/simrun/sim"
)

// Command says how to start a program.
type Command struct {
	Argv []string // the program and its arguments, run without a shell
	Dir  string   // the working directory; relative paths in Argv are relative to it
	// Stderr receives what the program writes on its standard error, line
	// by line; nil means os.Stderr.
	Stderr io.Writer
	// Handshake bounds the time the program may take to declare its spec;
	// 0 means DefaultHandshake.
	Handshake time.Duration
	// NewGroup starts the program in a process group of its own, which
	// is killed whole when the program is: for a program started outside
	// a worker process, whose group nobody else kills. Without it the
	// program stays in the group of the process that starts it.
	NewGroup bool
}

// DefaultHandshake is how long a program may take to answer the
// handshake: long enough for an interpreter that imports large libraries
// from a network file system.
const DefaultHandshake = time.Minute

// stopGrace is how long a program whose input is closed may take to exit
// before it is killed. It is below runner's grace for its workers, so
// that a worker that stops its program exits before it is killed itself.
const stopGrace = 500 * time.Millisecond

// maxLine bounds a reply line (a values reply of a large chunk), so that a
// program that never writes a newline cannot make simrun allocate without
// limit.
const maxLine = 256 << 20

// pipeSize is the size asked for the pipe of requests: a frame of a
// worker's window of chunks, about a hundred bytes each.
const pipeSize = 1 << 20

// A Program is a running kernel program whose handshake is done. Its
// methods are not safe for concurrent use.
type Program struct {
	c       Command
	name    string // the command line, for messages
	cmd     *exec.Cmd
	in      io.WriteCloser
	outFile *os.File // the read end of its standard output, which out buffers
	out     *bufio.Reader
	stderr  *tail
	spec    Spec

	exited  chan struct{} // closed once Wait has returned
	waitErr error

	sendMu sync.Mutex // held by Send
	point  int64      // the point of the last point line sent, or -1
	wbuf   []byte     // requests being written

	qmu    sync.Mutex
	queued *sync.Cond // of qmu: a request was sent
	sent   []Request  // sent[head:] are not answered yet
	head   int

	// Used by Receive only.
	cur  Request   // the request being answered
	accs []sim.Acc // its accumulators
	dead error     // why the program can answer no more
}

// Start starts the program of c and reads its spec. An error names the
// command, says what went wrong (it could not be started, it exited, it
// wrote something other than a spec, the spec is malformed) and quotes
// the end of what it wrote on standard error.
func Start(c Command) (*Program, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("external: empty command")
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Handshake <= 0 {
		c.Handshake = DefaultHandshake
	}
	p := &Program{c: c, name: commandLine(c.Argv), point: -1, exited: make(chan struct{})}
	p.queued = sync.NewCond(&p.qmu)
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Dir = c.Dir
	cmd.SysProcAttr = sysProcAttr(c.NewGroup)
	p.stderr = newTail(c.Stderr)
	cmd.Stderr = p.stderr
	// Whatever the program leaves behind holding its standard error, Wait
	// does not wait for more than this once it has exited.
	cmd.WaitDelay = stopGrace
	inR, in, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("command %s: %w", p.name, err)
	}
	cmd.Stdin = inR
	// Standard output is a pipe of our own, not cmd.StdoutPipe: Wait
	// closes that one when the program exits, which races with a read of
	// what it wrote last (os/exec: finish reading before Wait), and a
	// read then fails with "file already closed" instead of EOF.
	out, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		in.Close()
		return nil, fmt.Errorf("command %s: %w", p.name, err)
	}
	cmd.Stdout = outW
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		in.Close()
		out.Close()
		return nil, fmt.Errorf("command %s: %w", p.name, startErr(err))
	}
	// A batch of requests then fits in the pipe: simrun writes it in one
	// go, not in pieces, each waiting for the program to read the last.
	setPipeSize(in, pipeSize)
	p.cmd, p.in, p.outFile, p.out = cmd, in, out, bufio.NewReaderSize(out, 64<<10)
	go func() {
		p.waitErr = cmd.Wait()
		if c.NewGroup {
			// What it started and left running goes with it.
			killGroup(cmd.Process.Pid)
		}
		// A read gets what the program wrote, then EOF; if something it
		// left running still holds its standard output, the read gives
		// up stopGrace after it exited, as WaitDelay does for exec's own
		// pipes.
		out.SetReadDeadline(time.Now().Add(stopGrace))
		p.stderr.Flush()
		close(p.exited)
	}()
	if err := p.handshake(); err != nil {
		p.kill()
		out.Close()
		return nil, fmt.Errorf("command %s: %w", p.name, err)
	}
	return p, nil
}

// startErr makes exec's errors say what to do.
func startErr(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) && errors.Is(ee.Err, exec.ErrNotFound) {
		return fmt.Errorf("%q is not a program on PATH (%s); give its path, relative to the experiment file's directory, such as \"./%s\"", ee.Name, os.Getenv("PATH"), ee.Name)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%w (is the file executable? chmod +x it, or run it through its interpreter)", err)
	}
	return err
}

// handshake writes the hello and reads the spec, within c.Handshake.
func (p *Program) handshake() error {
	type result struct {
		line []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		if _, err := io.WriteString(p.in, hello); err != nil {
			// The program may have exited before reading: what it
			// wrote says why.
			_ = err
		}
		line, err := readLine(p.out)
		done <- result{line, err}
	}()
	t := time.NewTimer(p.c.Handshake)
	defer t.Stop()
	var r result
	select {
	case r = <-done:
	case <-t.C:
		p.kill()
		return fmt.Errorf("did not declare its spec within %v of starting%s", p.c.Handshake, p.stderrNote())
	}
	if r.err != nil {
		return p.deathError("before declaring its spec", r.err)
	}
	if msg, ok := strings.CutPrefix(string(r.line), "error "); ok {
		return fmt.Errorf("refused to start: %s%s", unescape(msg), p.stderrNote())
	}
	if len(r.line) == 0 || r.line[0] != '{' {
		return fmt.Errorf("wrote %s instead of its spec, a line of JSON (is it a simrun kernel? see docs/external-kernels.md)%s", quote(r.line), p.stderrNote())
	}
	spec, err := parseSpec(r.line)
	if err != nil {
		return fmt.Errorf("%w%s", err, p.stderrNote())
	}
	p.spec = spec
	p.accs = make([]sim.Acc, len(spec.Kernel.Observables))
	return nil
}

// Spec returns what the program declared.
func (p *Program) Spec() Spec { return p.spec }

// A Request asks a program for one chunk, or for a reference value.
type Request struct {
	ID     int64      // echoed by the reply: the chunk's global index, or any number
	Point  int64      // the point's index in the sweep
	Params sim.Params // the point's parameters
	// Ref names a reference to compute; "" for a chunk.
	Ref string
	// For a chunk: its index within the point, its number of samples and
	// its generator's state.
	Chunk int64
	N     int64
	State [4]uint64
}

// A Reply is a program's answer to one Request.
type Reply struct {
	Accs  []sim.Acc // a chunk's accumulators, one per observable; valid until the next call
	Value float64   // a reference's value
}

// ReplyError is an error reply: the program failed the request.
type ReplyError struct {
	Msg string // the program's message, unescaped
}

func (e *ReplyError) Error() string { return e.Msg }

// ProtocolError is a reply that breaks the protocol.
type ProtocolError struct {
	Command string
	Line    []byte // the offending line, without its newline
	Msg     string // what is wrong with it
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("command %s broke the kernel protocol: %s, in the reply %s", e.Command, e.Msg, quote(e.Line))
}

// errBroken marks an error after which a program cannot be trusted with
// more requests: it broke the protocol, and was killed.
var errBroken = errors.New("external: the program broke the protocol")

// Send writes reqs to the program as one batch, ended by a flush, for
// Receive to read their replies. It may be called from one goroutine while
// Receive is called from another. An error means the program is gone.
func (p *Program) Send(reqs []Request) error {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	p.wbuf = p.appendRequests(p.wbuf[:0], reqs)
	p.qmu.Lock()
	p.sent = append(p.sent, reqs...)
	p.qmu.Unlock()
	p.queued.Signal()
	if _, err := p.in.Write(p.wbuf); err != nil {
		return fmt.Errorf("command %s: sending requests: %w", p.name, err)
	}
	return nil
}

// An Answer is the reply to one Request, or its error: a *ReplyError, or a
// *ProtocolError, after which the program has been killed.
type Answer struct {
	Req   *Request // valid until the next Receive
	Reply Reply
	Err   error
}

// Receive reads the reply to the oldest request sent and not yet
// answered, waiting for one to be sent if there is none: a caller that
// has started a Send (on another goroutine) may Receive its replies. A
// non-nil error means the program can answer no more: it died, or it
// broke the protocol in an earlier reply.
func (p *Program) Receive() (Answer, error) {
	if p.dead != nil {
		return Answer{}, p.dead
	}
	p.qmu.Lock()
	// The request may be on its way: Send queues it first thing.
	for p.head == len(p.sent) {
		p.queued.Wait()
	}
	p.cur = p.sent[p.head]
	p.head++
	unanswered := len(p.sent) - p.head + 1
	if p.head >= 1024 && 2*p.head >= len(p.sent) {
		// Requests stream in while replies are read, so the queue may
		// never drain: move what is left to the front.
		p.sent = p.sent[:copy(p.sent, p.sent[p.head:])]
		p.head = 0
	}
	p.qmu.Unlock()
	line, err := readLine(p.out)
	if err != nil {
		p.dead = p.deathError(fmt.Sprintf("with %s unanswered", plural(unanswered, "request")), err)
		p.kill()
		return Answer{}, p.dead
	}
	rep, rerr := p.parseReply(line, &p.cur, p.accs)
	var perr *ProtocolError
	if errors.As(rerr, &perr) {
		p.dead = fmt.Errorf("%w: %w", errBroken, rerr)
		p.kill()
	}
	return Answer{Req: &p.cur, Reply: rep, Err: rerr}, nil
}

// Ready reports whether the reply Receive reads next has arrived.
func (p *Program) Ready() bool {
	if p.dead != nil {
		return true // Receive returns at once
	}
	b, _ := p.out.Peek(p.out.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Do sends reqs to the program in one batch and calls result for each, in
// order, with its reply or its error: a *ReplyError, or a *ProtocolError
// (after which the program is killed and Do returns an error wrapping
// errBroken, having answered only the requests up to the broken reply).
// Do returns a non-nil error, without calling result for the rest, if the
// program dies or result fails; the program cannot be used after an
// error. It returns how many requests it reported.
func (p *Program) Do(reqs []Request, result func(i int, r Reply, err error) error) (int, error) {
	if p.dead != nil {
		return 0, p.dead
	}
	// The program answers while it reads: the requests are written from
	// another goroutine, so that neither side waits on a full pipe.
	werr := make(chan error, 1)
	go func() { werr <- p.Send(reqs) }()
	for i := range reqs {
		a, err := p.Receive()
		if err != nil {
			<-werr
			return i, err
		}
		if err := result(i, a.Reply, a.Err); err != nil {
			p.dead = err
			p.kill()
			<-werr
			return i + 1, err
		}
		if p.dead != nil { // the reply broke the protocol
			<-werr
			return i + 1, p.dead
		}
	}
	if err := <-werr; err != nil {
		// It answered everything, then stopped reading.
		p.dead = p.deathError("after answering its requests", err)
	}
	return len(reqs), nil
}

// appendRequests encodes reqs as protocol lines, then a flush.
func (p *Program) appendRequests(b []byte, reqs []Request) []byte {
	for i := range reqs {
		r := &reqs[i]
		if r.Point != p.point || r.Point < 0 {
			// A point outside the sweep (a reference curve between
			// swept values) has no index to tell it from the last.
			b = appendPoint(b, r.Point, r.Params)
			p.point = r.Point
		}
		if r.Ref != "" {
			b = append(b, "reference "...)
			b = strconv.AppendInt(b, r.ID, 10)
			b = append(b, ' ')
			b = append(b, r.Ref...)
			b = append(b, '\n')
			continue
		}
		b = append(b, "chunk "...)
		b = strconv.AppendInt(b, r.ID, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.Chunk, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.N, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, Seed(r.State), 10)
		for _, s := range r.State {
			b = append(b, ' ')
			b = strconv.AppendUint(b, s, 10)
		}
		b = append(b, '\n')
	}
	return append(b, "flush\n"...)
}

// Seed is the integer seed a chunk request carries besides the state, for
// generators other than xoshiro256++: (s0 ^ s1 ^ s2 ^ s3) >> 1, in [0, 2^63).
func Seed(s [4]uint64) uint64 { return (s[0] ^ s[1] ^ s[2] ^ s[3]) >> 1 }

// appendPoint encodes a point line.
func appendPoint(b []byte, point int64, params sim.Params) []byte {
	b = append(b, "point "...)
	b = strconv.AppendInt(b, point, 10)
	for i := range params.Len() {
		b = append(b, ' ')
		b = append(b, params.Name(i)...)
		b = append(b, '=')
		v := params.Value(i)
		switch v.Kind {
		case sim.Int:
			b = strconv.AppendInt(b, v.I, 10)
		case sim.Float:
			b = append(b, sim.FormatFloat(v.F)...)
		case sim.Bool:
			b = strconv.AppendBool(b, v.B)
		case sim.String:
			b = appendPercent(b, v.S)
		}
	}
	return append(b, '\n')
}

// appendPercent percent-encodes s: every byte that is a space, '%', a
// control character or not ASCII becomes %XX.
func appendPercent(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '%' {
			b = append(b, '%', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

// parseReply checks one reply line against its request.
//
// It works on the bytes of the line, which the reader reuses, without
// converting the line to a string: a reply per chunk is simrun's hot path
// for a fast kernel.
func (p *Program) parseReply(line []byte, req *Request, accs []sim.Acc) (Reply, error) {
	bad := func(format string, args ...any) (Reply, error) {
		return Reply{}, &ProtocolError{Command: p.name, Line: bytes.Clone(line), Msg: fmt.Sprintf(format, args...)}
	}
	kind, rest := cut(line)
	idTok, rest := cut(rest)
	switch string(kind) {
	case "ok", "values", "error":
	default:
		return bad("a reply starts with ok, values or error")
	}
	id, ok := parseInt(idTok)
	if !ok {
		return bad("%q is not a request ID", idTok)
	}
	if id != req.ID {
		what := "chunk"
		if req.Ref != "" {
			what = "reference"
		}
		return bad("it answers request %d, but the next request to answer is %s %d (replies come in the order of the requests)", id, what, req.ID)
	}
	if string(kind) == "error" {
		return Reply{}, &ReplyError{Msg: unescape(string(rest))}
	}
	if req.Ref != "" {
		if string(kind) != "ok" {
			return bad("a reference is answered with ok ID VALUE")
		}
		v, err := strconv.ParseFloat(string(rest), 64)
		if err != nil || bytes.Contains(rest, space) {
			return bad("the value of reference %q is %q, not one number", req.Ref, rest)
		}
		return Reply{Value: v}, nil
	}
	f := fields{s: rest}
	clear(accs)
	if string(kind) == "ok" {
		for o := range accs {
			var a sim.Acc
			n, ok := f.int()
			if !ok {
				return bad("want %d accumulators (N MEAN M2 MIN MAX for each observable, in order: %s), %s", len(accs), strings.Join(obsNames(p.spec.Kernel.Observables), ", "), f.problem())
			}
			var v [4]float64
			for j := range v {
				if v[j], ok = f.float(); !ok {
					return bad("observable %q: want N MEAN M2 MIN MAX, %s", p.spec.Kernel.Observables[o].Name, f.problem())
				}
			}
			switch {
			case n < 0:
				return bad("observable %q has a count of %d", p.spec.Kernel.Observables[o].Name, n)
			case n == 0:
			case !(v[1] >= 0):
				return bad("observable %q has M2 = %v; a sum of squares is 0 or more", p.spec.Kernel.Observables[o].Name, v[1])
			case !(v[2] <= v[3]):
				return bad("observable %q has min %v above max %v", p.spec.Kernel.Observables[o].Name, v[2], v[3])
			default:
				a = sim.Acc{N: n, Mean: v[0], M2: v[1], Min: v[2], Max: v[3]}
			}
			accs[o] = a
		}
	} else {
		for o := range accs {
			k, ok := f.int()
			if !ok || k < 0 {
				return bad("want a count and the values for each of the %d observables (%s), %s", len(accs), strings.Join(obsNames(p.spec.Kernel.Observables), ", "), f.problem())
			}
			for range k {
				x, ok := f.float()
				if !ok {
					return bad("observable %q: want %d values, %s", p.spec.Kernel.Observables[o].Name, k, f.problem())
				}
				accs[o].Add(x)
			}
		}
	}
	if !f.end() {
		return bad("it has more fields than the %d observables take", len(accs))
	}
	return Reply{Accs: accs}, nil
}

var space = []byte{' '}

// fields reads space-separated numbers; after a failure, problem says
// what it found instead.
type fields struct {
	s    []byte
	last string // the field that failed, or "" at the end of the line
}

func (f *fields) next() ([]byte, bool) {
	if len(f.s) == 0 {
		f.last = ""
		return nil, false
	}
	tok, rest := cut(f.s)
	f.s = rest
	return tok, true
}

// cut splits b at its first space (bytes.Cut with a separator of one
// byte, without its general search).
func cut(b []byte) (before, after []byte) {
	if i := bytes.IndexByte(b, ' '); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

func (f *fields) int() (int64, bool) {
	tok, ok := f.next()
	if !ok {
		return 0, false
	}
	n, ok := parseInt(tok)
	if !ok {
		f.last = string(tok)
	}
	return n, ok
}

// float reads a finite number.
func (f *fields) float() (float64, bool) {
	tok, ok := f.next()
	if !ok {
		return 0, false
	}
	if n, ok := parseInt(tok); ok && n > -1<<53 && n < 1<<53 && !(n == 0 && tok[0] == '-') {
		// An integer (a count, a 0, a kernel's integer values), exactly.
		return float64(n), true
	}
	x, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || x-x != 0 {
		f.last = string(tok)
		return 0, false
	}
	return x, true
}

func (f *fields) end() bool { return len(f.s) == 0 }

func (f *fields) problem() string {
	if f.last == "" {
		return "but the line ends"
	}
	return fmt.Sprintf("but found %q (counts are integers; values are finite numbers)", f.last)
}

// parseInt parses a decimal integer, with an optional '-', as
// strconv.ParseInt does, without a string.
func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case neg && n <= 1<<63:
		return -int64(n), true
	case !neg && n < 1<<63:
		return int64(n), true
	}
	return 0, false
}

// readLine reads one line without its "\n" (and a "\r" before it).
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			if len(long) > maxLine {
				return nil, fmt.Errorf("a line longer than %d MiB", maxLine>>20)
			}
			line, err = r.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// unescape undoes the escapes of an error message: \n and \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// quote quotes a line for a message, shortened if long.
func quote(b []byte) string {
	const max = 200
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + fmt.Sprintf(" (%d more bytes)", len(b)-max)
	}
	return strconv.Quote(string(b))
}

// deathError says that the program stopped answering (err: the read
// error) and, once it has exited, how.
func (p *Program) deathError(when string, err error) error {
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		return fmt.Errorf("stopped answering %s (%v)%s", when, err, p.stderrNote())
	}
	how := "exited"
	if p.waitErr != nil {
		how = "exited with " + p.waitErr.Error()
	} else {
		how = "exited with status 0"
	}
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		how += fmt.Sprintf(" (%v)", err)
	}
	return fmt.Errorf("%s %s%s", how, when, p.stderrNote())
}

// stderrNote quotes the last lines the program wrote on standard error.
func (p *Program) stderrNote() string {
	if t := p.stderr.Tail(); t != "" {
		return "; the end of its standard error:\n" + t
	}
	return "; it wrote nothing on standard error"
}

// Close closes the program's input, which tells it to exit, and waits for
// it to exit, killing it after a grace period. It returns the program's
// exit error, if it failed.
func (p *Program) Close() error {
	p.in.Close()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		p.kill()
		p.outFile.Close()
		return fmt.Errorf("command %s did not exit within %v of its input closing, and was killed", p.name, stopGrace)
	}
	p.outFile.Close() // nothing reads it once the program is closed
	if p.dead == nil && p.waitErr != nil {
		return fmt.Errorf("command %s: %w%s", p.name, p.waitErr, p.stderrNote())
	}
	return nil
}

// kill kills the program, and waits for it.
func (p *Program) kill() {
	if p.c.NewGroup {
		killGroup(p.cmd.Process.Pid)
	}
	p.cmd.Process.Kill()
	p.in.Close()
	<-p.exited
}

// commandLine writes argv as a user would type it.
func commandLine(argv []string) string {
	return (&sim.Program{Command: argv}).CommandLine()
}

// tail copies lines to w and keeps the last few, for error messages.
type tail struct {
	mu    sync.Mutex
	w     io.Writer
	part  []byte   // an unfinished line
	lines []string // the last lines, at most tailLines
}

const tailLines = 20

func newTail(w io.Writer) *tail { return &tail{w: w} }

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := strings.IndexByte(string(b), '\n')
		if i < 0 {
			t.part = append(t.part, b...)
			if len(t.part) > 64<<10 { // a line that never ends
				t.emit()
			}
			break
		}
		t.part = append(t.part, b[:i+1]...)
		b = b[i+1:]
		t.emit()
	}
	return n, nil
}

// emit writes and keeps the line in t.part.
func (t *tail) emit() {
	t.w.Write(t.part)
	line := strings.TrimRight(string(t.part), "\r\n")
	if len(line) > 1000 {
		line = line[:1000] + "..."
	}
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
	t.part = t.part[:0]
}

// Flush writes an unfinished last line.
func (t *tail) Flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.part) > 0 {
		t.part = append(t.part, '\n')
		t.emit()
	}
}

// Tail returns the last lines written.
func (t *tail) Tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

// Replay returns the lines that send req to a program, point line
// included, for a user to pipe into it by hand.
func Replay(req *Request) string {
	p := &Program{point: -1}
	b := p.appendRequests(nil, []Request{*req})
	return fmt.Sprintf("%q", "simrun-kernel 1\n"+string(b))
}
