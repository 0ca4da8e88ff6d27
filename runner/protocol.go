package runner

// The protocol between a pool and a worker process runs over two pipes that
// the worker inherits as file descriptors 3 (tasks in) and 4 (results out),
// so that whatever the handler prints on stdout or stderr cannot corrupt it.
//
// Every message is a frame, little-endian:
//
//	u32 payload length | u8 type | payload
//
// Pool to worker:
//
//	frameInit   (once, first)  u8 protocol version, then Config.Init
//	frameTasks  (many)         for each task: uvarint id, uvarint len, bytes
//
// Worker to pool:
//
//	frameReady    (once, after Setup succeeded)  u8 protocol version
//	frameSetupErr (once, then the worker exits)  the error message
//	frameResults  (many)  uvarint busy nanoseconds, then for each result:
//	                      uvarint id, u8 status, uvarint len, bytes
//
// A task's id is its index in its Stream (or a Submit's sequence number);
// results come back in the order their tasks were sent, and the pool checks
// the ids against that order. A result's status is statusOK (bytes: the
// handler's output), statusError (bytes: the error message) or statusPanic
// (bytes: uvarint len, the panic value, then the stack). Busy is the time
// the worker spent on the batch, from starting its first task to finishing
// its last; the pool sizes its window from it.
//
// Both directions are batched so that one pipe write carries many tasks or
// results: the pool sends whatever fits in the worker's window in one frame,
// and the worker flushes its results when its input queue is empty, or when
// it holds flushResults results or flushBytes bytes, or flushDelay after it
// finished the first unflushed one.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

const (
	protoVersion = 1

	frameInit     = 1
	frameTasks    = 2
	frameReady    = 3
	frameSetupErr = 4
	frameResults  = 5

	statusOK    = 0
	statusError = 1
	statusPanic = 2

	headerLen = 5 // u32 length, u8 type

	// maxItem bounds one task or result; maxFrame bounds a frame, so that
	// garbage on a pipe cannot make the reader allocate without limit.
	maxItem  = 1 << 30
	maxFrame = maxItem + 1<<20

	// resultsHead is the room kept in front of a result frame for the
	// header and the busy time, which are written when the frame is sent.
	resultsHead = headerLen + binary.MaxVarintLen64

	flushResults = 256
	flushBytes   = 64 << 10
	flushDelay   = 2 * time.Millisecond

	// workerExitCode is the exit status of a worker process after an
	// internal error (as opposed to a crash of the handler), as in the
	// fuzzing coordinator of the go command.
	workerExitCode = 70
)

var errProtocol = errors.New("runner: protocol error")

func protoErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errProtocol}, args...)...)
}

// setHeader writes the header of the frame in b, whose payload is
// b[headerLen:].
func setHeader(b []byte, typ byte) {
	binary.LittleEndian.PutUint32(b, uint32(len(b)-headerLen))
	b[4] = typ
}

// appendFrame appends a whole frame with the given payload to dst.
func appendFrame(dst []byte, typ byte, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = append(dst, typ)
	return append(dst, payload...)
}

// readFrame reads one frame from r into buf (grown if needed) and returns
// its type and payload. It returns io.EOF if r ends before a frame, and
// io.ErrUnexpectedEOF if it ends inside one.
func readFrame(r *bufio.Reader, buf []byte) (typ byte, payload []byte, err error) {
	h, err := r.Peek(headerLen)
	if err != nil {
		if err == io.EOF && len(h) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, buf, err
	}
	n := binary.LittleEndian.Uint32(h)
	typ = h[4]
	r.Discard(headerLen)
	if n > maxFrame {
		return 0, buf, protoErrorf("frame of %d bytes", n)
	}
	if int(n) <= cap(buf) {
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return 0, buf, noEOF(err)
		}
		return typ, buf, nil
	}
	// Grow the buffer as the bytes arrive rather than trusting the length.
	buf = buf[:0]
	for len(buf) < int(n) {
		k := min(int(n)-len(buf), max(len(buf), 64<<10))
		buf = slices.Grow(buf, k)
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+k])
		buf = buf[:len(buf)+m]
		if err != nil {
			return 0, buf, noEOF(err)
		}
	}
	return typ, buf, nil
}

// noEOF reports the end of the input inside a frame as unexpected.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendTask appends one task to the payload of a task frame.
func appendTask(dst []byte, id uint64, task []byte) []byte {
	dst = binary.AppendUvarint(dst, id)
	dst = binary.AppendUvarint(dst, uint64(len(task)))
	return append(dst, task...)
}

// nextTask decodes the first task in p, the unread part of a task frame's
// payload. The task aliases p.
func nextTask(p []byte) (id uint64, task, rest []byte, err error) {
	id, k := binary.Uvarint(p)
	if k <= 0 {
		return 0, nil, nil, protoErrorf("bad task id")
	}
	p = p[k:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return 0, nil, nil, protoErrorf("bad task length")
	}
	p = p[k:]
	return id, p[:n:n], p[n:], nil
}

// appendResult appends one result to the payload of a result frame.
func appendResult(dst []byte, id uint64, status byte, out []byte) []byte {
	dst = binary.AppendUvarint(dst, id)
	dst = append(dst, status)
	dst = binary.AppendUvarint(dst, uint64(len(out)))
	return append(dst, out...)
}

// A span locates one result in the payload of a result frame.
type span struct {
	start, end int
	id         uint64
	status     byte
}

// parseResults decodes the payload of a result frame, appending one span per
// result to spans.
func parseResults(p []byte, spans []span) (busy time.Duration, _ []span, err error) {
	b, k := binary.Uvarint(p)
	if k <= 0 || b > 1<<62 {
		return 0, spans, protoErrorf("bad busy time")
	}
	off := k
	for off < len(p) {
		id, k := binary.Uvarint(p[off:])
		if k <= 0 {
			return 0, spans, protoErrorf("bad result id")
		}
		off += k
		if off >= len(p) {
			return 0, spans, protoErrorf("result %d: no status", id)
		}
		status := p[off]
		if status > statusPanic {
			return 0, spans, protoErrorf("result %d: bad status %d", id, status)
		}
		off++
		n, k := binary.Uvarint(p[off:])
		if k <= 0 || n > uint64(len(p)-off-k) {
			return 0, spans, protoErrorf("result %d: bad length", id)
		}
		off += k
		spans = append(spans, span{start: off, end: off + int(n), id: id, status: status})
		off += int(n)
	}
	return time.Duration(b), spans, nil
}

// appendPanic encodes a recovered panic as the bytes of a statusPanic result.
func appendPanic(dst []byte, msg string, stack []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(msg)))
	dst = append(dst, msg...)
	return append(dst, stack...)
}

// parsePanic decodes the bytes of a statusPanic result. It accepts anything:
// bytes that are not an encoded panic become the message.
func parsePanic(b []byte) (msg, stack string) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return string(b), ""
	}
	return string(b[k : k+int(n)]), string(b[k+int(n):])
}

// taskError builds the error for a result whose status is not statusOK.
func taskError(worker, task int, status byte, out []byte) *TaskError {
	if status == statusPanic {
		msg, stack := parsePanic(out)
		return &TaskError{Worker: worker, Task: task, Msg: msg, Panic: true, Stack: stack}
	}
	return &TaskError{Worker: worker, Task: task, Msg: string(out)}
}
