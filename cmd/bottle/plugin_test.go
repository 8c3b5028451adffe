package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/internal/pluginhost"
)

// listJSON runs `bottle plugin list --json` and decodes it.
func listJSON(t *testing.T, s *e2e.Sandbox) ([]pluginhost.Candidate, e2e.Result) {
	t.Helper()
	res := s.Bottle(nil, "plugin", "list", "--json")
	var candidates []pluginhost.Candidate
	if err := json.Unmarshal([]byte(res.Stdout), &candidates); err != nil {
		t.Fatalf("plugin list --json printed %q: %v\n%s", res.Stdout, err, res.Stderr)
	}
	return candidates, res
}

func byPath(candidates []pluginhost.Candidate, path string) pluginhost.Candidate {
	for _, c := range candidates {
		if c.Path == path {
			return c
		}
	}
	return pluginhost.Candidate{}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func TestPluginListDiagnosesEveryCandidate(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	first, second := t.TempDir(), t.TempDir()
	s.PluginPath = first + ":" + second + ":" + bins.PluginDir
	docker := filepath.Join(bins.PluginDir, "bottle-plugin-docker")
	e2e.MustWrite(t, filepath.Join(first, "bottle-plugin-docker"), "not executable")
	copyFile(t, docker, filepath.Join(second, "bottle-plugin-docker"), 0o755)
	copyFile(t, docker, filepath.Join(first, "bottle-plugin-loose"), 0o777)
	writeScript(t, filepath.Join(first, "bottle-plugin-chatty"), "echo 'usage: chatty [flags]'")
	writeScript(t, filepath.Join(first, "bottle-plugin-future"),
		"echo '1|99|unix|/nonexistent.sock|grpc|'; exec sleep 5")
	copyFile(t, docker, filepath.Join(first, "bottle-plugin-misnamed"), 0o755)
	writeScript(t, filepath.Join(first, "bottle-plugin-ancient"),
		"echo '1|0|unix|/nonexistent.sock|grpc|'; exec sleep 5")

	candidates, res := listJSON(t, s)

	if res.Code != 1 {
		t.Errorf("exit code %d, want 1 for a list with problems", res.Code)
	}
	want := map[string]struct {
		status pluginhost.Status
		detail string
	}{
		filepath.Join(first, "bottle-plugin-docker"):  {"not-executable", "chmod +x"},
		filepath.Join(second, "bottle-plugin-docker"): {"ok", ""},
		filepath.Join(bins.PluginDir, "bottle-plugin-docker"): {"shadowed",
			"shadowed by " + filepath.Join(second, "bottle-plugin-docker")},
		filepath.Join(first, "bottle-plugin-loose"): {"unsafe",
			"is writable by group and others (mode -rwxrwxrwx)"},
		filepath.Join(first, "bottle-plugin-chatty"): {"not-a-plugin",
			`it printed "usage: chatty [flags]" instead of the handshake`},
		filepath.Join(first, "bottle-plugin-future"): {"protocol-mismatch",
			"speaks plugin protocol 99, and this bottle speaks [1]: upgrade bottle"},
		filepath.Join(first, "bottle-plugin-ancient"): {"protocol-mismatch",
			"speaks plugin protocol 0, and this bottle speaks [1]: upgrade the plugin"},
		filepath.Join(bins.PluginDir, "bottle-plugin-smolmachines"): {"ok", ""},
		filepath.Join(first, "bottle-plugin-misnamed"): {"failed",
			`it calls itself "docker", but its file name says "misnamed"`},
	}
	for path, w := range want {
		c := byPath(candidates, path)
		if c.Status != w.status || !strings.Contains(c.Detail, w.detail) {
			t.Errorf("%s: status %q, detail %q; want %q with %q",
				path, c.Status, c.Detail, w.status, w.detail)
		}
	}
	ok := byPath(candidates, filepath.Join(second, "bottle-plugin-docker"))
	if ok.Name != "docker" || ok.Version == "" || len(ok.Capabilities) == 0 || ok.Pinned {
		t.Errorf("the docker plugin in use reads %+v", ok)
	}
	if candidates[0].Path != filepath.Join(first, "bottle-plugin-ancient") {
		t.Errorf("candidates are not in search order: first is %s", candidates[0].Path)
	}
}

func TestPluginListAllGood(t *testing.T) {
	s := e2e.NewSandbox(t, bins)

	res := s.Bottle(nil, "plugin", "list")

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, backend := range e2e.Plugins {
		e2e.AssertContains(t, "plugin list", res.Stdout, backend+" ")
	}
	e2e.AssertContains(t, "plugin list", res.Stdout, "BACKEND", "STATUS", "unpinned")
}

func TestCommitRefusesUnsafeAndMismatchedPlugins(t *testing.T) {
	tests := []struct {
		name    string
		install func(t *testing.T, dir string)
		want    []string
	}{{
		name: "plugin file writable by others",
		install: func(t *testing.T, dir string) {
			copyFile(t, filepath.Join(bins.PluginDir, "bottle-plugin-docker"),
				filepath.Join(dir, "bottle-plugin-docker"), 0o757)
		},
		want: []string{"is writable by others", "hint: make it writable by its owner only"},
	}, {
		name: "plugin directory writable by group",
		install: func(t *testing.T, dir string) {
			copyFile(t, filepath.Join(bins.PluginDir, "bottle-plugin-docker"),
				filepath.Join(dir, "bottle-plugin-docker"), 0o755)
			os.Chmod(dir, 0o775)
		},
		want: []string{"refusing plugin", "writable by group"},
	}, {
		name: "newer protocol",
		install: func(t *testing.T, dir string) {
			writeScript(t, filepath.Join(dir, "bottle-plugin-docker"),
				"echo '1|2|unix|/nonexistent.sock|grpc|'; exec sleep 5")
		},
		want: []string{"speaks plugin protocol 2, and this bottle speaks [1]: upgrade bottle",
			"hint: install versions of bottle and the plugin that speak the same protocol"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e2e.NewSandbox(t, bins)
			s.PluginPath = t.TempDir()
			tt.install(t, s.PluginPath)
			slug := e2e.RandomSlug("safe")
			s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
			before := e2e.Snapshot(t, s.StateRoot)

			res := s.Bottle(nil, "commit", slug)

			if res.Code != 1 {
				t.Errorf("exit code %d, want 1", res.Code)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.want...)
			e2e.AssertUnchanged(t, s.StateRoot, before)
		})
	}
}

func TestPluginCheck(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	res := s.Bottle(nil, "plugin", "check", filepath.Join(bins.PluginDir, "bottle-plugin-docker"))
	if res.Code != 0 || strings.Count(res.Stdout, "ok   ") != 3 {
		t.Errorf("check of the docker plugin: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}

	chatty := filepath.Join(t.TempDir(), "bottle-plugin-chatty")
	writeScript(t, chatty, "echo hello")
	res = s.Bottle(nil, "plugin", "check", chatty)
	if res.Code != 1 || !strings.Contains(res.Stdout, "FAIL starts, and completes the handshake") {
		t.Errorf("check of a non-plugin: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	e2e.MustWrite(t, path, "#!/bin/sh\n"+body+"\n")
	if err := os.Chmod(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

// A third party's backend, built in its own module after bottle was
// built, is found, listed, pinned and used by that same bottle binary;
// a change to it after pinning is refused.
func TestThirdPartyPluginWithoutRebuildingTheHost(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	host := filepath.Join(bins.HostDir, "bottle")
	hostSum, _ := pluginhost.FileSHA256(host)
	dir := t.TempDir()
	plugin := filepath.Join(dir, "bottle-plugin-dirsnap")
	build := exec.Command("go", "build", "-o", plugin, ".")
	build.Dir = filepath.Join("..", "..", "examples", "dirsnap")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the example plugin: %v\n%s", err, out)
	}
	s.PluginPath = dir + ":" + bins.PluginDir

	candidates, res := listJSON(t, s)
	if c := byPath(candidates, plugin); res.Code != 0 || c.Status != "ok" ||
		c.Name != "dirsnap" || c.Pinned {
		t.Fatalf("plugin list: exit %d, dirsnap %+v\n%s", res.Code, c, res.Stderr)
	}
	res = s.Bottle(nil, "plugin", "trust", "dirsnap")
	if res.Code != 0 || !strings.HasPrefix(res.Stdout, "sha256:") {
		t.Fatalf("plugin trust: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if c := byPath(listJSONOK(t, s), plugin); !c.Pinned {
		t.Errorf("dirsnap is not listed as pinned: %+v", c)
	}

	bottlesRoot := t.TempDir()
	s.Env = append(s.Env, "DIRSNAP_ROOT="+bottlesRoot)
	slug := e2e.RandomSlug("third")
	e2e.MustMkdir(t, filepath.Join(bottlesRoot, "bot-bottle-"+slug))
	e2e.MustWrite(t, filepath.Join(bottlesRoot, "bot-bottle-"+slug, "notes.txt"), "hi")
	stateDir := s.NewBottleState(slug, e2e.PythonMetadata(slug, "dirsnap"))
	res = s.Bottle(nil, "commit", slug)
	if res.Code != 0 || res.Stdout != filepath.Join(stateDir, "dirsnap.tar.gz")+"\n" {
		t.Fatalf("commit through the example plugin: exit %d\n%s%s", res.Code, res.Stdout,
			res.Stderr)
	}

	// Tamper with the pinned plugin: it still runs, but is refused.
	f, _ := os.OpenFile(plugin, os.O_APPEND|os.O_WRONLY, 0)
	f.Write([]byte("tampered"))
	f.Close()
	before := e2e.Snapshot(t, s.StateRoot)
	res = s.Bottle(nil, "commit", slug)
	if res.Code != 1 {
		t.Errorf("commit through a tampered plugin: exit %d, want 1", res.Code)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "does not match the checksum pinned for "+
		`backend "dirsnap"`,
		"hint: if you replaced it on purpose, run `bottle plugin trust dirsnap`")
	e2e.AssertUnchanged(t, s.StateRoot, before)
	if c := byPath(listJSONOK(t, s), plugin); c.Status != "checksum-mismatch" {
		t.Errorf("plugin list says %q of the tampered plugin", c.Status)
	}

	if res = s.Bottle(nil, "plugin", "untrust", "dirsnap"); res.Code != 0 {
		t.Fatalf("plugin untrust: exit %d\n%s", res.Code, res.Stderr)
	}
	if res = s.Bottle(nil, "commit", slug); res.Code != 0 {
		t.Errorf("commit after untrust: exit %d\n%s", res.Code, res.Stderr)
	}
	if sum, _ := pluginhost.FileSHA256(host); sum != hostSum {
		t.Error("the host binary changed")
	}
}

// listJSONOK is listJSON for callers that judge the entries themselves.
func listJSONOK(t *testing.T, s *e2e.Sandbox) []pluginhost.Candidate {
	t.Helper()
	candidates, _ := listJSON(t, s)
	return candidates
}
