package sim

import (
	"strconv"
	"strings"
)

// A locator finds the line on which a dotted key is defined in a TOML
// source. The TOML decoder does not expose key positions, so the locator
// scans the source itself: it tracks the current [table] header, reads the
// key at the start of each line that is not inside a multi-line string or
// array, and skips values, strings and comments. It is best effort: on
// input it does not understand it reports 0, "unknown".
type locator struct {
	// first maps each defined key, and each prefix of one, to the first
	// line defining it or a key under it. Keys are joined with NUL.
	first map[string]int
}

// A keyDef is one key definition or table header.
type keyDef struct {
	key  []string // full dotted key, table header included
	line int      // 1-based
}

// newLocator scans src once.
func newLocator(src []byte) *locator {
	s := scanner{src: src, line: 1}
	s.run()
	l := &locator{first: make(map[string]int)}
	for _, d := range s.defs {
		for n := 1; n <= len(d.key); n++ {
			k := joinNUL(d.key[:n])
			if _, ok := l.first[k]; !ok {
				l.first[k] = d.line
			}
		}
	}
	return l
}

// indexPart is the key part the locator inserts after the header of an
// array of tables to number its tables from 0: the keys of the second
// [[plot]] table are found both as ["plot", "name"] (the first definition
// in any of the tables) and as ["plot", indexPart(1), "name"].
func indexPart(i int) string { return "[" + strconv.Itoa(i) + "]" }

// line returns the line that defines key (its parts, as in
// ["sweep", "T"]), or the line defining the closest enclosing key found: an
// inline table's line for a key inside it (sweep.T.linspace → the line of
// "T = {...}"), or a table header for a key missing from the table
// (samples.samples → the line of "[samples]"). A key defined only through
// longer dotted keys or sub-tables is found at the first of them. line
// returns 0 when nothing is found.
func (l *locator) line(key []string) int {
	if l == nil {
		return 0
	}
	for n := len(key); n > 0; n-- {
		if line, ok := l.first[joinNUL(key[:n])]; ok {
			return line
		}
	}
	return 0
}

// defines reports whether the source defines key itself (or a key under
// it), unlike line, which falls back to the enclosing table.
func (l *locator) defines(key []string) bool {
	_, ok := l.first[joinNUL(key)]
	return ok
}

func joinNUL(key []string) string { return strings.Join(key, "\x00") }

func hasPrefix(k, prefix []string) bool {
	if len(k) < len(prefix) {
		return false
	}
	for i := range prefix {
		if k[i] != prefix[i] {
			return false
		}
	}
	return true
}

// scanner is the locator's single pass over the source.
type scanner struct {
	src   []byte
	pos   int
	line  int
	table []string
	index string         // indexPart of the current [[table]], or ""
	count map[string]int // tables seen per array-of-tables header
	defs  []keyDef
}

// def records a key definition at line, under the current table, and
// under its index too when the table is one of an array of tables.
func (s *scanner) def(key []string, line int) {
	full := append(append([]string(nil), s.table...), key...)
	s.defs = append(s.defs, keyDef{key: full, line: line})
	if s.index != "" {
		idx := append(append(append([]string(nil), s.table...), s.index), key...)
		s.defs = append(s.defs, keyDef{key: idx, line: line})
	}
}

func (s *scanner) run() {
	for s.pos < len(s.src) {
		s.skipSpace()
		if s.pos >= len(s.src) {
			return
		}
		switch c := s.src[s.pos]; {
		case c == '\n':
			s.newline()
		case c == '#':
			s.skipComment()
		case c == '[':
			s.header()
		default:
			line := s.line
			key, ok := s.key()
			if !ok {
				s.skipLine()
				continue
			}
			s.skipSpace()
			if s.pos >= len(s.src) || s.src[s.pos] != '=' {
				s.skipLine()
				continue
			}
			s.pos++
			s.def(key, line)
			s.value()
		}
	}
}

func (s *scanner) newline() {
	s.pos++
	s.line++
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && (s.src[s.pos] == ' ' || s.src[s.pos] == '\t' || s.src[s.pos] == '\r') {
		s.pos++
	}
}

func (s *scanner) skipComment() {
	for s.pos < len(s.src) && s.src[s.pos] != '\n' {
		s.pos++
	}
}

// skipLine skips to the end of the line, strings and brackets included, so
// that a line it does not understand cannot derail the lines after it.
func (s *scanner) skipLine() { s.value() }

