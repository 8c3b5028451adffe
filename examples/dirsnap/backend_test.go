package main

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/plugintest"
)

// fixture makes bottles as directories with an agent running in them.
type fixture struct{ root string }

func (fx fixture) NewBottle(t *testing.T) shared.Bottle {
	name := "bot-bottle-" + filepath.Base(t.TempDir())
	dir := filepath.Join(fx.root, name)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("agent notes"), 0o644)
	os.WriteFile(filepath.Join(dir, runningMarker), nil, 0o644)
	return shared.Bottle{Slug: name[len("bot-bottle-"):], Name: name, StateDir: t.TempDir()}
}

func (fx fixture) CheckArtifact(t *testing.T, b shared.Bottle, res *shared.FreezeResult) {
	f, err := os.Open(res.Artifact)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("notes.txt is not in the snapshot: %v", err)
		}
		if hdr.Name == "notes.txt" {
			data, _ := io.ReadAll(tr)
			if string(data) != "agent notes" {
				t.Errorf("notes.txt holds %q", data)
			}
			return
		}
	}
}

func (fx fixture) CheckUntouched(t *testing.T, b shared.Bottle) {
	if _, err := os.Stat(filepath.Join(fx.root, b.Name, runningMarker)); err != nil {
		t.Errorf("the agent is no longer running: %v", err)
	}
	if left, _ := os.ReadDir(b.StateDir); len(left) > 0 {
		t.Errorf("files left in the state directory: %v", left)
	}
}

func TestConformance(t *testing.T) {
	fx := fixture{root: t.TempDir()}
	t.Setenv(envRoot, fx.root) // the binary inherits it

	t.Run("in process", func(t *testing.T) {
		plugintest.Run(t, newBackend(hclog.NewNullLogger()), fx)
	})
	t.Run("binary", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "bottle-plugin-dirsnap")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		plugintest.RunBinary(t, bin, fx)
	})
}
