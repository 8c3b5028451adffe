package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/bot-bottle/bottle/internal/testbottle"
	"github.com/bot-bottle/bottle/state"
)

func TestCommitDockerEndToEnd(t *testing.T) {
	requireDocker(t)
	s := newSandbox(t)
	slug := randomSlug("e2e")
	name := startBottle(t, slug)
	dir := s.newBottleState(slug, pythonMetadata(slug, "docker"))
	before := snapshot(t, dir)

	res := s.bottle(nil, "commit", slug)

	if res.code != 0 {
		t.Fatalf("bottle commit exited %d:\n%s", res.code, res.stderr)
	}
	tag := committedTag(slug)
	if res.stdout != tag+"\n" {
		t.Errorf("stdout = %q, want the reference alone: %q", res.stdout, tag+"\n")
	}
	wantStderr := "to resume from this snapshot: bottle resume " + slug + "\n" +
		"to export for migration: docker image save -o " + slug + ".tar " + tag + "\n"
	if res.stderr != wantStderr {
		t.Errorf("stderr =\n%s\nwant\n%s", res.stderr, wantStderr)
	}

	var labels map[string]string
	raw := docker(t, "image", "inspect", "--format", "{{json .Config.Labels}}", tag)
	if err := json.Unmarshal([]byte(raw), &labels); err != nil {
		t.Fatal(err)
	}
	if labels["io.bot-bottle.slug"] != slug {
		t.Errorf("image labels %v lack io.bot-bottle.slug=%s", labels, slug)
	}
	committedAt, err := time.Parse(time.RFC3339, labels["io.bot-bottle.committed-at"])
	if err != nil || time.Since(committedAt) > 10*time.Minute {
		t.Errorf("label io.bot-bottle.committed-at = %q (%v), want a recent RFC 3339 time",
			labels["io.bot-bottle.committed-at"], err)
	}

	// The state has the record, and everything else as it was.
	want := before
	want["/committed-image"] = tag + "\n"
	want["/.preserve"] = ""
	assertUnchanged(t, dir, want)

	if got := docker(t, "inspect", "--format", "{{.State.Status}}", name); got != "running" {
		t.Errorf("container is %s after commit, want running", got)
	}
	got := docker(t, "run", "--rm", tag, "cat", "/work/hello.txt")
	if got != "hello from "+slug {
		t.Errorf("a container from the committed image reads %q", got)
	}
}

func TestCommitDockerTwiceReplacesTheRecord(t *testing.T) {
	requireDocker(t)
	s := newSandbox(t)
	slug := randomSlug("e2e")
	startBottle(t, slug)
	dir := s.newBottleState(slug, "") // no metadata.json: docker, by default

	first := s.bottle(nil, "commit", slug)
	firstID := docker(t, "image", "inspect", "--format", "{{.Id}}", committedTag(slug))
	second := s.bottle(nil, "commit", slug)
	secondID := docker(t, "image", "inspect", "--format", "{{.Id}}", committedTag(slug))

	if first.code != 0 || second.code != 0 {
		t.Fatalf("commits exited %d and %d:\n%s%s", first.code, second.code,
			first.stderr, second.stderr)
	}
	if firstID == secondID {
		t.Errorf("second commit left the image as it was (%s)", firstID)
	}
	b, _ := state.Store{Root: s.stateRoot}.Open(slug)
	if ref, _ := b.CommittedImage(); ref != committedTag(slug) {
		t.Errorf("committed-image = %q", ref)
	}
	if _, err := os.Stat(filepath.Join(dir, ".preserve")); err != nil {
		t.Errorf("no .preserve after commit: %v", err)
	}
}

func TestCommitDockerFollowsTheCurrentContext(t *testing.T) {
	requireDocker(t)
	if os.Getenv("DOCKER_HOST") != "" || os.Getenv("DOCKER_CONTEXT") != "" {
		t.Skip("the engine is chosen by DOCKER_HOST or DOCKER_CONTEXT here")
	}
	s := newSandbox(t)
	slug := randomSlug("e2e")
	startBottle(t, slug)
	s.newBottleState(slug, pythonMetadata(slug, "docker"))
	config := t.TempDir()
	host := docker(t, "context", "inspect", "--format", "{{.Endpoints.docker.Host}}")
	if err := testbottle.WriteDockerContext(config, "e2e", host); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(config, "config.json"), `{"currentContext": "e2e"}`)

	res := s.bottle([]string{"DOCKER_CONFIG=" + config, "BOTTLE_LOG_LEVEL=debug"},
		"commit", slug)

	if res.code != 0 {
		t.Fatalf("exit code %d:\n%s", res.code, res.stderr)
	}
	assertContains(t, "debug log", res.stderr, `endpoint="docker context e2e"`)
}

