//go:build linux

// Command benchmerge measures engine.Merge and engine.Status on campaigns
// of many shards: how their time and memory grow with the number of
// shards of one experiment. It writes its figures to docs/performance.md,
// between the markers
//
//	<!-- benchmerge:begin --> and <!-- benchmerge:end -->
//
// of the section "Merging many shards" (added at the end of the file if
// it has no such block; -out "" prints them only). `make bench` runs it,
// after benchsim and benchext, in about a minute:
//
//	go run ./bench/cmd/benchmerge
//
// For each shard count of -shards (default 100, 1,000 and 10,000) it
// creates, in a temporary directory, a complete campaign of a tiny
// experiment (the spin kernel with work swept over -points values, -chunks
// one-sample chunks each: 20,000 chunks by default, the same for every
// shard count), one engine.Run with Options.Shard per shard, in process.
// Then it runs Merge, and Status, each in a child process (this program
// re-executed), and reports the child's wall time from start to exit, the
// time of the call itself, the bytes the call allocated (the Go heap's
// cumulative allocation: work done per shard shows here even when the
// garbage collector keeps the peak low) and the child's peak RSS (its
// VmHWM, read by the child as it ends). A child that only loads the
// experiment gives the baseline RSS of the process. Each measurement is
// repeated -reps times and the median reported; the merged chunks.bin and
// results.csv are checked against an unsharded run's, byte for byte.
//
// With -dir and -keep the campaigns stay, and a later run with the same
// -dir measures them again without creating them (a campaign is reused
// when Status finds it complete): so can two builds of the engine be
// compared on the same journals. -quick tries the harness on 100 and 1,000
// shards, once each; its figures mean little, so give it -out elsewhere.
//
// It builds on Linux only, as benchkit.Run does.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/simrun/simrun/bench/internal/benchkit"
	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
)

var en = engine.New(kernels.Builtin())

// childResult is what a child prints: the call's own time, what it
// allocated, its peak RSS, and the shards and chunks the call found.
type childResult struct {
	Call       time.Duration
	TotalAlloc uint64
	HWM        int64 // VmHWM at the end, bytes
	Shards     int
	Done       int64
}

// A row is the medians of one operation on one campaign.
type row struct {
	shards      int
	op          string
	wall, call  time.Duration
	alloc, rss  int64
	baselineRSS int64
}

