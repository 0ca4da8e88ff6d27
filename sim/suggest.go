package sim

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// suggest returns the valid name closest to s, for a "did you mean"
// hint: the one with the smallest Levenshtein distance if that is at most
// 2 and less than the length of s; else the first that s is a prefix of;
// else the longest of at least two letters that is a prefix of s (prefixes
// ignoring case); else "". Ties go to the earlier name.
func suggest(s string, valid []string) string {
	if s == "" || !utf8.ValidString(s) || len(s) > 256 {
		return ""
	}
	best, bestDist := "", 3
	for _, v := range valid {
		if v == s {
			continue
		}
		// A distance equal to the length would replace the whole name:
		// "T" is not a typo of "L".
		if d := levenshtein(s, v); d < bestDist && d < utf8.RuneCountInString(s) {
			best, bestDist = v, d
		}
	}
	if best != "" {
		return best
	}
	ls := strings.ToLower(s)
	for _, v := range valid {
		if strings.HasPrefix(strings.ToLower(v), ls) {
			return v
		}
	}
	for _, v := range valid {
		lv := strings.ToLower(v)
		if len(lv) >= 2 && len(lv) > len(best) && strings.HasPrefix(ls, lv) {
			best = v
		}
	}
	return best
}

// levenshtein returns the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// unknownMsg formats the message for an unknown name: what it is not, the
// closest valid name if any, and the valid names.
func unknownMsg(what, name string, valid []string) string {
	var b strings.Builder
	b.WriteString(what)
	if s := suggest(name, valid); s != "" {
		b.WriteString("; did you mean ")
		b.WriteString(strconv.Quote(s))
		b.WriteString("? valid: ")
	} else {
		b.WriteString("; valid: ")
	}
	if len(valid) == 0 {
		b.WriteString("none")
	} else {
		b.WriteString(strings.Join(valid, ", "))
	}
	return b.String()
}
