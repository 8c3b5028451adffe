package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

// committedWorld is a world whose running VM has been committed, which
// leaves it stopped.
func committedWorld(t *testing.T) (*world, string) {
	t.Helper()
	w := newWorld(t, fakeMachine{State: "running", PID: 4242, Disk: "agent work"})
	if res := w.Bottle(nil, "commit", "--yes", w.slug); res.Code != 0 {
		t.Fatalf("commit: %s", res.Stderr)
	}
	os.Remove(filepath.Join(w.fakeHome, "calls.log"))
	return w, filepath.Join(w.stateDir, "committed-smolmachine.smolmachine")
}

func TestResumeAfterTheVMIsGone(t *testing.T) {
	w, artifact := committedWorld(t)
	w.setMachines() // torn down

	res := w.Bottle(nil, "resume", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit %d:\n%s", res.Code, res.Stderr)
	}
	if res.Stdout != w.vm+"\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "resumed "+w.vm+" from "+artifact,
		"to reach it: smolvm machine exec --name "+w.vm+" -- sh")
	w.assertCalls("smolvm machine ls --json",
		"smolvm machine create --name "+w.vm+" --from "+
			filepathToState(w, artifact),
		"smolvm machine start --name "+w.vm)
	if m := w.machine(); m.State != "running" || m.Disk != "agent work" {
		t.Errorf("resumed VM is %+v, want running with the committed disk", m)
	}
}

func filepathToState(w *world, path string) string {
	rel, _ := filepath.Rel(w.stateDir, path)
	return "<state>/" + rel
}

func TestResumeOverAnExistingVM(t *testing.T) {
	w, artifact := committedWorld(t)

	refused := w.Bottle(nil, "resume", w.slug)

	if refused.Code != 1 {
		t.Errorf("resume over an existing VM: exit %d, want 1", refused.Code)
	}
	e2e.AssertContains(t, "stderr", refused.Stderr, "VM "+w.vm+" already exists (stopped)",
		"hint: pass --replace")
	w.assertCalls("smolvm machine ls --json")

	w.setMachines(fakeMachine{Name: w.vm, State: "running", PID: 7, Disk: "newer work"})
	os.Remove(filepath.Join(w.fakeHome, "calls.log"))
	replaced := w.Bottle(nil, "resume", "--replace", w.slug)

	if replaced.Code != 0 {
		t.Fatalf("resume --replace: exit %d\n%s", replaced.Code, replaced.Stderr)
	}
	w.assertCalls("smolvm machine ls --json",
		"smolvm machine stop --name "+w.vm,
		"smolvm machine delete --name "+w.vm+" --force",
		"smolvm machine create --name "+w.vm+" --from "+filepathToState(w, artifact),
		"smolvm machine start --name "+w.vm)
	if m := w.machine(); m.State != "running" || m.Disk != "agent work" {
		t.Errorf("resumed VM is %+v, want running with the committed disk", m)
	}
}

func TestResumeWithTheArtifactMissing(t *testing.T) {
	w, artifact := committedWorld(t)
	w.setMachines()
	if err := os.Rename(artifact, artifact+".moved"); err != nil {
		t.Fatal(err)
	}
	before := e2e.Snapshot(t, w.stateDir)

	res := w.Bottle(nil, "resume", w.slug)

	if res.Code != 1 {
		t.Errorf("exit %d, want 1", res.Code)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, artifact,
		"hint: the file was moved or deleted: put it back at "+artifact)
	if calls := w.calls(); len(calls) != 1 || calls[0] != "" {
		t.Errorf("smolvm ran %v; nothing should run without the artifact", calls)
	}
	e2e.AssertUnchanged(t, w.stateDir, before)
}
