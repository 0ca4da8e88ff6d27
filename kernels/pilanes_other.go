//go:build !amd64 || purego

package kernels

// piOutsideLanes advances each lane of s by blocks steps and stores in
// out[l] how many of lane l's points fell outside the quarter disc.
func piOutsideLanes(s *piLanes, blocks uint64, out *[8]uint64) { piOutsideLanesGo(s, blocks, out) }
