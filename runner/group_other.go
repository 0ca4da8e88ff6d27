//go:build unix && !linux

package runner

// killOthersInGroup does nothing where there is no /proc to find them:
// without Pdeathsig, the pool's own kill of the group is all there is.
func killOthersInGroup(pgid int) {}
