package main

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// startConfiguredBottle runs a bottle with an environment variable, a
// bind mount and a working directory, all of which resume must restore.
func startConfiguredBottle(t *testing.T, slug string) (mount string) {
	t.Helper()
	mount = t.TempDir()
	e2e.MustWrite(t, filepath.Join(mount, "shared.txt"), "from the host")
	name := startBottle(t, slug, "-e", "BOTTLE_TEST_VAR=kept", "-v", mount+":/data",
		"-w", "/work")
	// Written by the running agent, not by the image's command: only the
	// snapshot can bring it back.
	docker(t, "exec", name, "/agent", "put", "/work/progress.txt", "step 2 of 3")
	return mount
}

// assertLikeTheOriginal checks the resumed container from the inside.
func assertLikeTheOriginal(t *testing.T, name, slug string) {
	t.Helper()
	waitForFile(t, name, "/work/hello.txt")
	checks := map[string][]string{
		"hello from " + slug: {"cat", "/work/hello.txt"},
		"step 2 of 3":        {"cat", "/work/progress.txt"},
		"kept":               {"env", "BOTTLE_TEST_VAR"},
		"from the host":      {"cat", "/data/shared.txt"},
		"/work":              {"pwd"},
	}
	for want, args := range checks {
		got := docker(t, append([]string{"exec", name, "/agent"}, args...)...)
		if got != want {
			t.Errorf("in the resumed container, agent %v = %q, want %q", args, got, want)
		}
	}
}

// committedBottle starts a configured bottle and commits it.
func committedBottle(t *testing.T) (s *e2e.Sandbox, slug, name string) {
	t.Helper()
	requireDocker(t)
	s = e2e.NewSandbox(t, bins)
	slug = e2e.RandomSlug("res")
	startConfiguredBottle(t, slug)
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	if res := s.Bottle(nil, "commit", slug); res.Code != 0 {
		t.Fatalf("commit: %s", res.Stderr)
	}
	return s, slug, "bot-bottle-" + slug
}

func TestResumeAfterTheContainerIsGone(t *testing.T) {
	s, slug, name := committedBottle(t)
	docker(t, "rm", "-f", name)

	res := s.Bottle(nil, "resume", slug)

	if res.Code != 0 {
		t.Fatalf("resume exited %d:\n%s", res.Code, res.Stderr)
	}
	if res.Stdout != name+"\n" {
		t.Errorf("stdout = %q, want the container's name", res.Stdout)
	}
	want := "resumed " + name + " from " + shared.CommittedImageTag(slug) + "\n" +
		"to reach it: docker logs -f " + name + "\n"
	if res.Stderr != want {
		t.Errorf("stderr =\n%s\nwant\n%s", res.Stderr, want)
	}
	assertLikeTheOriginal(t, name, slug)
}

func TestResumeRefusesAnExistingBottleUnlessReplacing(t *testing.T) {
	s, slug, name := committedBottle(t)
	before := docker(t, "inspect", "--format", "{{.Id}}", name)

	refused := s.Bottle(nil, "resume", slug)

	if refused.Code != 1 || refused.Stdout != "" {
		t.Errorf("resume over a running bottle: exit %d, stdout %q", refused.Code, refused.Stdout)
	}
	e2e.AssertContains(t, "stderr", refused.Stderr, "container "+name+" already exists (running)",
		"hint: pass --replace to remove it and resume in its place")
	if id := docker(t, "inspect", "--format", "{{.Id}}", name); id != before {
		t.Error("a refused resume replaced the container")
	}

	docker(t, "stop", "-t", "1", name)
	replaced := s.Bottle(nil, "resume", "--replace", slug)

	if replaced.Code != 0 {
		t.Fatalf("resume --replace over a stopped bottle: exit %d\n%s", replaced.Code,
			replaced.Stderr)
	}
	if id := docker(t, "inspect", "--format", "{{.Id}}", name); id == before {
		t.Error("resume --replace kept the old container")
	}
	assertLikeTheOriginal(t, name, slug)
}

// Each commit adds a layer on top of the last; every cycle must work.
func TestCommitResumeCycles(t *testing.T) {
	requireDocker(t)
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("cyc")
	name := "bot-bottle-" + slug
	startConfiguredBottle(t, slug)
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	var layers []int
	for cycle := 1; cycle <= 3; cycle++ {
		if res := s.Bottle(nil, "commit", slug); res.Code != 0 {
			t.Fatalf("cycle %d: commit: %s", cycle, res.Stderr)
		}
		if res := s.Bottle(nil, "resume", "--replace", slug); res.Code != 0 {
			t.Fatalf("cycle %d: resume: %s", cycle, res.Stderr)
		}
		assertLikeTheOriginal(t, name, slug)
		count, _ := strconv.Atoi(docker(t, "image", "inspect", "--format",
			"{{len .RootFS.Layers}}", shared.CommittedImageTag(slug)))
		layers = append(layers, count)
	}
	if layers[2] != layers[0]+2 {
		t.Errorf("layers per cycle: %v; want one more each cycle", layers)
	}
}

func TestResumeFailures(t *testing.T) {
	requireDocker(t)
	tests := []struct {
		name    string
		prepare func(s *e2e.Sandbox, slug string)
		want    []string
	}{{
		name:    "never committed",
		prepare: func(*e2e.Sandbox, string) {},
		want: []string{"no committed snapshot for bottle",
			"hint: commit it first with `bottle commit <slug>`"},
	}, {
		name: "committed image deleted",
		prepare: func(s *e2e.Sandbox, slug string) {
			startBottle(s.T, slug)
			if res := s.Bottle(nil, "commit", slug); res.Code != 0 {
				s.T.Fatalf("commit: %s", res.Stderr)
			}
			exec.Command("docker", "rm", "-f", "bot-bottle-"+slug).Run()
			docker(s.T, "image", "rm", shared.CommittedImageTag(slug))
		},
		want: []string{"find committed image bot-bottle-committed-",
			"hint: the image was removed, or the bottle was committed on another machine"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e2e.NewSandbox(t, bins)
			slug := e2e.RandomSlug("rfail")
			s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
			tt.prepare(s, slug)
			before := e2e.Snapshot(t, s.StateRoot)

			res := s.Bottle(nil, "resume", slug)

			if res.Code != 1 || res.Stdout != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", res.Code, res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.want...)
			e2e.AssertUnchanged(t, s.StateRoot, before)
		})
	}
}
