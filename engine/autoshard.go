package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// AutoShard returns the shard of this array task from the scheduler's
// environment, for `run --shard auto` (spec "auto") or `--shard auto/N`
// (spec "auto/N": N shards, for schedulers that do not tell the count).
// The schedulers and what they say, tried in this order:
//
//   - Slurm: SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of
//     SLURM_ARRAY_TASK_COUNT tasks (SlurmShard).
//   - Grid Engine: (SGE_TASK_ID - SGE_TASK_FIRST) / SGE_TASK_STEPSIZE, of
//     (SGE_TASK_LAST - SGE_TASK_FIRST) / SGE_TASK_STEPSIZE + 1 tasks.
//   - LSF: (LSB_JOBINDEX - 1) / LSB_JOBINDEX_STEP of an array [1-END:STEP],
//     whose count follows from LSB_JOBINDEX_END.
//   - PBS (PBS_ARRAY_INDEX, or Torque's PBS_ARRAYID) and Kubernetes
//     (JOB_COMPLETION_INDEX, of an Indexed Job): the index as it is, from
//     0, of the N that spec gives; neither tells the count, so "auto"
//     alone is refused there. A PBS array must then be -J 0-(N-1).
//
// With "auto/N", a scheduler that does tell the count must agree with N.
// Outside an array task, or with an environment that contradicts itself,
// AutoShard returns an *InputError saying what it found.
func AutoShard(spec string, getenv func(string) string) (Shard, error) {
	n := 0
	if rest, ok := strings.CutPrefix(spec, "auto/"); ok {
		v, err := strconv.Atoi(rest)
		if err != nil || v < 1 {
			return Shard{}, inputErrorf("engine: --shard %s: want auto, or auto/N with N ≥ 1 shards", spec)
		}
		n = v
	} else if spec != "auto" {
		return Shard{}, inputErrorf("engine: --shard %s: want auto, or auto/N", spec)
	}
	s, from, err := envShard(getenv, n)
	if err != nil {
		return Shard{}, err
	}
	if from == "" {
		return Shard{}, inputErrorf("engine: --shard %s: this is no array task of Slurm, Grid Engine, LSF, PBS or a Kubernetes Indexed Job (none of SLURM_ARRAY_TASK_ID, SGE_TASK_ID, LSB_JOBINDEX, PBS_ARRAY_INDEX, PBS_ARRAYID, JOB_COMPLETION_INDEX is set); give the shard as --shard I/N", spec)
	}
	if n != 0 && s.Count != n {
		return Shard{}, inputErrorf("engine: --shard %s: the %s array has %d tasks, not %d", spec, from, s.Count, n)
	}
	return s, nil
}

// envShard finds the shard in the environment of the first scheduler
// whose array variables are set, and names it ("" for none). n is the
// count given, 0 if none.
func envShard(getenv func(string) string, n int) (Shard, string, error) {
	num := func(name string) (int, bool) {
		v, err := strconv.Atoi(getenv(name))
		return v, err == nil
	}
	bad := func(from string, names ...string) error {
		var kv []string
		for _, k := range names {
			kv = append(kv, fmt.Sprintf("%s=%q", k, getenv(k)))
		}
		return inputErrorf("engine: cannot take the shard from the %s environment (%s); give it as --shard I/N", from, strings.Join(kv, ", "))
	}
	check := func(s Shard, from string, names ...string) (Shard, string, error) {
		if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
			return Shard{}, from, bad(from, names...)
		}
		return s, from, nil
	}

	if s, ok, err := SlurmShard(getenv); err != nil || ok {
		return s, "Slurm", err
	}
	// Grid Engine sets SGE_TASK_ID to "undefined" outside an array.
	if id, ok := num("SGE_TASK_ID"); ok {
		names := []string{"SGE_TASK_ID", "SGE_TASK_FIRST", "SGE_TASK_LAST", "SGE_TASK_STEPSIZE"}
		first, ok1 := num("SGE_TASK_FIRST")
		last, ok2 := num("SGE_TASK_LAST")
		step, ok3 := num("SGE_TASK_STEPSIZE")
		if !ok1 || !ok2 || !ok3 || step < 1 || (id-first)%step != 0 {
			return Shard{}, "Grid Engine", bad("Grid Engine", names...)
		}
		return check(Shard{(id - first) / step, (last-first)/step + 1}, "Grid Engine", names...)
	}
	// LSF sets LSB_JOBINDEX to 0 outside an array.
	if id, ok := num("LSB_JOBINDEX"); ok && id != 0 {
		names := []string{"LSB_JOBINDEX", "LSB_JOBINDEX_END", "LSB_JOBINDEX_STEP"}
		end, ok1 := num("LSB_JOBINDEX_END")
		step, ok2 := num("LSB_JOBINDEX_STEP")
		if !ok2 {
			step, ok2 = 1, getenv("LSB_JOBINDEX_STEP") == ""
		}
		if !ok1 || !ok2 || step < 1 || (id-1)%step != 0 {
			return Shard{}, "LSF", bad("LSF", names...)
		}
		return check(Shard{(id - 1) / step, (end-1)/step + 1}, "LSF", names...)
	}
	for _, v := range []struct{ name, from string }{
		{"PBS_ARRAY_INDEX", "PBS"}, {"PBS_ARRAYID", "PBS"}, {"JOB_COMPLETION_INDEX", "Kubernetes"},
	} {
		if getenv(v.name) == "" {
			continue
		}
		id, ok := num(v.name)
		if !ok {
			return Shard{}, v.from, bad(v.from, v.name)
		}
		if n == 0 {
			return Shard{}, v.from, inputErrorf("engine: --shard auto: %s does not tell how many tasks the array has (%s=%d); give it as --shard auto/N", v.from, v.name, id)
		}
		if id < 0 || id >= n {
			return Shard{}, v.from, inputErrorf("engine: --shard auto/%d: %s=%d is not an index from 0 to %d (a %s array for auto/%d counts from 0)", n, v.name, id, n-1, v.from, n)
		}
		return Shard{id, n}, v.from, nil
	}
	return Shard{}, "", nil
}
