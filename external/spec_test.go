package external

import "testing"

// TestParseSpecLabels: the labels a program declares reach the kernel's
// spec, where figures take them from; without them, none.
func TestParseSpecLabels(t *testing.T) {
	s, err := ParseSpec([]byte(`{"protocol": 1, "name": "opt",
 "params": [{"name": "K", "type": "float", "default": 100, "label": "strike K"}, {"name": "T", "type": "float", "default": 1}],
 "observables": [{"name": "call", "iid": true, "label": "call price"}],
 "references": [{"name": "bs", "of": "call", "exact": true, "label": "Black–Scholes"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	k := s.Kernel
	if k.Params[0].Label != "strike K" || k.Params[1].Label != "" || k.Observables[0].Label != "call price" || k.References[0].Label != "Black–Scholes" {
		t.Errorf("labels: params %q %q, observable %q, reference %q", k.Params[0].Label, k.Params[1].Label, k.Observables[0].Label, k.References[0].Label)
	}
}
