// Package e2e runs bottle the way users do: the host and plugin
// binaries built fresh and run as separate processes, each test in a
// sandbox with its own state root, plugin path and home. Test packages
// build once in TestMain with Build and open a Sandbox per test.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Plugins are the in-tree backends, by folder under plugins/.
var Plugins = []string{"docker", "macos-container", "smolmachines"}

// Binaries are the programs Build made.
type Binaries struct {
	HostDir   string // holds bottle alone, so its folder offers no plugin
	PluginDir string // holds every in-tree plugin
	Agent     string // static agent program for test images
}

// Build compiles bottle, every in-tree plugin and the test agent into
// dir, static and stripped as `make` builds them.
func Build(dir string) (*Binaries, error) {
	root := moduleRoot()
	bins := &Binaries{
		HostDir:   filepath.Join(dir, "host"),
		PluginDir: filepath.Join(dir, "plugins"),
		Agent:     filepath.Join(dir, "agent", "agent"),
	}
	builds := map[string]string{
		filepath.Join(bins.HostDir, "bottle"): "./cmd/bottle",
		bins.Agent:                            "./internal/testbottle/agent",
	}
	for _, p := range Plugins {
		builds[filepath.Join(bins.PluginDir, "bottle-plugin-"+p)] = "./plugins/" + p
	}
	for out, pkg := range builds {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if output, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
		}
	}
	return bins, nil
}

// moduleRoot is the repository root, found from this source file so
// that tests in any package build the same tree.
func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Sandbox is one test's world.
type Sandbox struct {
	T          testing.TB
	Bins       *Binaries
	StateRoot  string
	PluginPath string   // BOTTLE_PLUGIN_PATH; the in-tree plugins by default
	Env        []string // the environment bottle runs with
}

// NewSandbox gives a test an empty state root and home; the PATH and
// Docker settings of the test process are kept.
func NewSandbox(t testing.TB, bins *Binaries) *Sandbox {
	t.Helper()
	s := &Sandbox{T: t, Bins: bins, StateRoot: t.TempDir(), PluginPath: bins.PluginDir}
	s.Env = []string{
		"HOME=" + t.TempDir(),
		"PATH=" + os.Getenv("PATH"),
		"BOTTLE_STATE_DIR=" + s.StateRoot,
	}
	for _, keep := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG"} {
		if v, ok := os.LookupEnv(keep); ok {
			s.Env = append(s.Env, keep+"="+v)
		}
	}
	return s
}

// Result is what one run of bottle did.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Bottle runs the built bottle with extra environment entries, which
// override the sandbox's.
func (s *Sandbox) Bottle(extraEnv []string, args ...string) Result {
	s.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.Command(ctx, extraEnv, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		s.T.Fatalf("run bottle %v: %v", args, err)
	}
	return Result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// Command prepares a run of bottle without starting it.
func (s *Sandbox) Command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.Bins.HostDir, "bottle"), args...)
	cmd.Env = append(append([]string{"BOTTLE_PLUGIN_PATH=" + s.PluginPath}, s.Env...),
		extraEnv...)
	return cmd
}

// PrependPath puts dir first on the PATH bottle and its plugins see,
// where fakes of backend CLIs go.
func (s *Sandbox) PrependPath(dir string) {
	for i, kv := range s.Env {
		if rest, ok := strings.CutPrefix(kv, "PATH="); ok {
			s.Env[i] = "PATH=" + dir + string(os.PathListSeparator) + rest
		}
	}
}

// NewBottleState creates a bottle's state directory as the launcher
// leaves it, with files a commit must not touch, and returns its path.
func (s *Sandbox) NewBottleState(slug, metadata string) string {
	s.T.Helper()
	dir := filepath.Join(s.StateRoot, slug)
	MustMkdir(s.T, filepath.Join(dir, "transcript"))
	MustWrite(s.T, filepath.Join(dir, "Dockerfile"), "FROM scratch\n")
	MustWrite(s.T, filepath.Join(dir, "transcript", "0001.jsonl"), "{}\n")
	if metadata != "" {
		MustWrite(s.T, filepath.Join(dir, "metadata.json"), metadata)
	}
	return dir
}

// InstallFakePlugin makes the running test binary the plugin for
// backend (its TestMain must serve a plugin when asked to), in a plugin
// directory of its own.
func (s *Sandbox) InstallFakePlugin(backend string) {
	s.T.Helper()
	s.PluginPath = s.T.TempDir()
	s.LinkTestBinary(s.PluginPath, "bottle-plugin-"+backend)
}

// LinkTestBinary links the running test binary into dir under name, so
// that running name runs the test binary (helper-process fakes).
func (s *Sandbox) LinkTestBinary(dir, name string) {
	s.T.Helper()
	exe, err := os.Executable()
	if err != nil {
		s.T.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
		s.T.Fatal(err)
	}
}

// InstallScriptPlugin installs a shell script as the plugin for backend.
func (s *Sandbox) InstallScriptPlugin(backend, script string) {
	s.T.Helper()
	s.PluginPath = s.T.TempDir()
	path := filepath.Join(s.PluginPath, "bottle-plugin-"+backend)
	MustWrite(s.T, path, "#!/bin/sh\n"+script+"\n")
	if err := os.Chmod(path, 0o755); err != nil {
		s.T.Fatal(err)
	}
}

// Main is the body of a TestMain for end-to-end tests: it builds the
// binaries into a temporary directory, sets *bins, runs the tests, and
// returns their exit code.
func Main(m *testing.M, bins **Binaries) int {
	dir, err := os.MkdirTemp("", "bottle-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bins, err = Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// InstallFake puts the running test binary first on the sandbox's PATH
// under a tool's name, so that bottle's plugins run it as that tool.
func (s *Sandbox) InstallFake(tool string) {
	s.T.Helper()
	dir := s.T.TempDir()
	s.LinkTestBinary(dir, tool)
	s.PrependPath(dir)
}

// FakeOnPath puts the running test binary first on this test process's
// PATH under a tool's name; plugins the test starts inherit it.
func FakeOnPath(t *testing.T, tool string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, tool)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}
