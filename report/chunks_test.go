package report

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// accOf returns the accumulator of xs, added one by one.
func accOf(xs ...float64) sim.Acc {
	var a sim.Acc
	for _, x := range xs {
		a.Add(x)
	}
	return a
}

func testAccs() []sim.Acc {
	// 2 points × 3 chunks × 2 observables, with the awkward floats.
	accs := make([]sim.Acc, 12)
	for i := range accs {
		accs[i] = accOf(float64(i), float64(i*i)/3)
	}
	accs[5] = sim.Acc{}
	accs[7] = sim.Acc{N: 1, Mean: math.Inf(-1), M2: math.NaN(), Min: math.Copysign(0, -1), Max: math.MaxFloat64}
	return accs
}

func TestChunksRoundTrip(t *testing.T) {
	for _, test := range []struct {
		name string
		nobs int
		cpp  int64
		accs []sim.Acc
	}{
		{name: "two points", nobs: 2, cpp: 3, accs: testAccs()},
		{name: "empty", nobs: 2, cpp: 3, accs: nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteChunks(&b, table(test.nobs, test.cpp, test.accs)); err != nil {
				t.Fatal(err)
			}
			if want := chunksHeader + sim.AccSize*len(test.accs) + 4; b.Len() != want {
				t.Errorf("file has %d bytes, want %d", b.Len(), want)
			}
			tab, err := ReadChunks(&b)
			if err != nil {
				t.Fatal(err)
			}
			nobs, cpp, accs := tab.Obs, tab.Chunks, tab.Accs()
			if nobs != test.nobs || cpp != test.cpp || len(accs) != len(test.accs) {
				t.Fatalf("read %d, %d, %d accs, want %d, %d, %d", nobs, cpp, len(accs), test.nobs, test.cpp, len(test.accs))
			}
			for i := range accs {
				if accBits(accs[i]) != accBits(test.accs[i]) {
					t.Errorf("acc %d = %v, want %v (bit for bit)", i, accs[i], test.accs[i])
				}
			}
		})
	}
}

// table is a chunk table of accs in nobs observables per chunk, cpp
// chunks per point.
func table(nobs int, cpp int64, accs []sim.Acc) *sim.ChunkTable {
	return sim.ChunkTableOf(sim.ChunkLayout{Chunks: cpp, Obs: nobs}, accs)
}

func accBits(a sim.Acc) [5]uint64 {
	return [5]uint64{uint64(a.N), math.Float64bits(a.Mean), math.Float64bits(a.M2), math.Float64bits(a.Min), math.Float64bits(a.Max)}
}

func TestWriteChunksInvalidInput(t *testing.T) {
	for _, test := range []struct {
		name string
		nobs int
		cpp  int64
		n    int
	}{
		{name: "not whole points", nobs: 2, cpp: 3, n: 5},
		{name: "zero observables", nobs: 0, cpp: 3, n: 6},
		{name: "negative chunks", nobs: 2, cpp: -1, n: 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := WriteChunks(io.Discard, table(test.nobs, test.cpp, make([]sim.Acc, test.n)))
			if err == nil || !strings.HasPrefix(err.Error(), "report: write chunks: ") {
				t.Errorf("error = %v, want a report: write chunks error", err)
			}
		})
	}
}

func TestReadChunksInvalidInput(t *testing.T) {
	var b bytes.Buffer
	if err := WriteChunks(&b, table(2, 3, testAccs())); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	flip := func(i int) []byte {
		c := bytes.Clone(good)
		c[i] ^= 1
		return c
	}
	for _, test := range []struct {
		name    string
		data    []byte
		want    string
		wantEOF bool
	}{
		{name: "empty", data: nil, want: "truncated header", wantEOF: true},
		{name: "short header", data: good[:20], want: "truncated header", wantEOF: true},
		{name: "bad magic", data: flip(0), want: `not a chunk estimates file (magic "RIMRUNCH"`},
		{name: "bad version", data: flip(8), want: "unsupported version 0"},
		{name: "bad layout", data: flip(24), want: "13 accumulators do not fill whole points"},
		{name: "truncated data", data: good[:chunksHeader+100], want: "truncated after 2 of 12 accumulators", wantEOF: true},
		{name: "truncated checksum", data: good[:len(good)-2], want: "truncated checksum", wantEOF: true},
		{name: "corrupt data", data: flip(chunksHeader + 9), want: "checksum mismatch"},
		{name: "corrupt checksum", data: flip(len(good) - 1), want: "checksum mismatch"},
		{name: "trailing data", data: append(bytes.Clone(good), 0), want: "trailing data"},
	} {
		t.Run(test.name, func(t *testing.T) {
			tab, err := ReadChunks(bytes.NewReader(test.data))
			if err == nil || !strings.HasPrefix(err.Error(), "report: read chunks: ") || !strings.Contains(err.Error(), test.want) {
				t.Fatalf("error = %v, want one containing %q", err, test.want)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) != test.wantEOF {
				t.Errorf("errors.Is(%v, io.ErrUnexpectedEOF) = %v, want %v", err, !test.wantEOF, test.wantEOF)
			}
			if tab != nil {
				t.Errorf("returned %d chunks with the error", tab.Len())
			}
		})
	}
}

func FuzzReadChunks(f *testing.F) {
	var b bytes.Buffer
	WriteChunks(&b, table(2, 3, testAccs()))
	f.Add(b.Bytes())
	b.Reset()
	WriteChunks(&b, table(1, 1, nil))
	f.Add(b.Bytes())
	f.Add([]byte(chunksMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadChunks(bytes.NewReader(data))
		if err != nil {
			return
		}
		accs := tab.Accs()
		// What reads must write back to the same bytes.
		var out bytes.Buffer
		if err := WriteChunks(&out, tab); err != nil {
			t.Fatalf("WriteChunks of what ReadChunks accepted: %v", err)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Errorf("round trip changed the bytes:\n%x\n%x", data, out.Bytes())
		}
		if !reflect.DeepEqual(len(accs), (len(data)-chunksHeader-4)/sim.AccSize) {
			t.Errorf("%d accumulators from %d bytes", len(accs), len(data))
		}
	})
}
