package sim

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/simrun/simrun/sim/rng"
)

// SeedScheme names the derivation of chunk streams, as recorded in results.
const SeedScheme = "sha256(\"simrun/chunk/v1\\x00\" || u64le(seed) || u64le(len(key)) || key || u64le(chunk)) -> 4 x u64le -> xoshiro256++ state"

// ChunkRand returns the generator for one chunk. Its state is the SHA-256 of
// a domain tag, the experiment seed, the point's canonical key (Params.Key)
// and the chunk index, read as four little-endian 64-bit words. The stream
// thus depends on what the point is, never on where it sits in the sweep,
// how many workers run it, or in which order chunks finish.
func ChunkRand(seed uint64, key string, chunk int64) rng.Xoshiro256 {
	h := sha256.New()
	var b [8]byte
	h.Write([]byte("simrun/chunk/v1\x00"))
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], uint64(len(key)))
	h.Write(b[:])
	h.Write([]byte(key))
	binary.LittleEndian.PutUint64(b[:], uint64(chunk))
	h.Write(b[:])
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var s [4]uint64
	for i := range s {
		s[i] = binary.LittleEndian.Uint64(sum[8*i:])
	}
	return rng.New(s)
}
