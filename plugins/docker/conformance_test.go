package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/plugintest"
)

// dockerFixture makes bottles as running containers on the real engine.
type dockerFixture struct{}

func (dockerFixture) NewBottle(t *testing.T) shared.Bottle {
	slug := e2e.RandomSlug("kit")
	name := startBottle(t, slug)
	return shared.Bottle{Slug: slug, Name: name, StateDir: t.TempDir()}
}

func (dockerFixture) CheckArtifact(t *testing.T, b shared.Bottle, res *shared.FreezeResult) {
	if res.Artifact != shared.CommittedImageTag(b.Slug) {
		t.Errorf("artifact %q, want %q", res.Artifact, shared.CommittedImageTag(b.Slug))
	}
	if got := docker(t, "run", "--rm", res.Artifact, "cat", "/work/hello.txt"); got !=
		"hello from "+b.Slug {
		t.Errorf("a container from %s reads %q", res.Artifact, got)
	}
}

// CheckUntouched waits for the container to be running: a commit that
// was cancelled while the engine copied may leave it paused for the
// rest of that copy.
func (dockerFixture) CheckUntouched(t *testing.T, b shared.Bottle) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		state := docker(t, "inspect", "--format", "{{.State.Status}}", b.Name)
		if state == "running" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s is %s, want running", b.Name, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (fx dockerFixture) CheckResumed(t *testing.T, b shared.Bottle) {
	fx.CheckUntouched(t, b)
	waitForFile(t, b.Name, "/work/hello.txt")
	image := docker(t, "inspect", "--format", "{{.Config.Image}}", b.Name)
	if image != shared.CommittedImageTag(b.Slug) {
		t.Errorf("container %s runs %s, want the committed image", b.Name, image)
	}
}

func TestConformance(t *testing.T) {
	requireDocker(t)
	t.Run("in process", func(t *testing.T) {
		plugintest.Run(t, newBackend(hclog.NewNullLogger()), dockerFixture{})
	})
	t.Run("binary", func(t *testing.T) {
		plugintest.RunBinary(t, filepath.Join(bins.PluginDir, "bottle-plugin-docker"),
			dockerFixture{})
	})
}
