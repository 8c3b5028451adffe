package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

// committedWorld is a world whose running container was committed with
// a live export (1.2.1), so it still runs.
func committedWorld(t *testing.T) (*world, fakeContainer) {
	t.Helper()
	original := agentContainer("running")
	original.Mounts = []string{"/Users/dev/project:/work/project"}
	original.CPUs, original.Memory = 4, 2<<30
	w := newWorld(t, &original, "1.2.1")
	if res := w.Bottle(nil, "commit", w.slug); res.Code != 0 {
		t.Fatalf("commit: %s", res.Stderr)
	}
	os.Remove(filepath.Join(w.fakeHome, "calls.log"))
	return w, original
}

func (w *world) removeContainer() {
	fw := w.world()
	delete(fw.Containers, w.name)
	if err := saveWorld(w.fakeHome, fw); err != nil {
		w.T.Fatal(err)
	}
}

// assertLikeTheOriginal compares the resumed container with the one
// that was committed.
func (w *world) assertLikeTheOriginal(c fakeContainer) {
	w.T.Helper()
	got := w.world().Containers[w.name]
	if got == nil {
		w.T.Fatal("no container after resume")
	}
	gotConfig := fmt.Sprint(got.State, got.Exe, got.Args, got.Env, got.Workdir, got.User,
		got.Mounts, got.CPUs, got.Memory, got.Files)
	wantConfig := fmt.Sprint("running", c.Exe, c.Args, c.Env, c.Workdir, c.User,
		c.Mounts, c.CPUs, c.Memory, c.Files)
	if gotConfig != wantConfig {
		w.T.Errorf("resumed container:\n%s\nwant:\n%s", gotConfig, wantConfig)
	}
}

func TestResumeAfterTheContainerIsGone(t *testing.T) {
	w, original := committedWorld(t)
	w.removeContainer()

	res := w.Bottle(nil, "resume", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit %d:\n%s", res.Code, res.Stderr)
	}
	if res.Stdout != w.name+"\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "to reach it: container logs "+w.name)
	ref := fmt.Sprintf(tag, w.slug)
	w.assertCalls("container image inspect "+ref, "container inspect <name>",
		"container run --detach --name <name> --volume /Users/dev/project:/work/project "+
			"--cpus 4 --memory 2048M "+ref)
	w.assertLikeTheOriginal(original)
}

func TestResumeOverAnExistingContainer(t *testing.T) {
	w, original := committedWorld(t)

	refused := w.Bottle(nil, "resume", w.slug)

	if refused.Code != 1 {
		t.Errorf("exit %d, want 1", refused.Code)
	}
	e2e.AssertContains(t, "stderr", refused.Stderr,
		"container "+w.name+" already exists (running)", "hint: pass --replace")

	os.Remove(filepath.Join(w.fakeHome, "calls.log"))
	replaced := w.Bottle(nil, "resume", "--replace", w.slug)

	if replaced.Code != 0 {
		t.Fatalf("resume --replace: exit %d\n%s", replaced.Code, replaced.Stderr)
	}
	ref := fmt.Sprintf(tag, w.slug)
	w.assertCalls("container image inspect "+ref, "container inspect <name>",
		"container stop <name>", "container delete <name>",
		"container run --detach --name <name> --volume /Users/dev/project:/work/project "+
			"--cpus 4 --memory 2048M "+ref)
	w.assertLikeTheOriginal(original)
}

func TestResumeWithTheImageMissing(t *testing.T) {
	w, _ := committedWorld(t)
	w.removeContainer()
	fw := w.world()
	fw.Images = map[string]*fakeImage{}
	saveWorld(w.fakeHome, fw)
	before := e2e.Snapshot(t, w.stateDir)

	res := w.Bottle(nil, "resume", w.slug)

	if res.Code != 1 {
		t.Errorf("exit %d, want 1", res.Code)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "image not found",
		"hint: the image was removed, or the bottle was committed on another machine: "+
			"load it with `container image load -i "+w.slug+".tar`")
	w.assertCalls("container image inspect " + fmt.Sprintf(tag, w.slug))
	e2e.AssertUnchanged(t, w.stateDir, before)
}
