package words

import "strconv"

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
