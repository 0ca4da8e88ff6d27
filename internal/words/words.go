package words

import (
	"strconv"
	"strings"
)

// Plural returns one when n is 1 and many otherwise (for 0 as well: "0
// points").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count returns n and noun, with an "s" added unless n is 1: "1 point",
// "3 points", "0 chunks". A noun whose plural is not noun+"s" wants
// Plural.
func Count(n int64, noun string) string {
	s := strconv.FormatInt(n, 10) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

// List joins items as a sentence does: "a", "a and b", "a, b and c".
func List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
