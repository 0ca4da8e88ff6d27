// Package shell writes words and command lines for a POSIX shell.
//
// Quote and Join are pure functions: the same input always gives the same
// bytes, so that generated scripts can be compared with golden files. They
// never fail and never panic.
package shell

import "strings"

// Quote returns s as one word of a POSIX shell command line: unchanged if
// it consists only of ASCII letters, digits and / . _ - (and is not empty), and
// otherwise in single quotes, where each ' inside closes the quotes, is
// written \' and reopens them. The shell reads the result back as exactly
// s, whatever s holds but a NUL byte, which no word of a command line can.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '_' || c == '-') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}

// Join returns the command line that runs name with args, each quoted by
// Quote and separated by single spaces.
func Join(name string, args ...string) string {
	var b strings.Builder
	b.WriteString(Quote(name))
	for _, a := range args {
		b.WriteByte(' ')
		b.WriteString(Quote(a))
	}
	return b.String()
}
