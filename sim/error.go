package sim

import (
	"fmt"
	"strings"
)

// Error is a problem with an experiment file: the user's to fix, never a
// bug. It names the file, the line when known, the key, and in Msg what is
// wrong and what would be valid.
type Error struct {
	File string // path as given by the user
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key such as "sweep.T"; empty when not about one key
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("sim: ")
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}
