package sim

import "fmt"

// MaxNesting is the deepest nesting Parse accepts. Each part of a [table]
// or [[table]] header and of a dotted key is one level, and so is each
// array and inline table, an array of tables too: under [sweep],
// T = { linspace = [1, 2, 3] } reaches level 5 (sweep, T, the inline
// table, linspace, the array). Experiment files need a handful of levels;
// the TOML decoder's time and memory grow with the square of the depth
// (16 000 nested inline tables took it 53 s and 9.9 GB), so Parse refuses
// a deeper file before decoding it.
const MaxNesting = 64

// nestingError returns the *Error refusing data if it nests deeper than
// MaxNesting, and nil otherwise.
func nestingError(path string, data []byte) error {
	depth, line := nesting(data, MaxNesting)
	if depth <= MaxNesting {
		return nil
	}
	return &Error{File: path, Line: line, Msg: fmt.Sprintf(
		"nested more than %d levels deep, the limit (each part of a [table] header or dotted key, and each array or inline table, is a level); "+
			"experiment files need a handful (T = { linspace = [1, 2, 3] } under [sweep] reaches 5): "+
			"flatten this value, or check what generated the file", MaxNesting)}
}

// nesting returns the deepest level of src, as MaxNesting counts them, and
// the line where it is first reached. It scans src once, in linear time,
// and stops at the first level deeper than limit. It reads as much of the
// TOML syntax as it needs: strings of the four kinds and comments, whose
// brackets and dots are not structure; the keys of [table] headers, of
// lines and of inline tables, whose dots separate levels; and brackets,
// which open and close levels. On valid TOML it counts at least the
// levels the decoder builds; on invalid TOML it may count anything, but
// the decoder stops at the first syntax error.
func nesting(src []byte, limit int) (depth, line int) {
	n := nester{s: scanner{src: src, line: 1}, wantKey: true}
	n.run(limit)
	return n.depth, n.line
}

// A nester is the state of nesting's scan.
type nester struct {
	s       scanner
	header  int     // levels of the current table header
	open    []frame // the open arrays and inline tables, innermost last
	level   int     // the level of the value being read: a bracket opens level+1
	wantKey bool    // a key comes next: at the start of a top-level line, or after '{' or ',' in an inline table
	depth   int     // the deepest level so far
	line    int     // the line where depth was first reached
}

// A frame is an open array or inline table.
type frame struct {
	table bool // an inline table, whose keys follow '{' and ','
	level int
}

func (n *nester) run(limit int) {
	s := &n.s
	for s.pos < len(s.src) && n.depth <= limit {
		s.skipSpace()
		if s.pos >= len(s.src) {
			return
		}
		switch c := s.src[s.pos]; {
		case c == '\n':
			s.newline()
			if len(n.open) == 0 {
				n.wantKey = true
			}
		case c == '#':
			s.skipComment()
		case c == '[' && n.wantKey && len(n.open) == 0:
			n.tableHeader()
		case n.wantKey && (c == '"' || c == '\'' || isBare(c)):
			n.key()
		case c == '"' || c == '\'':
			s.str(c)
		case c == '[' || c == '{':
			s.pos++
			n.push(frame{table: c == '{', level: n.level + 1})
		case c == ']' || c == '}':
			s.pos++
			n.pop()
		case c == ',':
			s.pos++
			n.next()
		default:
			// '=', and numbers, dates and booleans, whose dots are not
			// levels; or a syntax error, which the decoder reports.
			s.pos++
		}
	}
}

// reach records that level is reached on the current line.
func (n *nester) reach(level int) {
	if level > n.depth {
		n.depth, n.line = level, n.s.line
	}
}

// tableHeader reads the '[' or "[[" and the key of a table header; the
// closing brackets are skipped as unmatched.
func (n *nester) tableHeader() {
	s := &n.s
	s.pos++
	array := s.pos < len(s.src) && s.src[s.pos] == '['
	if array {
		s.pos++
	}
	parts, _ := s.key()
	n.header = len(parts)
	if array {
		n.header++ // the array of tables is a level of its own
	}
	n.reach(n.header)
	n.wantKey = false
}

// key reads a dotted key: its parts are levels under the table it is in.
func (n *nester) key() {
	s := &n.s
	start := s.pos
	parts, _ := s.key()
	if s.pos == start {
		s.pos++ // not a key part after all; the decoder reports it
	}
	base := n.header
	if len(n.open) > 0 {
		base = n.open[len(n.open)-1].level
	}
	n.level = base + len(parts)
	n.reach(n.level)
	n.wantKey = false
}

func (n *nester) push(f frame) {
	n.open = append(n.open, f)
	n.reach(f.level)
	n.level, n.wantKey = f.level, f.table
}

func (n *nester) pop() {
	if len(n.open) == 0 {
		return // a table header's, or a syntax error
	}
	n.open = n.open[:len(n.open)-1]
	if len(n.open) > 0 {
		n.level = n.open[len(n.open)-1].level
	}
}

// next handles a comma: the next element of an array, or the next key of
// an inline table.
func (n *nester) next() {
	if len(n.open) > 0 {
		f := n.open[len(n.open)-1]
		n.level, n.wantKey = f.level, f.table
	}
}
