package main

import (
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/plugintest"
)

// macFixture makes bottles as running containers of the fake
// `container`, which it puts first on this process's PATH (plugins
// started by the kit inherit it).
type macFixture struct{ home string }

func newMacFixture(t *testing.T, cliVersion string) *macFixture {
	fx := &macFixture{home: t.TempDir()}
	e2e.FakeOnPath(t, "container")
	t.Setenv(envFakeHome, fx.home)
	t.Setenv(envFakeVersion, cliVersion)
	return fx
}

func (fx *macFixture) NewBottle(t *testing.T) shared.Bottle {
	slug := e2e.RandomSlug("kit")
	b := shared.Bottle{Slug: slug, Name: "bot-bottle-" + slug, StateDir: t.TempDir()}
	w, err := loadWorld(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	c := agentContainer("running")
	c.Files = map[string]string{"/work/slug": slug}
	w.Containers[b.Name] = &c
	if err := saveWorld(fx.home, w); err != nil {
		t.Fatal(err)
	}
	return b
}

func (fx *macFixture) CheckArtifact(t *testing.T, b shared.Bottle, res *shared.FreezeResult) {
	w, err := loadWorld(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	img := w.Images["docker.io/library/"+res.Artifact]
	if img == nil || img.Files["/work/slug"] != b.Slug || res.ArtifactID != img.Digest {
		t.Errorf("artifact %s (%s) is not an image of %s: %+v", res.Artifact, res.ArtifactID,
			b.Name, img)
	}
}

func (fx *macFixture) CheckUntouched(t *testing.T, b shared.Bottle) {
	w, err := loadWorld(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	if c := w.Containers[b.Name]; c == nil || c.State != "running" {
		t.Errorf("container %s is %+v, want running", b.Name, c)
	}
	if img := w.Images["docker.io/library/bot-bottle-committed-"+b.Slug+":latest"]; img != nil {
		t.Errorf("an image was built anyway")
	}
}

func (fx *macFixture) CheckResumed(t *testing.T, b shared.Bottle) {
	w, err := loadWorld(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	if c := w.Containers[b.Name]; c == nil || c.State != "running" ||
		c.Files["/work/slug"] != b.Slug {
		t.Errorf("container %s is %+v, want it running from its image", b.Name, c)
	}
}

func TestConformance(t *testing.T) {
	// 1.0.0 makes the plugin stop the container, so the kit's questions
	// are asked; 1.2.1 exports live and asks nothing.
	for _, version := range []string{"1.0.0", "1.2.1"} {
		t.Run(version, func(t *testing.T) {
			fx := newMacFixture(t, version)
			t.Run("in process", func(t *testing.T) {
				plugintest.Run(t, newBackend(hclog.NewNullLogger()), fx)
			})
			t.Run("binary", func(t *testing.T) {
				plugintest.RunBinary(t,
					filepath.Join(bins.PluginDir, "bottle-plugin-macos-container"), fx)
			})
		})
	}
}
