package words

import "testing"

func TestPlural(t *testing.T) {
	for _, test := range []struct {
		name string
		n    int
		want string
	}{
		{name: "zero", n: 0, want: "means are"},
		{name: "one", n: 1, want: "mean is"},
		{name: "two", n: 2, want: "means are"},
		{name: "negative one", n: -1, want: "means are"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := Plural(test.n, "mean is", "means are"); got != test.want {
				t.Errorf("Plural(%d) = %q, want %q", test.n, got, test.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	for _, test := range []struct {
		name string
		n    int64
		want string
	}{
		{name: "zero", n: 0, want: "0 points"},
		{name: "one", n: 1, want: "1 point"},
		{name: "three", n: 3, want: "3 points"},
		{name: "negative", n: -1, want: "-1 points"},
		// Not 1 when truncated to 32 bits, as int(n) would be on 386.
		{name: "2^32+1", n: 1<<32 + 1, want: "4294967297 points"},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := Count(test.n, "point"); got != test.want {
				t.Errorf("Count(%d, %q) = %q, want %q", test.n, "point", got, test.want)
			}
		})
	}
}