// header reads "[a.b]" or "[[a.b]]" and makes it the current table.
func (s *scanner) header() {
	line := s.line
	s.pos++ // '['
	double := s.pos < len(s.src) && s.src[s.pos] == '['
	if double {
		s.pos++
	}
	s.skipSpace()
	key, ok := s.key()
	s.skipSpace()
	s.index = ""
	if !ok || s.pos >= len(s.src) || s.src[s.pos] != ']' {
		s.table = nil
		s.skipLine()
		return
	}
	s.pos++
	if double && s.pos < len(s.src) && s.src[s.pos] == ']' {
		s.pos++
	}
	s.table = key
	s.defs = append(s.defs, keyDef{key: append([]string(nil), key...), line: line})
	if double {
		if s.count == nil {
			s.count = make(map[string]int)
		}
		k := joinNUL(key)
		s.index = indexPart(s.count[k])
		s.count[k]++
		s.defs = append(s.defs, keyDef{key: append(append([]string(nil), key...), s.index), line: line})
	}
	s.skipLine()
}

// key reads a dotted key of bare and quoted parts, on one line. If a part
// is not a key part, it returns the parts before it and false.
func (s *scanner) key() ([]string, bool) {
	var parts []string
	for {
		s.skipSpace()
		part, ok := s.keyPart()
		if !ok {
			return parts, false
		}
		parts = append(parts, part)
		s.skipSpace()
		if s.pos >= len(s.src) || s.src[s.pos] != '.' {
			return parts, true
		}
		s.pos++
	}
}

func (s *scanner) keyPart() (string, bool) {
	if s.pos >= len(s.src) {
		return "", false
	}
	switch c := s.src[s.pos]; {
	case c == '"':
		start := s.pos
		s.pos++
		for s.pos < len(s.src) && s.src[s.pos] != '"' && s.src[s.pos] != '\n' {
			if s.src[s.pos] == '\\' && s.pos+1 < len(s.src) && s.src[s.pos+1] != '\n' {
				s.pos++
			}
			s.pos++
		}
		if s.pos >= len(s.src) || s.src[s.pos] != '"' {
			return "", false
		}
		s.pos++
		raw := string(s.src[start:s.pos])
		if u, err := strconv.Unquote(raw); err == nil {
			return u, true
		}
		return raw[1 : len(raw)-1], true // best effort for TOML-only escapes
	case c == '\'':
		s.pos++
		start := s.pos
		for s.pos < len(s.src) && s.src[s.pos] != '\'' && s.src[s.pos] != '\n' {
			s.pos++
		}
		if s.pos >= len(s.src) || s.src[s.pos] != '\'' {
			return "", false
		}
		part := string(s.src[start:s.pos])
		s.pos++
		return part, true
	case isBare(c):
		start := s.pos
		for s.pos < len(s.src) && isBare(s.src[s.pos]) {
			s.pos++
		}
		return string(s.src[start:s.pos]), true
	}
	return "", false
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value skips a value up to the end of its last line: strings (multi-line
// ones too), comments, and arrays and inline tables spanning lines.
func (s *scanner) value() {
	depth := 0
	for s.pos < len(s.src) {
		switch c := s.src[s.pos]; c {
		case '\n':
			if depth <= 0 {
				s.newline()
				return
			}
			s.newline()
		case '#':
			s.skipComment()
		case '[', '{':
			depth++
			s.pos++
		case ']', '}':
			depth--
			s.pos++
		case '"', '\'':
			s.str(c)
		default:
			s.pos++
		}
	}
}

// str skips a basic or literal string, single- or multi-line.
func (s *scanner) str(q byte) {
	triple := s.pos+2 < len(s.src) && s.src[s.pos+1] == q && s.src[s.pos+2] == q
	if triple {
		s.pos += 3
		for s.pos < len(s.src) {
			c := s.src[s.pos]
			switch {
			case c == '\n':
				s.newline()
			case c == '\\' && q == '"':
				s.pos++
				if s.pos < len(s.src) && s.src[s.pos] == '\n' {
					s.newline()
				} else if s.pos < len(s.src) {
					s.pos++
				}
			case c == q && s.pos+2 < len(s.src) && s.src[s.pos+1] == q && s.src[s.pos+2] == q:
				s.pos += 3
				// Up to two more quotes may belong to the string.
				for n := 0; n < 2 && s.pos < len(s.src) && s.src[s.pos] == q; n++ {
					s.pos++
				}
				return
			default:
				s.pos++
			}
		}
		return
	}
	s.pos++
	for s.pos < len(s.src) {
		switch c := s.src[s.pos]; {
		case c == '\n':
			return // unterminated: leave the newline to the caller
		case c == '\\' && q == '"':
			s.pos++
			if s.pos < len(s.src) && s.src[s.pos] != '\n' {
				s.pos++
			}
		case c == q:
			s.pos++
			return
		default:
			s.pos++
		}
	}
}
