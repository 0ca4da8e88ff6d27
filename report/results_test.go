package report

import "testing"

func TestReadBuildInfo(t *testing.T) {
	version, revision, _ := ReadBuildInfo()
	if version == "" {
		t.Error(`version = "", want "(devel)" when unknown`)
	}
	defer func(old string) { Revision = old }(Revision)
	Revision = "abc123"
	if _, revision, _ = ReadBuildInfo(); revision != "abc123" {
		t.Errorf("with Revision set, revision = %q, want %q", revision, "abc123")
	}
}
