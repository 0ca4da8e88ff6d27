package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// checkCatalog has a kernel "lattice" whose Check wants an even L and
// a = 0 whenever b is set, and rejects L = 12 without blaming a parameter.
var checkCatalog = fakeCatalog{
	"lattice": {
		Name: "lattice",
		Params: []ParamSpec{
			{Name: "L", Kind: Int, Default: IntValue(7)},
			{Name: "a", Kind: Float, Default: FloatValue(0)},
			{Name: "b", Kind: Bool, Default: BoolValue(false)},
		},
		Observables: []ObservableSpec{{Name: "x"}},
		Check: func(p Params) error {
			switch {
			case p.Int("L") == 12:
				return errors.New("L = 12 is unlucky")
			case p.Int("L")%2 != 0:
				return &ParamError{Param: "L", Msg: fmt.Sprintf("= %d is odd", p.Int("L"))}
			case p.Bool("b") && p.Float("a") != 0:
				return &ParamError{Param: "a", Msg: "must be 0 when b is set"}
			}
			return nil
		},
	},
}

func TestCheckPoints(t *testing.T) {
	const head = "kernel = \"lattice\"\nseed = 1\n[samples]\nsamples = 1\nchunks = 1\n"
	for _, tc := range []struct {
		name string
		body string
		line int
		key  string
		msg  string // the whole message, or "" for no error
	}{
		{"all points valid", "[sweep]\nL = [2, 4]\n", 0, "", ""},
		{"sweep value", "[sweep]\nL = [2, 3, 4, 5]\n", 7, "sweep.L", "point 1 (L=3,a=0,b=false): L = 3 is odd (2 of the 4 points are rejected; this is the first)"},
		{"fixed value, one point", "[params]\nL = 5\n", 7, "params.L", "L = 5 is odd"},
		{"default value", "[params]\na = 1\n", 1, "kernel", "the default L = 7 is odd"},
		{"blames another parameter", "[params]\nL = 2\nb = true\n[sweep]\na = [0, 0.5]\n", 10, "sweep.a", "point 1 (L=2,a=0.5,b=true): a must be 0 when b is set"},
		{"no parameter blamed", "[params]\nL = 12\n", 1, "kernel", "L = 12 is unlucky"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse("x.toml", []byte(head+tc.body), checkCatalog)
			if err != nil {
				t.Fatal(err)
			}
			err = e.CheckRunnable()
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("CheckRunnable() = %v, want nil", err)
				}
				return
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("CheckRunnable() = %v, want a *sim.Error", err)
			}
			if se.File != "x.toml" || se.Line != tc.line || se.Key != tc.key || se.Msg != tc.msg {
				t.Errorf("got %s:%d: %s: %s\nwant x.toml:%d: %s: %s", se.File, se.Line, se.Key, se.Msg, tc.line, tc.key, tc.msg)
			}
			if strings.Contains(err.Error(), "panic") {
				t.Errorf("error %q", err)
			}
		})
	}
}
