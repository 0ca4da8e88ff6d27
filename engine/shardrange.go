package engine

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseShards parses what `run --shard` takes besides auto: one shard,
// "I/N", or a range of them run one after another, "I-J/N" with
// I ≤ J < N, which is how one array task runs several shards when a
// cluster allows fewer tasks than there are shards.
func ParseShards(v string) ([]Shard, error) {
	r, n, ok := strings.Cut(v, "/")
	first, last, isRange := strings.Cut(r, "-")
	if !ok || !isRange {
		s, err := ParseShard(v)
		if err != nil {
			return nil, err
		}
		return []Shard{s}, nil
	}
	i, err1 := strconv.Atoi(first)
	j, err2 := strconv.Atoi(last)
	c, err3 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || err3 != nil || c < 1 || i < 0 || i > j || j >= c {
		return nil, fmt.Errorf("shard %q: want I/N with 0 ≤ I < N, such as 0/4, or a range I-J/N with I ≤ J < N, such as 4-7/16", v)
	}
	shards := make([]Shard, 0, j-i+1)
	for k := i; k <= j; k++ {
		shards = append(shards, Shard{k, c})
	}
	return shards, nil
}
