package runner

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestLineWriter(t *testing.T) {
	var dst strings.Builder
	var mu sync.Mutex
	lw := newLineWriter(&dst, &mu, "worker 7: ")
	for _, s := range []string{"one\ntw", "o\n", "three\r\nfour\n\nfi", "ve"} {
		lw.Write([]byte(s))
	}
	lw.Flush()
	want := "worker 7: one\nworker 7: two\nworker 7: three\nworker 7: four\nworker 7: \nworker 7: five\n"
	if dst.String() != want {
		t.Errorf("output %q, want %q", dst.String(), want)
	}
	if got, want := lw.Tail(), "one\ntwo\nthree\nfour\n\nfive\n"; got != want {
		t.Errorf("Tail() = %q, want %q", got, want)
	}
}

func TestLineWriterTail(t *testing.T) {
	var dst strings.Builder
	lw := newLineWriter(&dst, new(sync.Mutex), "")
	for i := range 100 {
		fmt.Fprintf(lw, "line %d\n", i)
	}
	tail := lw.Tail()
	if !strings.HasPrefix(tail, fmt.Sprintf("line %d\n", 100-tailLines)) || !strings.HasSuffix(tail, "line 99\n") {
		t.Errorf("Tail() = %q, want the last %d lines", tail, tailLines)
	}
}

func TestLineWriterLongLine(t *testing.T) {
	var dst strings.Builder
	lw := newLineWriter(&dst, new(sync.Mutex), "> ")
	lw.Write([]byte(strings.Repeat("x", 2*maxLine+10)))
	lw.Flush()
	lines := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	if len(lines) != 3 || len(lines[0]) != 2+maxLine || lines[2] != "> "+strings.Repeat("x", 10) {
		t.Errorf("a line of %d bytes came out as %d lines", 2*maxLine+10, len(lines))
	}
}
