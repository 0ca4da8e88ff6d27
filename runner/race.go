//go:build race

package runner

// raceEnabled reports a race-detector build, whose processes sleep a second
// at exit (GORACE atexit_sleep_ms) unless told otherwise.
const raceEnabled = true
