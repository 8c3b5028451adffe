package main

// End-to-end tests of the docker backend: the built bottle and plugin
// binaries against a real Docker engine. Without one they skip, unless
// BOTTLE_TEST_REQUIRE_DOCKER is set, as CI does.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/internal/testbottle"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// envRequireDocker turns the skip of Docker tests into a failure.
const envRequireDocker = "BOTTLE_TEST_REQUIRE_DOCKER"

var bins *e2e.Binaries

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "ssh" {
		os.Exit(fakeSSH(os.Args[1:]))
	}
	os.Exit(e2e.Main(m, &bins))
}

// envFakeSSHLog names the file where the fake ssh records its command
// lines.
const envFakeSSHLog = "FAKE_SSH_LOG"

// fakeSSH stands in for ssh to a remote Docker host: it records its
// arguments and runs the remote command (docker system dial-stdio) on
// this machine, where the test's engine is, as if logged in there.
func fakeSSH(args []string) int {
	if log := os.Getenv(envFakeSSHLog); log != "" {
		f, _ := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fmt.Fprintln(f, "ssh "+strings.Join(args, " "))
		f.Close()
	}
	i := slices.Index(args, "--")
	if i < 0 || len(args) < i+3 {
		fmt.Fprintln(os.Stderr, "usage: ssh [options] -- host command...")
		return 255
	}
	remote := args[i+2:] // after "--" and the host
	cmd := exec.Command(remote[0], remote[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	for _, kv := range os.Environ() { // the remote shell has its own Docker set-up
		if !strings.HasPrefix(kv, "DOCKER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Run(); err != nil {
		return 255
	}
	return 0
}

func TestCommitEndToEnd(t *testing.T) {
	requireDocker(t)
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("e2e")
	name := startBottle(t, slug)
	dir := s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	before := e2e.Snapshot(t, dir)

	res := s.Bottle(nil, "commit", slug)

	if res.Code != 0 {
		t.Fatalf("bottle commit exited %d:\n%s", res.Code, res.Stderr)
	}
	tag := shared.CommittedImageTag(slug)
	if res.Stdout != tag+"\n" {
		t.Errorf("stdout = %q, want the reference alone: %q", res.Stdout, tag+"\n")
	}
	wantStderr := "to resume from this snapshot: bottle resume " + slug + "\n" +
		"to export for migration: docker image save -o " + slug + ".tar " + tag + "\n"
	if res.Stderr != wantStderr {
		t.Errorf("stderr =\n%s\nwant\n%s", res.Stderr, wantStderr)
	}
	assertLabels(t, tag, slug)

	// The state has the record, and everything else as it was.
	after := e2e.Snapshot(t, dir)
	data, err := decodeResumeData([]byte(after["/committed-backend-data"]))
	if err != nil || data.Version != resumeDataVersion || data.Config.Cmd[0] != "write" {
		t.Errorf("recorded configuration %+v (%v) is not the container's", data, err)
	}
	want := before
	want["/committed-image"] = tag + "\n"
	want["/.preserve"] = ""
	want["/committed-backend-data"] = after["/committed-backend-data"]
	e2e.AssertUnchanged(t, dir, want)

	if got := docker(t, "inspect", "--format", "{{.State.Status}}", name); got != "running" {
		t.Errorf("container is %s after commit, want running", got)
	}
	got := docker(t, "run", "--rm", tag, "cat", "/work/hello.txt")
	if got != "hello from "+slug {
		t.Errorf("a container from the committed image reads %q", got)
	}
}

func assertLabels(t *testing.T, tag, slug string) {
	t.Helper()
	var labels map[string]string
	raw := docker(t, "image", "inspect", "--format", "{{json .Config.Labels}}", tag)
	if err := json.Unmarshal([]byte(raw), &labels); err != nil {
		t.Fatal(err)
	}
	if labels[shared.LabelSlug] != slug {
		t.Errorf("image labels %v lack %s=%s", labels, shared.LabelSlug, slug)
	}
	committedAt, err := time.Parse(time.RFC3339, labels[shared.LabelCommittedAt])
	if err != nil || time.Since(committedAt) > 10*time.Minute {
		t.Errorf("label %s = %q (%v), want a recent RFC 3339 time",
			shared.LabelCommittedAt, labels[shared.LabelCommittedAt], err)
	}
}

func TestCommitTwiceReplacesTheRecord(t *testing.T) {
	requireDocker(t)
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("e2e")
	startBottle(t, slug)
	dir := s.NewBottleState(slug, "") // no metadata.json: docker, by default

	first := s.Bottle(nil, "commit", slug)
	firstID := docker(t, "image", "inspect", "--format", "{{.Id}}", shared.CommittedImageTag(slug))
	second := s.Bottle(nil, "commit", slug)
	secondID := docker(t, "image", "inspect", "--format", "{{.Id}}", shared.CommittedImageTag(slug))

	if first.Code != 0 || second.Code != 0 {
		t.Fatalf("commits exited %d and %d:\n%s%s", first.Code, second.Code,
			first.Stderr, second.Stderr)
	}
	if firstID == secondID {
		t.Errorf("second commit left the image as it was (%s)", firstID)
	}
	b, _ := state.Store{Root: s.StateRoot}.Open(slug)
	if ref, _ := b.CommittedImage(); ref != shared.CommittedImageTag(slug) {
		t.Errorf("committed-image = %q", ref)
	}
	if _, err := os.Stat(filepath.Join(dir, ".preserve")); err != nil {
		t.Errorf("no .preserve after commit: %v", err)
	}
}

func TestCommitFollowsTheCurrentContext(t *testing.T) {
	requireDocker(t)
	if os.Getenv("DOCKER_HOST") != "" || os.Getenv("DOCKER_CONTEXT") != "" {
		t.Skip("the engine is chosen by DOCKER_HOST or DOCKER_CONTEXT here")
	}
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("e2e")
	startBottle(t, slug)
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	config := t.TempDir()
	host := docker(t, "context", "inspect", "--format", "{{.Endpoints.docker.Host}}")
	if err := testbottle.WriteDockerContext(config, "e2e", host); err != nil {
		t.Fatal(err)
	}
	e2e.MustWrite(t, filepath.Join(config, "config.json"), `{"currentContext": "e2e"}`)

	res := s.Bottle([]string{"DOCKER_CONFIG=" + config, "BOTTLE_LOG_LEVEL=debug"},
		"commit", slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	e2e.AssertContains(t, "debug log", res.Stderr, `endpoint="docker context e2e"`)
}

func TestCommitOverSSH(t *testing.T) {
	requireDocker(t)
	s := e2e.NewSandbox(t, bins)
	s.InstallFake("ssh")
	slug := e2e.RandomSlug("ssh")
	startBottle(t, slug)
	s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
	log := filepath.Join(t.TempDir(), "ssh.log")

	res := s.Bottle([]string{"DOCKER_HOST=ssh://agent@buildhost:2222",
		envFakeSSHLog + "=" + log}, "commit", slug)

	if res.Code != 0 {
		t.Fatalf("commit over ssh: exit %d\n%s", res.Code, res.Stderr)
	}
	calls, _ := os.ReadFile(log)
	e2e.AssertContains(t, "ssh command lines", string(calls),
		"ssh -T -o BatchMode=yes -o ConnectTimeout=30 -l agent -p 2222 "+
			"-- buildhost docker system dial-stdio")
	assertLabels(t, shared.CommittedImageTag(slug), slug)
}

func TestCommitWarnsAboutMounts(t *testing.T) {
	requireDocker(t)
	s := e2e.NewSandbox(t, bins)
	slug := e2e.RandomSlug("e2e")
	mount := t.TempDir()
	startBottle(t, slug, "-v", mount+":/data")
	s.NewBottleState(slug, e2e.PythonMetadata(slug, ""))

	res := s.Bottle(nil, "commit", slug)

	if res.Code != 0 {
		t.Fatalf("bottle commit exited %d:\n%s", res.Code, res.Stderr)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "warning: mounts are not part of the artifact, "+
		"so their data is not in it: /data ("+mount+")")
}

// Engine failures must say what went wrong and what to do, exit 1, and
// leave the bottle's state as it was.
func TestCommitEngineFailures(t *testing.T) {
	tests := []struct {
		name       string
		needDocker bool
		env        func(t *testing.T) []string
		wantStderr []string
	}{{
		name:       "no such container",
		needDocker: true,
		env:        func(*testing.T) []string { return nil },
		wantStderr: []string{"No such container: bot-bottle-",
			"hint: the bottle is not running"},
	}, {
		name: "engine down",
		env: func(t *testing.T) []string {
			return []string{"DOCKER_HOST=unix://" + filepath.Join(t.TempDir(), "dead.sock")}
		},
		wantStderr: []string{"dead.sock", "hint: start the Docker engine"},
	}, {
		name: "docker context with no engine behind it",
		env: func(t *testing.T) []string {
			config := t.TempDir()
			dead := "unix://" + filepath.Join(t.TempDir(), "ctx.sock")
			if err := testbottle.WriteDockerContext(config, "elsewhere", dead); err != nil {
				t.Fatal(err)
			}
			return []string{"DOCKER_HOST=", "DOCKER_CONFIG=" + config,
				"DOCKER_CONTEXT=elsewhere"}
		},
		wantStderr: []string{"ctx.sock", "hint: start the Docker engine"},
	}, {
		name:       "slug docker cannot name",
		env:        func(*testing.T) []string { return nil },
		wantStderr: []string{"must be lowercase", "hint: docker image names are lowercase"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needDocker {
				requireDocker(t)
			}
			s := e2e.NewSandbox(t, bins)
			slug := e2e.RandomSlug("fail")
			if strings.HasPrefix(tt.name, "slug") {
				slug = "Upper-Case"
			}
			s.NewBottleState(slug, e2e.PythonMetadata(slug, "docker"))
			before := e2e.Snapshot(t, s.StateRoot)

			res := s.Bottle(tt.env(t), "commit", slug)

			if res.Code != 1 || res.Stdout != "" {
				t.Errorf("exit code %d, stdout %q; want 1 and nothing", res.Code, res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.wantStderr...)
			e2e.AssertUnchanged(t, s.StateRoot, before)
		})
	}
}

// docker runs the docker CLI and returns its trimmed stdout.
func docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("docker %v: %v\n%s", args, err, exit.Stderr)
		}
		t.Fatalf("docker %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

var dockerCheck struct {
	once sync.Once
	err  error
}

// requireDocker skips the test when no Docker engine answers, or fails
// it when BOTTLE_TEST_REQUIRE_DOCKER is set. It also imports the test
// image, once.
func requireDocker(t testing.TB) {
	t.Helper()
	dockerCheck.once.Do(func() {
		out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").
			CombinedOutput()
		if err != nil {
			dockerCheck.err = fmt.Errorf("docker version: %v: %s", err, bytes.TrimSpace(out))
			return
		}
		dockerCheck.err = importAgentImage()
	})
	if dockerCheck.err == nil {
		return
	}
	if os.Getenv(envRequireDocker) != "" {
		t.Fatalf("no usable Docker engine, and %s is set: %v", envRequireDocker, dockerCheck.err)
	}
	t.Skipf("no usable Docker engine (%v); start dockerd to run this test", dockerCheck.err)
}

// agentImage is a FROM-scratch image holding only the agent binary.
const agentImage = "bottle-test-agent:latest"

func importAgentImage() error {
	cmd := exec.Command("docker", "import", "-c", `ENTRYPOINT ["/agent"]`, "-", agentImage)
	tar := exec.Command("tar", "-C", filepath.Dir(bins.Agent), "-c", "agent")
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stdin = pipe
	if err := tar.Start(); err != nil {
		return err
	}
	out, err := cmd.CombinedOutput()
	if werr := tar.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return fmt.Errorf("docker import: %v: %s", err, out)
	}
	return nil
}

// startBottle runs a container named as the launcher names it, whose
// agent writes a file and keeps running. It is removed after the test.
func startBottle(t testing.TB, slug string, runArgs ...string) string {
	t.Helper()
	name := "bot-bottle-" + slug
	args := append([]string{"run", "-d", "--name", name}, runArgs...)
	args = append(args, agentImage, "write", "/work/hello.txt", "hello from "+slug)
	docker(t, args...)
	t.Cleanup(func() {
		exec.Command("docker", "rm", "-f", name).Run()
		removeImages(slug)
	})
	waitForFile(t, name, "/work/hello.txt")
	return name
}

// removeImages removes the bottle's committed image and the ones that
// later commits left untagged, all found by the slug label.
func removeImages(slug string) {
	exec.Command("docker", "image", "rm", "-f", shared.CommittedImageTag(slug)).Run()
	exec.Command("docker", "image", "prune", "-f",
		"--filter", "label="+shared.LabelSlug+"="+slug).Run()
}

func waitForFile(t testing.TB, container, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := exec.Command("docker", "exec", container, "/agent", "cat", path).Run()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s never wrote %s: %v", container, path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
