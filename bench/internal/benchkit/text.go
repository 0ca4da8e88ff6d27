package benchkit

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/simrun/simrun/internal/shell"
)

// ReplaceBlock returns doc with the block from the first begin marker to
// the first end marker after it, and one newline after that, replaced by
// block (which should hold the markers itself), and true; or doc and false
// when doc has no such block.
func ReplaceBlock(doc, begin, end, block string) (string, bool) {
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j <= i {
		return doc, false
	}
	rest := strings.TrimPrefix(doc[j+len(end):], "\n")
	return doc[:i] + block + rest, true
}

// UpdateFile replaces the text of the file at path by edit of it (a file
// that does not exist reads as ""), writing path.tmp and renaming it over
// path.
func UpdateFile(path string, edit func(old string) string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(edit(string(old))), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// WriteBlock replaces the block between the begin and end markers in the
// Markdown file at path by block (which holds the markers itself), or
// appends to a file that has none (such as the one a -quick run writes)
// a section of that heading, "## ...", holding block.
func WriteBlock(path, begin, end, heading, block string) error {
	return UpdateFile(path, func(doc string) string {
		if doc, ok := ReplaceBlock(doc, begin, end, block); ok {
			return doc
		}
		if doc != "" && !strings.HasSuffix(doc, "\n") {
			doc += "\n"
		}
		if doc != "" && !strings.HasSuffix(doc, "\n\n") {
			doc += "\n"
		}
		return doc + heading + "\n\n" + block
	})
}

// ShellJoin joins args with spaces, each quoted as a POSIX shell reads it
// back (internal/shell), so that the line can be pasted into one.
func ShellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shell.Quote(a)
	}
	return strings.Join(q, " ")
}

// Field returns the value of key=VALUE among the words of out.
func Field(out, key string) (float64, error) {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no %s= in %q", key, out)
}

// Tail returns the last n bytes of s, after "…" when it cut any.
func Tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
