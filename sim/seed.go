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
func ChunkRand[K string | []byte](seed uint64, key K, chunk int64) rng.Xoshiro256 {
	// The message is hashed in one piece (Sum256), from a buffer on the
	// stack when the key is short: the same bytes as writing it in parts,
	// without the allocation of a hash.Hash, once for every chunk.
	const tag = "simrun/chunk/v1\x00"
	var buf [256]byte
	b := append(buf[:0], tag...)
	b = binary.LittleEndian.AppendUint64(b, seed)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.LittleEndian.AppendUint64(b, uint64(chunk))
	sum := sha256.Sum256(b)
	var s [4]uint64
	for i := range s {
		s[i] = binary.LittleEndian.Uint64(sum[8*i:])
	}
	return rng.New(s)
}
