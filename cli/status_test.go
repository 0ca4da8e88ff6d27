package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStatusCampaign: status of a campaign that submit started shows
// each shard's journal and what the scheduler says of its task, the
// merge job, and the campaign's ETA.
func TestStatusCampaign(t *testing.T) {
	fake := fakeSlurm(t, "", "")
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", submitExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "submit", "--array", "4", "--out", out, file); code != 0 {
		t.Fatalf("submit: exit %d: %s", code, stderr)
	}
	for _, i := range []string{"0", "1"} {
		if _, stderr, code := simrun(t, "run", "--inprocess", "--quiet", "--shard", i+"/4", "--out", out, file); code != 0 {
			t.Fatalf("run --shard %s/4: exit %d: %s", i, code, stderr)
		}
	}
	// What scontrol says of the array (job 1001) and the merge (1002).
	scontrol := `#!/bin/sh
[ "$1 $2 $3" = "show job --oneliner" ] || exit 1
case "$4" in
1001) cat <<'EOF'
JobId=1005 ArrayJobId=1001 ArrayTaskId=3 JobState=FAILED Reason=NonZeroExitCode Restarts=0 ExitCode=1:0
JobId=1004 ArrayJobId=1001 ArrayTaskId=2 JobState=RUNNING Reason=None Restarts=1 ExitCode=0:0
JobId=1003 ArrayJobId=1001 ArrayTaskId=1 JobState=COMPLETED Reason=None Restarts=0 ExitCode=0:0
JobId=1002 ArrayJobId=1001 ArrayTaskId=0 JobState=COMPLETED Reason=None Restarts=0 ExitCode=0:0
EOF
;;
1002) echo 'JobId=1002 JobName=simrun-walk-merge JobState=PENDING Reason=Dependency Restarts=0 ExitCode=0:0' ;;
*) exit 1 ;;
esac
`
	if err := os.WriteFile(filepath.Join(fake, "scontrol"), []byte(scontrol), 0o755); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := simrun(t, "status", out)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^shard +chunks +state +job$`),
		regexp.MustCompile(`(?m)^0/4 +10/10 +complete +1001_0$`),
		regexp.MustCompile(`(?m)^1/4 +10/10 +complete +1001_1$`),
		regexp.MustCompile(`(?m)^2/4 +0/10 +running, requeued 1× +1001_2$`),
		regexp.MustCompile(`(?m)^3/4 +0/9 +failed: a chunk failed in the kernel +1001_3$`),
		regexp.MustCompile(`(?m)^all +20/39 +2 of 4 shards complete$`),
		regexp.MustCompile(`(?m)^merge job 1002: pending \(Dependency\)$`),
		regexp.MustCompile(`(?m)^campaign: 19 of 39 chunks left, at [0-9.k]+ chunks/s since the last submission \([0-9.ms]+ ago\); ETA [0-9.hms]+, at [0-9]{2}:[0-9]{2}$`),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("status lacks %s:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "merged:") {
		t.Errorf("status says merged:\n%s", stdout)
	}
}
