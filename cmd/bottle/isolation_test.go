package main_test

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/bot-bottle/bottle/internal/e2e"
)

// The plugin runs without the user's terminal, and its sockets live in
// a directory only this user can enter, removed afterwards.
func TestPluginIsIsolated(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	s.InstallFakePlugin("fake")
	tmp := t.TempDir()
	slug := e2e.RandomSlug("iso")
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "fake"))
	marker := filepath.Join(t.TempDir(), "report.json")

	cmd := s.Command(t.Context(), []string{envFakePlugin + "=" + fakeReport,
		envFakeMarker + "=" + marker, "TMPDIR=" + tmp}, "commit", slug)
	terminal, err := pty.Start(cmd) // bottle itself runs on a terminal
	if err != nil {
		t.Fatal(err)
	}
	defer terminal.Close()
	go io.Copy(io.Discard, terminal) // keep the terminal drained
	if err := cmd.Wait(); err != nil {
		t.Fatalf("bottle commit: %v", err)
	}

	var r pluginReport
	data, err := os.ReadFile(marker)
	if err != nil || json.Unmarshal(data, &r) != nil {
		t.Fatalf("no report from the plugin: %v %q", err, data)
	}
	if r.StdinIsTerminal {
		t.Error("the plugin's stdin is the user's terminal")
	}
	if !strings.HasPrefix(r.SocketDir, tmp+"/") || r.SocketDirMode != "-rwx------" {
		t.Errorf("sockets in %q (%s), want a 0700 directory under %s",
			r.SocketDir, r.SocketDirMode, tmp)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("left behind in TMPDIR: %v", left)
	}
}