const (
	beginMarker = "<!-- benchmerge:begin -->"
	endMarker   = "<!-- benchmerge:end -->"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchmerge: ")
	en.Serve()
	child := flag.String("child", "", "internal: run `op` (merge, status or load) on -dir and print what it took")
	dir := flag.String("dir", "", "where to create the campaigns (default: a temporary directory, removed at the end)")
	out := flag.String("out", "docs/performance.md", "the Markdown file whose benchmerge block is rewritten; \"\" for none")
	shardList := flag.String("shards", "100,1000,10000", "the shard counts, comma-separated")
	points := flag.Int("points", 100, "points of the experiment")
	chunks := flag.Int("chunks", 200, "chunks per point")
	reps := flag.Int("reps", 5, "runs of each measurement (the median is reported)")
	keep := flag.Bool("keep", false, "keep the campaigns (with -dir: reuse the complete ones)")
	quick := flag.Bool("quick", false, "100 and 1,000 shards, one run each: to try the harness, not to measure")
	profile := flag.String("cpuprofile", "", "with -child: write the call's CPU profile to `file`")
	flag.String("png", "", "ignored: accepted so that make bench's BENCHFLAGS serve benchsim and benchmerge alike")
	flag.Parse()
	if *child != "" {
		runChild(*child, *dir, *profile)
		return
	}
	if *quick {
		*shardList, *reps = "100,1000", 1
	}
	total := *points * *chunks
	var counts []int
	for _, s := range strings.Split(*shardList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > total {
			log.Fatalf("-shards: %q: want counts from 1 to the %d chunks", s, total)
		}
		counts = append(counts, n)
	}
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "benchmerge-")
		if err != nil {
			log.Fatal(err)
		}
		root = tmp
		if !*keep {
			defer os.RemoveAll(tmp)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	file := filepath.Join(root, "spin.toml")
	src := fmt.Sprintf("name = \"benchmerge\"\nkernel = \"spin\"\nseed = 1\n\n[sweep]\nwork = { from = 0, to = %d, step = 1 }\n\n[samples]\nsamples = %d\nchunk_size = 1\n", *points-1, *chunks)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		log.Fatal(err)
	}
	load := benchkit.LoadAvg()
	benchkit.WarnIfBusy(load)
	start := time.Now()
	ref := filepath.Join(root, "unsharded")
	if _, err := runShard(file, ref, nil); err != nil {
		log.Fatal(err)
	}
	var rows []row
	var created []string
	for _, n := range counts {
		dir := filepath.Join(root, fmt.Sprintf("shards-%d", n))
		took, err := createCampaign(file, dir, n)
		if err != nil {
			log.Fatal(err)
		}
		if took > 0 {
			created = append(created, fmt.Sprintf("%s shards in %.1f s", benchkit.Count(int64(n)), took.Seconds()))
		}
		log.Printf("%d shards: created in %.1f s", n, took.Seconds())
		base, err := measure(exe, "load", dir, *reps, 0, 0)
		if err != nil {
			log.Fatal(err)
		}
		for _, op := range []string{"merge", "status"} {
			r, err := measure(exe, op, dir, *reps, n, int64(total))
			if err != nil {
				log.Fatal(err)
			}
			r.shards, r.baselineRSS = n, base.rss
			rows = append(rows, r)
			log.Printf("%d shards: %s %.3f s (call %.3f s), %s allocated, peak RSS %s (baseline %s)",
				n, op, r.wall.Seconds(), r.call.Seconds(), mb(r.alloc), mb(r.rss), mb(base.rss))
		}
		for _, name := range []string{engine.ChunksFile, engine.ResultsCSV} {
			a, err1 := os.ReadFile(filepath.Join(ref, name))
			b, err2 := os.ReadFile(filepath.Join(dir, name))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				log.Fatalf("%d shards: the merged %s differs from the unsharded run's (%v, %v)", n, name, err1, err2)
			}
		}
		if !*keep {
			os.RemoveAll(dir)
		}
	}

	var b strings.Builder
	args := append([]string{"go", "run", "./bench/cmd/benchmerge"}, os.Args[1:]...)
	fmt.Fprintf(&b, "%s\n<!-- Written by `make bench` (bench/cmd/benchmerge); edits between these markers are overwritten. -->\n\n", beginMarker)
	fmt.Fprintf(&b, "Taken on %s by `%s` (%.0f s in all). 1-minute, 5-minute and 15-minute load averages before: %s.\n\n",
		time.Now().UTC().Format("2006-01-02, 15:04 UTC"), benchkit.ShellJoin(args), time.Since(start).Seconds(), load)
	for _, m := range benchkit.Machine() {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	fmt.Fprintf(&b, "- simrun: revision %s\n", benchkit.Revision())
	fmt.Fprintf(&b, "\nThe experiment: the spin kernel, %s points of %s one-sample chunks, %s chunks (its chunk table: %s). ",
		benchkit.Count(int64(*points)), benchkit.Count(int64(*chunks)), benchkit.Count(int64(total)), mb(int64(total)*(int64(unsafe.Sizeof(sim.Acc{}))+1)))
	if len(created) > 0 {
		fmt.Fprintf(&b, "The campaigns were created in process (engine.Run of each shard, on %d goroutines): %s. ", runtime.NumCPU(), strings.Join(created, ", "))
	}
	runs := fmt.Sprintf("Medians of %d runs", *reps)
	if *reps == 1 {
		runs = "One run"
	}
	fmt.Fprintf(&b, "%s of each operation, in a child process; every merge gave the bytes of the unsharded run. ", runs)
	b.WriteString("Wall is the child from start to exit, the call is Merge or Status alone, allocated is what the call allocated (runtime.MemStats.TotalAlloc), peak RSS the child's VmHWM; the baseline is a child that only loads the experiment.\n\n")
	b.WriteString("| shards | operation | wall | the call | per shard | allocated | peak RSS | baseline RSS |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %.3f s | %.3f s | %.1f µs | %s | %s | %s |\n", benchkit.Count(int64(r.shards)), r.op,
			r.wall.Seconds(), r.call.Seconds(), r.call.Seconds()/float64(r.shards)*1e6, mb(r.alloc), mb(r.rss), mb(r.baselineRSS))
	}
	b.WriteString(endMarker + "\n")
	fmt.Print(b.String())
	if *out != "" {
		if err := writeBlock(*out, b.String()); err != nil {
			log.Fatal(err)
		}
	}
}

