package dirlock

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The child of TestLockAcrossProcesses: it takes the lock of the directory
// in DIRLOCK_CHILD, says so on stdout, and holds it until killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("DIRLOCK_CHILD"); dir != "" {
		if _, err := Acquire(dir, "the child"); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Hour)
	}
	os.Exit(m.Run())
}

// TestLockAcrossProcesses: a lock held by another process is refused with
// its holder named, and a SIGKILL of the holder releases it.
func TestLockAcrossProcesses(t *testing.T) {
	if !Supported {
		t.Skip("no flock on this system: Lock excludes nobody")
	}
	dir := t.TempDir()
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "DIRLOCK_CHILD="+dir)
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q, %v", buf, err)
	}

	_, err = Acquire(dir, "the test")
	var held *HeldError
	if !errors.As(err, &held) || !strings.Contains(held.Holder, "the child") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("Lock while the child holds it: %v; want a *HeldError naming the child", err)
	}

	child.Process.Kill()
	child.Wait()
	l, err := Acquire(dir, "the test")
	if err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
	if b, _ := os.ReadFile(dir + "/" + Name); !strings.Contains(string(b), "the test") {
		t.Errorf("lock file says %q, want this process", b)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(dir, "again")
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	l2.Unlock()
}

// TestLockInProcess: two Locks of one directory exclude each other in one
// process too (flock locks belong to open file descriptions).
func TestLockInProcess(t *testing.T) {
	if !Supported {
		t.Skip("no flock on this system")
	}
	dir := t.TempDir()
	l, err := Acquire(dir, "first")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(dir, "second"); err == nil {
		t.Fatal("a second Lock of a locked directory succeeded")
	}
	l.Unlock()
	if _, err := Acquire(t.TempDir()+"/missing", "x"); err == nil {
		t.Error("Lock of a missing directory succeeded")
	}
}