func TestCommitDockerWarnsAboutMounts(t *testing.T) {
	requireDocker(t)
	s := newSandbox(t)
	slug := randomSlug("e2e")
	mount := t.TempDir()
	startBottle(t, slug, "-v", mount+":/data")
	s.newBottleState(slug, pythonMetadata(slug, ""))

	res := s.bottle(nil, "commit", slug)

	if res.code != 0 {
		t.Fatalf("bottle commit exited %d:\n%s", res.code, res.stderr)
	}
	assertContains(t, "stderr", res.stderr,
		"warning: mounts are not part of the image, so their data is not in it: /data ("+mount+")")
}

// Every way a commit can fail must say what went wrong and what to do,
// exit non-zero, and leave the bottle's state as it was.
func TestCommitFailures(t *testing.T) {
	tests := []struct {
		name       string
		needDocker bool
		setup      func(s *sandbox, slug string) (env []string)
		slug       string // default: a fresh random slug with state
		wantCode   int
		wantStderr []string
	}{{
		name:       "no such container",
		needDocker: true,
		wantCode:   1,
		wantStderr: []string{"No such container: bot-bottle-", "hint: the bottle is not running"},
	}, {
		name: "engine down",
		setup: func(s *sandbox, _ string) []string {
			return []string{"DOCKER_HOST=unix://" + filepath.Join(s.t.TempDir(), "dead.sock")}
		},
		wantCode:   1,
		wantStderr: []string{"dead.sock", "hint: start the Docker engine"},
	}, {
		name: "docker context with no engine behind it",
		setup: func(s *sandbox, _ string) []string {
			config := s.t.TempDir()
			dead := "unix://" + filepath.Join(s.t.TempDir(), "ctx.sock")
			if err := testbottle.WriteDockerContext(config, "elsewhere", dead); err != nil {
				s.t.Fatal(err)
			}
			return []string{"DOCKER_HOST=", "DOCKER_CONFIG=" + config,
				"DOCKER_CONTEXT=elsewhere"}
		},
		wantCode:   1,
		wantStderr: []string{"ctx.sock", "hint: start the Docker engine"},
	}, {
		name:       "unknown slug",
		slug:       "never-launched",
		wantCode:   1,
		wantStderr: []string{`no such bottle "never-launched"`, "hint: check the slug"},
	}, {
		name:       "slug that leaves the state root",
		slug:       "../../etc",
		wantCode:   1,
		wantStderr: []string{`invalid slug "../../etc"`},
	}, {
		name: "unknown backend",
		setup: func(s *sandbox, slug string) []string {
			mustWrite(s.t, filepath.Join(s.stateRoot, slug, "metadata.json"),
				pythonMetadata(slug, "qemu"))
			return nil
		},
		wantCode: 1,
		wantStderr: []string{`no plugin for backend "qemu" (plugins found: docker)`,
			"hint: install bottle-plugin-qemu"},
	}, {
		name: "no plugin found",
		setup: func(s *sandbox, _ string) []string {
			s.pluginPath = s.t.TempDir()
			return []string{"PATH=" + s.t.TempDir()}
		},
		wantCode:   1,
		wantStderr: []string{`no plugin for backend "docker" (plugins found: none)`},
	}, {
		name: "plugin exits at once",
		setup: func(s *sandbox, _ string) []string {
			s.installScriptPlugin("docker", "echo 'cannot load config' >&2; exit 3")
			return nil
		},
		wantCode: 1,
		wantStderr: []string{"bottle-plugin-docker exited before the handshake",
			"cannot load config", "hint: reinstall the plugin"},
	}, {
		name: "plugin prints garbage",
		setup: func(s *sandbox, _ string) []string {
			s.installScriptPlugin("docker", "echo 'Hello, world!'; sleep 5")
			return nil
		},
		wantCode: 1,
		wantStderr: []string{
			`bottle-plugin-docker is not a bottle plugin: it printed "Hello, world!"`},
	}, {
		name: "plugin dies during freeze",
		setup: func(s *sandbox, _ string) []string {
			s.installFakePlugin("docker")
			return []string{envFakePlugin + "=" + fakeCrash}
		},
		wantCode:   1,
		wantStderr: []string{"exited during the call", "out of cheese"},
	}, {
		name: "confirmation needed without a terminal",
		setup: func(s *sandbox, _ string) []string {
			s.installFakePlugin("docker")
			return []string{envFakePlugin + "=" + fakeAsk}
		},
		wantCode:   1,
		wantStderr: []string{"no terminal to answer on", "hint: run bottle in a terminal, or pass --yes"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needDocker {
				requireDocker(t)
			}
			s := newSandbox(t)
			slug := tt.slug
			if slug == "" {
				slug = randomSlug("fail")
				s.newBottleState(slug, pythonMetadata(slug, "docker"))
			}
			var env []string
			if tt.setup != nil {
				env = tt.setup(s, slug)
			}
			before := snapshot(t, s.stateRoot)

			res := s.bottle(env, "commit", slug)

			if res.code != tt.wantCode {
				t.Errorf("exit code %d, want %d", res.code, tt.wantCode)
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
			assertContains(t, "stderr", res.stderr, tt.wantStderr...)
			assertUnchanged(t, s.stateRoot, before)
		})
	}
}

func TestCommitAnswersThroughTheHost(t *testing.T) {
	s := newSandbox(t)
	s.installFakePlugin("fake")
	slug := randomSlug("ask")
	dir := s.newBottleState(slug, pythonMetadata(slug, "fake"))

	res := s.bottle([]string{envFakePlugin + "=" + fakeAsk}, "commit", "--yes", slug)

	if res.code != 0 {
		t.Fatalf("exit code %d:\n%s", res.code, res.stderr)
	}
	if res.stdout != "fake-artifact-"+slug+"\n" {
		t.Errorf("stdout = %q", res.stdout)
	}
	want := "stop bot-bottle-" + slug + "? the agent's session will end [y/N]: yes (--yes)\n" +
		"warning: fake warning\n" +
		"fake note\n" +
		"to resume from this snapshot: bottle resume " + slug + "\n" +
		"to export for migration: cp fake " + slug + ".fake\n"
	if res.stderr != want {
		t.Errorf("stderr =\n%s\nwant\n%s", res.stderr, want)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "committed-image")); string(data) !=
		"fake-artifact-"+slug+"\n" {
		t.Errorf("committed-image = %q", data)
	}
}