// writeBlock replaces the benchmerge block of the Markdown file at path
// by block, or appends a section with it to a file that has none (such as
// the one a -quick run of benchsim writes).
func writeBlock(path, block string) error {
	return benchkit.WriteBlock(path, beginMarker, endMarker, "## Merging many shards", block)
}

// runShard runs the experiment file into out, as shard s if not nil.
func runShard(file, out string, s *engine.Shard) (*engine.Outcome, error) {
	e, err := en.Load(file)
	if err != nil {
		return nil, err
	}
	o := engine.Options{Dir: out, Shard: s, InProcess: true, Workers: 1, Logger: slog.New(slog.DiscardHandler)}
	return en.Run(context.Background(), e, o)
}

// createCampaign runs every shard of n into out, on as many goroutines as
// there are CPUs, unless out holds a complete campaign already.
func createCampaign(file, out string, n int) (time.Duration, error) {
	start := time.Now()
	if st, err := en.Status(out); err == nil && len(st.Shards) == n && st.Done == st.Total {
		return 0, nil
	}
	var wg sync.WaitGroup
	errs := make([]error, runtime.NumCPU())
	for w := range errs {
		wg.Go(func() {
			for i := w; i < n && errs[w] == nil; i += len(errs) {
				_, errs[w] = runShard(file, out, &engine.Shard{Index: i, Count: n})
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// measure runs op on dir in a child reps times and returns the medians;
// the child must find the campaign's shards and every one of its chunks.
func measure(exe, op, dir string, reps, shards int, chunks int64) (row, error) {
	var walls, calls []time.Duration
	var allocs, rsss []int64
	for range reps {
		res, err := benchkit.Run(benchkit.Cmd{Argv: []string{exe, "-child", op, "-dir", dir}})
		if err != nil {
			return row{}, err
		}
		var c childResult
		if err := json.Unmarshal([]byte(res.Stdout), &c); err != nil {
			return row{}, fmt.Errorf("%s: %v: %q", op, err, res.Stdout)
		}
		if c.Shards != shards || c.Done != chunks {
			return row{}, fmt.Errorf("%s of %s found %d shards and %d chunks, want %d and %d", op, dir, c.Shards, c.Done, shards, chunks)
		}
		walls, calls = append(walls, res.Wall), append(calls, c.Call)
		allocs, rsss = append(allocs, int64(c.TotalAlloc)), append(rsss, c.HWM)
	}
	return row{op: op, wall: median(walls), call: median(calls), alloc: median(allocs), rss: median(rsss)}, nil
}

// runChild runs op on dir and prints a childResult as JSON.
func runChild(op, dir, profile string) {
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var c childResult
	switch op {
	case "merge":
		o, err := en.Merge(dir)
		if err != nil {
			log.Fatal(err)
		}
		c.Shards, c.Done = o.Shards, o.Done
	case "status":
		st, err := en.Status(dir)
		if err != nil {
			log.Fatal(err)
		}
		c.Shards, c.Done = len(st.Shards), st.Done
	case "load":
		// The baseline: the process and the experiment, no shard read.
		if _, err := en.Load(filepath.Join(filepath.Dir(dir), "spin.toml")); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("-child %q: want merge, status or load", op)
	}
	c.Call = time.Since(start)
	runtime.ReadMemStats(&after)
	c.TotalAlloc = after.TotalAlloc - before.TotalAlloc
	c.HWM = hwm()
	if err := json.NewEncoder(os.Stdout).Encode(c); err != nil {
		log.Fatal(err)
	}
}

// hwm returns this process's peak RSS, its VmHWM, in bytes. getrusage's
// ru_maxrss would not do: os/exec starts a child with vfork, and Linux
// counts the parent's memory at the exec into the child's maximum.
func hwm() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		log.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				log.Fatalf("/proc/self/status: %q: %v", line, err)
			}
			return kb * 1024
		}
	}
	log.Fatal("/proc/self/status has no VmHWM")
	return 0
}

func median[T int64 | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// mb formats bytes in MB (10^6), as docs/performance.md does.
func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }
