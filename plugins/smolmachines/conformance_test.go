package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/plugintest"
)

// smolFixture makes bottles as running VMs of the fake smolvm, which it
// puts first on this process's PATH (plugins started by the kit inherit
// it).
type smolFixture struct{ home string }

func newSmolFixture(t *testing.T) *smolFixture {
	fx := &smolFixture{home: t.TempDir()}
	e2e.FakeOnPath(t, "smolvm")
	t.Setenv(envFakeHome, fx.home)
	return fx
}

func (fx *smolFixture) NewBottle(t *testing.T) shared.Bottle {
	slug := e2e.RandomSlug("kit")
	b := shared.Bottle{Slug: slug, Name: "bot-bottle-" + slug, StateDir: t.TempDir()}
	machines, err := loadMachines(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	machines[b.Name] = &fakeMachine{Name: b.Name, State: "running", PID: 99, Disk: slug}
	if err := saveMachines(fx.home, machines); err != nil {
		t.Fatal(err)
	}
	return b
}

func (fx *smolFixture) CheckArtifact(t *testing.T, b shared.Bottle, res *shared.FreezeResult) {
	want := filepath.Join(b.StateDir, "committed-smolmachine.smolmachine")
	data, err := os.ReadFile(res.Artifact)
	if res.Artifact != want || err != nil || !strings.Contains(string(data), "disk="+b.Slug) {
		t.Errorf("artifact %s (%v) is not the pack of %s at %s", res.Artifact, err, b.Name, want)
	}
}

func (fx *smolFixture) CheckUntouched(t *testing.T, b shared.Bottle) {
	machines, err := loadMachines(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	if m := machines[b.Name]; m == nil || m.State != "running" {
		t.Errorf("VM %s is %+v, want running", b.Name, m)
	}
	if left, _ := os.ReadDir(b.StateDir); len(left) > 0 {
		t.Errorf("files left in the state directory: %v", left)
	}
}

func (fx *smolFixture) CheckResumed(t *testing.T, b shared.Bottle) {
	machines, err := loadMachines(fx.home)
	if err != nil {
		t.Fatal(err)
	}
	if m := machines[b.Name]; m == nil || m.State != "running" || m.Disk != b.Slug {
		t.Errorf("VM %s is %+v, want it running with its committed disk", b.Name, m)
	}
}

func TestConformance(t *testing.T) {
	fx := newSmolFixture(t)
	t.Run("in process", func(t *testing.T) {
		plugintest.Run(t, newBackend(hclog.NewNullLogger()), fx)
	})
	t.Run("binary", func(t *testing.T) {
		plugintest.RunBinary(t, filepath.Join(bins.PluginDir, "bottle-plugin-smolmachines"), fx)
	})
}
