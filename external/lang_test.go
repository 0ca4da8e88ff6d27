package external

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleHelpersCurrent: the examples carry copies of the helpers, so
// that each is self-contained; they must be the helpers simrun ships.
func TestExampleHelpersCurrent(t *testing.T) {
	for _, tc := range []struct{ lang, example string }{
		{"python", "walk-python"},
		{"c", "pi-c"},
	} {
		l, _ := LookupLanguage(tc.lang)
		got, err := os.ReadFile(filepath.Join("..", "examples", tc.example, l.Helper))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, l.HelperSource()) {
			t.Errorf("examples/%s/%s differs from external/lang/%s/%s: copy it again", tc.example, l.Helper, tc.lang, l.Helper)
		}
	}
}

func TestLanguageFiles(t *testing.T) {
	for _, l := range Languages {
		files, err := l.Files("walk")
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 3 || files[l.Helper] == nil {
			t.Errorf("%s: files %v", l.Name, keys(files))
		}
		toml := string(files["walk.toml"])
		if !strings.Contains(toml, "walk"+l.Ext) || strings.Contains(toml, "{{") {
			t.Errorf("%s: walk.toml does not run walk%s:\n%s", l.Name, l.Ext, toml)
		}
		if _, err := l.Files("simrun_kernel"); err == nil {
			t.Errorf("%s: a kernel named like the helper was accepted", l.Name)
		}
		if only, _ := l.Files(""); len(only) != 1 {
			t.Errorf("%s: the helper alone is %d files", l.Name, len(only))
		}
	}
	dir := t.TempDir()
	l, _ := LookupLanguage("python")
	files, _ := l.Files("dice")
	if _, err := WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFiles(dir, files); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("writing over existing files: %v", err)
	}
}

func keys(m map[string][]byte) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
