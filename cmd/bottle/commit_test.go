package main_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/state"
)

// Every way the host can fail must say what went wrong and what to do,
// exit non-zero, and leave the bottle's state as it was.
func TestCommitFailures(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(s *e2e.Sandbox, slug string) (env []string)
		slug       string // default: a fresh random slug with state
		wantStderr []string
	}{{
		name:       "unknown slug",
		slug:       "never-launched",
		wantStderr: []string{`no such bottle "never-launched"`, "hint: check the slug"},
	}, {
		name:       "slug that leaves the state root",
		slug:       "../../etc",
		wantStderr: []string{`invalid slug "../../etc"`},
	}, {
		name: "unknown backend",
		setup: func(s *e2e.Sandbox, slug string) []string {
			e2e.MustWrite(s.T, filepath.Join(s.StateRoot, slug, "metadata.json"),
				e2e.PythonMetadata(slug, "qemu"))
			return nil
		},
		wantStderr: []string{`no plugin for backend "qemu" (plugins found: ` +
			`docker, macos-container, smolmachines)`, "hint: install bottle-plugin-qemu"},
	}, {
		name: "backend name that leaves the plugin directories",
		setup: func(s *e2e.Sandbox, slug string) []string {
			e2e.MustWrite(s.T, filepath.Join(s.StateRoot, slug, "metadata.json"),
				`{"backend": "../../../bin/sh"}`)
			return nil
		},
		wantStderr: []string{`invalid backend name "../../../bin/sh"`,
			"hint: fix the \"backend\" field"},
	}, {
		name: "no plugin found",
		setup: func(s *e2e.Sandbox, _ string) []string {
			s.PluginPath = s.T.TempDir()
			return []string{"PATH=" + s.T.TempDir()}
		},
		wantStderr: []string{`no plugin for backend "docker" (plugins found: none)`},
	}, {
		name: "plugin exits at once",
		setup: func(s *e2e.Sandbox, _ string) []string {
			s.InstallScriptPlugin("docker", "echo 'cannot load config' >&2; exit 3")
			return nil
		},
		wantStderr: []string{"bottle-plugin-docker exited before the handshake",
			"cannot load config", "hint: reinstall the plugin"},
	}, {
		name: "plugin prints garbage",
		setup: func(s *e2e.Sandbox, _ string) []string {
			s.InstallScriptPlugin("docker", "echo 'Hello, world!'; exec sleep 5")
			return nil
		},
		wantStderr: []string{
			`bottle-plugin-docker is not a bottle plugin: it printed "Hello, world!"`},
	}, {
		name: "plugin dies during freeze",
		setup: func(s *e2e.Sandbox, _ string) []string {
			s.InstallFakePlugin("docker")
			return []string{envFakePlugin + "=" + fakeCrash}
		},
		wantStderr: []string{"exited during the call", "out of cheese"},
	}, {
		name: "confirmation needed without a terminal",
		setup: func(s *e2e.Sandbox, _ string) []string {
			s.InstallFakePlugin("docker")
			return []string{envFakePlugin + "=" + fakeAsk}
		},
		wantStderr: []string{"no terminal to answer on",
			"hint: run bottle in a terminal, or pass --yes"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e2e.NewSandbox(t, bins)
			slug := tt.slug
			if slug == "" {
				slug = e2e.RandomSlug("fail")
				s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
			}
			var env []string
			if tt.setup != nil {
				env = tt.setup(s, slug)
			}
			before := e2e.Snapshot(t, s.StateRoot)

			res := s.Bottle(env, "commit", slug)

			if res.Code != 1 {
				t.Errorf("exit code %d, want 1", res.Code)
			}
			if res.Stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.wantStderr...)
			e2e.AssertUnchanged(t, s.StateRoot, before)
		})
	}
}

func TestCommitPrintsWhatThePluginReturns(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	s.InstallFakePlugin("fake")
	slug := e2e.RandomSlug("ask")
	dir := s.NewBottleState(slug, e2e.PythonMetadata(slug, "fake"))

	res := s.Bottle([]string{envFakePlugin + "=" + fakeAsk}, "commit", "--yes", slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	if res.Stdout != "fake-artifact-"+slug+"\n" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	want := "stop bot-bottle-" + slug + "? the agent's session will end [y/N]: yes (--yes)\n" +
		"warning: fake warning\n" +
		"fake note\n" +
		"to resume from this snapshot: bottle resume " + slug + "\n" +
		"to export for migration: cp fake " + slug + ".fake\n"
	if res.Stderr != want {
		t.Errorf("stderr =\n%s\nwant\n%s", res.Stderr, want)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "committed-image")); string(data) !=
		"fake-artifact-"+slug+"\n" {
		t.Errorf("committed-image = %q", data)
	}
}

func TestCommitInterruptedLeavesStateAlone(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	s.InstallFakePlugin("docker")
	slug := e2e.RandomSlug("intr")
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	before := e2e.Snapshot(t, s.StateRoot)
	marker := filepath.Join(t.TempDir(), "freezing")

	cmd := s.Command(t.Context(), []string{
		envFakePlugin + "=" + fakeHang, envFakeMarker + "=" + marker}, "commit", slug)
	var stderr e2e.SyncBuffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e2e.WaitForPath(t, marker)
	// Ctrl-C in a terminal signals the whole process group, the plugin
	// included; the host must still be the one that winds things up.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d after SIGINT, want 130", code)
	}
	e2e.AssertContains(t, "stderr", stderr.String(), "interrupted, nothing was recorded",
		"Ctrl-C again to quit at once")
	e2e.AssertUnchanged(t, s.StateRoot, before)
	if _, err := os.Stat(marker + ".undone"); err != nil {
		t.Errorf("bottle exited before the plugin finished undoing its work: %v", err)
	}
}

func TestCommitRefusesABusyBottle(t *testing.T) {
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("busy")
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	b, err := state.Store{Root: s.StateRoot}.Open(slug)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := b.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	before := e2e.Snapshot(t, s.StateRoot)

	res := s.Bottle(nil, "commit", slug)

	if res.Code != 1 {
		t.Errorf("exit code %d, want 1", res.Code)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "another bottle command is working on",
		"hint: wait for the other command to finish")
	e2e.AssertUnchanged(t, s.StateRoot, before)
}
