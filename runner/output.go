package runner

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

const (
	tailLines = 20       // lines of a worker's output kept for WorkerError.Stderr
	maxLine   = 64 << 10 // a longer line is cut into pieces of this size
)

// A lineWriter receives a worker's standard output and standard error
// (as cmd.Stdout and cmd.Stderr, which os/exec drains before Wait returns)
// and writes each line to dst with a prefix, keeping the last lines.
type lineWriter struct {
	dstMu  *sync.Mutex // shared by a pool's workers, so lines do not mix
	dst    io.Writer
	prefix string

	mu      sync.Mutex
	partial []byte
	line    []byte
	tail    [tailLines]string
	n       int // lines seen
}

func newLineWriter(dst io.Writer, dstMu *sync.Mutex, prefix string) *lineWriter {
	return &lineWriter{dst: dst, dstMu: dstMu, prefix: prefix}
}

// Write never fails, so that a worker is never stopped by its output.
func (lw *lineWriter) Write(b []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			lw.partial = append(lw.partial, b...)
			for len(lw.partial) >= maxLine {
				lw.emit(lw.partial[:maxLine])
				lw.partial = lw.partial[:copy(lw.partial, lw.partial[maxLine:])]
			}
			break
		}
		line := b[:i]
		if len(lw.partial) > 0 {
			lw.partial = append(lw.partial, line...)
			line = lw.partial
		}
		lw.emit(line)
		lw.partial = lw.partial[:0]
		b = b[i+1:]
	}
	return n, nil
}

// Flush writes an unterminated last line.
func (lw *lineWriter) Flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if len(lw.partial) > 0 {
		lw.emit(lw.partial)
		lw.partial = lw.partial[:0]
	}
}

func (lw *lineWriter) emit(line []byte) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	lw.tail[lw.n%tailLines] = string(line)
	lw.n++
	lw.line = append(append(append(lw.line[:0], lw.prefix...), line...), '\n')
	lw.dstMu.Lock()
	lw.dst.Write(lw.line)
	lw.dstMu.Unlock()
}

// Tail returns the last lines written, joined by newlines.
func (lw *lineWriter) Tail() string {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	var sb strings.Builder
	for i := max(0, lw.n-tailLines); i < lw.n; i++ {
		sb.WriteString(lw.tail[i%tailLines])
		sb.WriteByte('\n')
	}
	return sb.String()
}