func TestCommitInterruptedLeavesStateAlone(t *testing.T) {
	s := newSandbox(t)
	s.installFakePlugin("docker")
	slug := randomSlug("intr")
	s.newBottleState(slug, pythonMetadata(slug, "docker"))
	before := snapshot(t, s.stateRoot)
	marker := filepath.Join(t.TempDir(), "freezing")

	cmd := s.command(t.Context(), []string{
		envFakePlugin + "=" + fakeHang, envFakeMarker + "=" + marker}, "commit", slug)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForPath(t, marker)
	// Ctrl-C in a terminal signals the whole process group, the plugin
	// included; the host must still be the one that winds things up.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d after SIGINT, want 130", code)
	}
	assertContains(t, "stderr", stderr.String(), "interrupted, nothing was recorded")
	assertUnchanged(t, s.stateRoot, before)
}

func TestCommitRefusesABusyBottle(t *testing.T) {
	s := newSandbox(t)
	slug := randomSlug("busy")
	s.newBottleState(slug, pythonMetadata(slug, "docker"))
	b, err := state.Store{Root: s.stateRoot}.Open(slug)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := b.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	before := snapshot(t, s.stateRoot)

	res := s.bottle(nil, "commit", slug)

	if res.code != 1 {
		t.Errorf("exit code %d, want 1", res.code)
	}
	assertContains(t, "stderr", res.stderr, "another bottle command is working on",
		"hint: wait for the other command to finish")
	assertUnchanged(t, s.stateRoot, before)
}

func waitForPath(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
