// End-to-end tests of the bottle binary and its plugins, built fresh by
// TestMain and run as separate processes, against a real Docker engine
// where one answers.
package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// envRequireDocker turns the skip of Docker tests into a failure; CI
// sets it so that a missing engine cannot pass unnoticed.
const envRequireDocker = "BOTTLE_TEST_REQUIRE_DOCKER"

// bins holds the binaries TestMain built.
var bins struct {
	host    string // directory with bottle alone
	plugins string // directory with every in-tree plugin
	agent   string // static agent binary for test images
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(envFakePlugin); mode != "" {
		serveFakePlugin(mode) // this process was started as a plugin
		return
	}
	dir, err := os.MkdirTemp("", "bottle-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err := buildBinaries(dir); err != nil {
		fmt.Fprintln(os.Stderr, "build binaries:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildBinaries(dir string) error {
	bins.host = filepath.Join(dir, "host")
	bins.plugins = filepath.Join(dir, "plugins")
	bins.agent = filepath.Join(dir, "agent", "agent")
	builds := []struct{ out, pkg string }{
		{filepath.Join(bins.host, "bottle"), "../../cmd/bottle"},
		{filepath.Join(bins.plugins, "bottle-plugin-docker"), "../../plugins/docker"},
		{bins.agent, "../../internal/testbottle/agent"},
	}
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %w\n%s", b.pkg, err, out)
		}
	}
	return nil
}

// sandbox is one test's world: a state root, plugin directories and a
// home of its own.
type sandbox struct {
	t          testing.TB
	stateRoot  string
	pluginPath string
	env        []string
}

func newSandbox(t testing.TB) *sandbox {
	t.Helper()
	home := t.TempDir()
	s := &sandbox{t: t, stateRoot: t.TempDir(), pluginPath: bins.plugins}
	s.env = []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"BOTTLE_STATE_DIR=" + s.stateRoot,
	}
	for _, keep := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG"} {
		if v, ok := os.LookupEnv(keep); ok {
			s.env = append(s.env, keep+"="+v)
		}
	}
	return s
}

// result is what one run of bottle did.
type result struct {
	stdout, stderr string
	code           int
}

// bottle runs the built bottle binary with extra environment entries.
func (s *sandbox) bottle(extraEnv []string, args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.command(ctx, extraEnv, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.t.Fatalf("run bottle %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

func (s *sandbox) command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(bins.host, "bottle"), args...)
	cmd.Env = append(append([]string{"BOTTLE_PLUGIN_PATH=" + s.pluginPath}, s.env...),
		extraEnv...)
	return cmd
}

// pythonMetadata renders metadata.json as the Python launcher writes it
// (json.dump with its default separators).
func pythonMetadata(slug, backend string) string {
	return fmt.Sprintf(`{"agent_name": "dev", "cwd": "/home/dev/project", `+
		`"copy_cwd": false, "started_at": "2026-12-01T10:00:00+00:00", `+
		`"compose_project": "", "backend": %q, "label": "", "color": "blue", `+
		`"bottle_names": ["bot-bottle-%s"]}`, backend, slug)
}

// newBottleState creates a bottle's state directory the way the
// launcher leaves it, including files a commit must not touch.
func (s *sandbox) newBottleState(slug, metadata string) string {
	s.t.Helper()
	dir := filepath.Join(s.stateRoot, slug)
	mustMkdir(s.t, filepath.Join(dir, "transcript"))
	mustWrite(s.t, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	mustWrite(s.t, filepath.Join(dir, "transcript", "0001.jsonl"), "{}\n")
	if metadata != "" {
		mustWrite(s.t, filepath.Join(dir, "metadata.json"), metadata)
	}
	return dir
}

// snapshot maps every path under dir to its content, to prove that a
// failed command changed nothing.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[strings.TrimPrefix(path, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func assertUnchanged(t testing.TB, dir string, before map[string]string) {
	t.Helper()
	after := snapshot(t, dir)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("state changed:\nbefore %v\n after %v", before, after)
	}
}

func mustMkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomSlug(prefix string) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return prefix + "-" + string(b)
}

func assertContains(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s does not contain %q:\n%s", what, want, got)
		}
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
// it when BOTTLE_TEST_REQUIRE_DOCKER is set. It also builds the test
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
	tar := exec.Command("tar", "-C", filepath.Dir(bins.agent), "-c", "agent")
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
	exec.Command("docker", "image", "rm", "-f", committedTag(slug)).Run()
	exec.Command("docker", "image", "prune", "-f",
		"--filter", "label=io.bot-bottle.slug="+slug).Run()
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

func committedTag(slug string) string {
	return "bot-bottle-committed-" + slug + ":latest"
}
