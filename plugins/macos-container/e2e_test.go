package main

// End-to-end tests of the macos-container backend: the built bottle and
// plugin binaries, with the fake `container` of fake_container_test.go
// first on PATH.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
	"github.com/bot-bottle/bottle/plugin/shared"
)

var bins *e2e.Binaries

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "container" {
		os.Exit(fakeContainerCLI(os.Args[1:]))
	}
	os.Exit(e2e.Main(m, &bins))
}

// world is a sandbox with the fake `container` installed and one bottle.
type world struct {
	*e2e.Sandbox
	slug, name, stateDir, fakeHome, tmp string
}

// agentContainer is a bottle as the launcher starts one.
func agentContainer(state string) fakeContainer {
	return fakeContainer{
		State: state, Image: "docker.io/library/bot-bottle:dev",
		Exe: "/usr/local/bin/agent", Args: []string{"--serve", "/work"},
		Env:     []string{"PATH=/usr/local/bin:/usr/bin:/bin", "AGENT_MODE=dev $HOME \"q\""},
		Workdir: "/work", User: "1000:1000",
		Labels: map[string]string{"org.example.team": "tools"},
		Files:  map[string]string{"/work/hello.txt": "hello from the agent"},
	}
}

func newWorld(t *testing.T, c *fakeContainer, cliVersion string) *world {
	t.Helper()
	w := &world{Sandbox: e2e.NewSandbox(t, bins), slug: e2e.RandomSlug("mac")}
	w.name = "bot-bottle-" + w.slug
	w.fakeHome, w.tmp = t.TempDir(), t.TempDir()
	w.InstallFake("container")
	w.Env = append(w.Env, envFakeHome+"="+w.fakeHome, envFakeVersion+"="+cliVersion,
		"TMPDIR="+w.tmp)
	w.stateDir = w.NewBottleState(w.slug, e2e.PythonMetadata(w.slug, "macos-container"))
	world := &fakeWorld{Containers: map[string]*fakeContainer{}, Images: map[string]*fakeImage{}}
	if c != nil {
		world.Containers[w.name] = c
	}
	if err := saveWorld(w.fakeHome, world); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) world() *fakeWorld {
	w.T.Helper()
	fw, err := loadWorld(w.fakeHome)
	if err != nil {
		w.T.Fatal(err)
	}
	return fw
}

var exportDir = regexp.MustCompile(`bottle-export-[0-9]+`)

// calls returns the `container` command lines run so far, with the
// temporary directory written as <tmp>/<ctx>.
func (w *world) calls() string {
	data, _ := os.ReadFile(filepath.Join(w.fakeHome, "calls.log"))
	text := strings.ReplaceAll(string(data), w.tmp, "<tmp>")
	text = strings.ReplaceAll(text, w.name, "<name>")
	return strings.TrimSpace(exportDir.ReplaceAllString(text, "<ctx>"))
}

func (w *world) assertCalls(want ...string) {
	w.T.Helper()
	if got := w.calls(); got != strings.Join(want, "\n") {
		w.T.Errorf("container calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// assertNoTemporaryFiles checks that the build context is gone.
func (w *world) assertNoTemporaryFiles() {
	w.T.Helper()
	if left, _ := os.ReadDir(w.tmp); len(left) > 0 {
		w.T.Errorf("temporary files left behind: %v", left)
	}
}

const tag = "bot-bottle-committed-%s:latest"

var exportAndBuild = []string{
	"container export -o <tmp>/<ctx>/rootfs.tar <name>",
	"container build -t bot-bottle-committed-%s:latest -f <tmp>/<ctx>/Dockerfile <tmp>/<ctx>",
	"container image inspect bot-bottle-committed-%s:latest",
}

func (w *world) expectedCalls(middle ...string) []string {
	calls := append([]string{"container --version", "container inspect <name>"}, middle...)
	for _, c := range exportAndBuild {
		calls = append(calls, strings.ReplaceAll(c, "%s", w.slug))
	}
	return calls
}

func TestCommitLiveExport(t *testing.T) {
	original := agentContainer("running")
	w := newWorld(t, &original, "1.2.1")
	before := e2e.Snapshot(t, w.stateDir)

	res := w.Bottle(nil, "commit", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	ref := fmt.Sprintf(tag, w.slug)
	if res.Stdout != ref+"\n" {
		t.Errorf("stdout = %q, want %q", res.Stdout, ref)
	}
	want := "to resume from this snapshot: bottle resume " + w.slug + "\n" +
		"to export for migration: container image save -o " + w.slug + ".tar " + ref + "\n"
	if res.Stderr != want {
		t.Errorf("stderr =\n%s\nwant\n%s", res.Stderr, want)
	}
	w.assertCalls(w.expectedCalls()...)
	w.assertNoTemporaryFiles()

	fw := w.world()
	if got := fw.Containers[w.name].State; got != "running" {
		t.Errorf("container is %s after a live export, want running", got)
	}
	assertImageLikeContainer(t, fw.Images["docker.io/library/"+ref], original, w.slug)

	after := before
	after["/committed-image"] = ref + "\n"
	after["/.preserve"] = ""
	after["/committed-backend-data"] = `{"version":1}`
	e2e.AssertUnchanged(t, w.stateDir, after)
}

// assertImageLikeContainer checks that the image starts as the
// container did: same files, environment, directory, user, process and
// labels, plus the bottle's own labels.
func assertImageLikeContainer(t *testing.T, img *fakeImage, c fakeContainer, slug string) {
	t.Helper()
	if img == nil {
		t.Fatal("no image was built")
	}
	wantCmd := append([]string{c.Exe}, c.Args...)
	got := fmt.Sprint(img.Files, img.Env, img.Workdir, img.User, img.Cmd)
	want := fmt.Sprint(c.Files, c.Env, c.Workdir, c.User, wantCmd)
	if got != want {
		t.Errorf("image:\n%s\nwant:\n%s", got, want)
	}
	if img.Labels["org.example.team"] != "tools" || img.Labels[shared.LabelSlug] != slug ||
		img.Labels[shared.LabelCommittedAt] == "" {
		t.Errorf("image labels = %v", img.Labels)
	}
}

func TestCommitStopsFirstBefore121(t *testing.T) {
	for _, version := range []string{"1.0.0", "0.5.0"} {
		t.Run(version, func(t *testing.T) {
			original := agentContainer("running")
			w := newWorld(t, &original, version)

			res := w.Bottle(nil, "commit", "--yes", w.slug)

			if res.Code != 0 {
				t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
			}
			w.assertCalls(w.expectedCalls("container stop <name>")...)
			e2e.AssertContains(t, "stderr", res.Stderr,
				"container "+version+" exports only stopped containers (live export needs "+
					"1.2.1), and stopping "+w.name+" ends the agent's session in it. "+
					"Stop it? [y/N]: yes (--yes)",
				w.name+" is stopped now; bring the bottle back with `container start "+
					w.name+"`")
			fw := w.world()
			if got := fw.Containers[w.name].State; got != "stopped" {
				t.Errorf("container is %s, want stopped", got)
			}
			assertImageLikeContainer(t, fw.Images["docker.io/library/"+
				fmt.Sprintf(tag, w.slug)], original, w.slug)
			w.assertNoTemporaryFiles()
		})
	}
}

func TestCommitStoppedContainerAsksNothing(t *testing.T) {
	c := agentContainer("stopped")
	c.Mounts = []string{"/Users/dev/project:/work/project"}
	w := newWorld(t, &c, "1.0.0")

	res := w.Bottle(nil, "commit", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	w.assertCalls(w.expectedCalls()...)
	e2e.AssertContains(t, "stderr", res.Stderr,
		"warning: mounts are not part of the artifact, so their data is not in it: /work/project")
}

func TestCommitDeclinedOnTerminal(t *testing.T) {
	c := agentContainer("running")
	w := newWorld(t, &c, "1.0.0")
	before := e2e.Snapshot(t, w.stateDir)

	shown, code := w.AnswerOnTerminal(nil, "Stop it? [y/N]: ", "no\n", "commit", w.slug)

	if code != 0 {
		t.Errorf("exit code %d, want 0; terminal showed:\n%s", code, shown)
	}
	e2e.AssertContains(t, "terminal", shown, "cancelled: nothing was changed")
	w.assertCalls("container --version", "container inspect <name>")
	if got := w.world().Containers[w.name].State; got != "running" {
		t.Errorf("container is %s after a declined commit, want running", got)
	}
	e2e.AssertUnchanged(t, w.stateDir, before)
}

// Every refusal and failure leaves the container as it was, the state
// as it was, and no temporary file behind.
func TestCommitFailures(t *testing.T) {
	running := agentContainer("running")
	tests := []struct {
		name      string
		container *fakeContainer
		version   string
		env       []string
		args      []string
		wantCalls []string // after --version and inspect
		wantErr   []string
	}{{
		name:    "no such container (1.x)",
		version: "1.2.1",
		wantErr: []string{`Error: notFound: "container not found: bot-bottle-`,
			"hint: the bottle is not running"},
	}, {
		name:    "no such container (0.x prints [])",
		version: "0.5.0",
		wantErr: []string{"not found", "hint: the bottle is not running"},
	}, {
		name:      "service not running",
		container: &running,
		version:   "1.2.1",
		env:       []string{envFakeService + "=down"},
		wantErr: []string{"XPC connection error",
			"hint: start the container service with `container system start`"},
	}, {
		name:    "container not installed",
		version: "1.2.1",
		env:     []string{"PATH=/nonexistent"},
		wantErr: []string{"hint: install Apple's container tool"},
	}, {
		name:      "running container, old release, no terminal",
		container: &running,
		version:   "1.0.0",
		wantErr:   []string{"no terminal to answer on", "pass --yes"},
	}, {
		name:      "disk full half way through the export",
		container: &running,
		version:   "1.0.0",
		args:      []string{"--yes"},
		env:       []string{envFakeFail + "=export-disk-full"},
		wantCalls: []string{"container stop <name>",
			"container export -o <tmp>/<ctx>/rootfs.tar <name>", "container start <name>"},
		wantErr: []string{"No space left on device", "hint: free some disk space"},
	}, {
		name:      "build fails after a live export",
		container: &running,
		version:   "1.2.1",
		env:       []string{envFakeFail + "=build"},
		wantCalls: []string{"container export -o <tmp>/<ctx>/rootfs.tar <name>",
			"container build -t bot-bottle-committed-<slug>:latest -f " +
				"<tmp>/<ctx>/Dockerfile <tmp>/<ctx>"},
		wantErr: []string{"builder exited with status 1"},
	}, {
		name:      "stop fails",
		container: &running,
		version:   "1.0.0",
		args:      []string{"--yes"},
		env:       []string{envFakeFail + "=stop"},
		wantCalls: []string{"container stop <name>"},
		wantErr:   []string{"failed to stop container", "the operation timed out"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *fakeContainer
			if tt.container != nil {
				copied := *tt.container
				c = &copied
			}
			w := newWorld(t, c, tt.version)
			e2e.MustWrite(t, filepath.Join(w.stateDir, "committed-image"), "old:latest\n")
			before := e2e.Snapshot(t, w.stateDir)

			res := w.Bottle(tt.env, append(append([]string{"commit"}, tt.args...), w.slug)...)

			if res.Code != 1 || res.Stdout != "" {
				t.Errorf("exit code %d, stdout %q; want 1 and nothing", res.Code, res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.wantErr...)
			e2e.AssertUnchanged(t, w.stateDir, before)
			w.assertNoTemporaryFiles()
			if c == nil || tt.env != nil && strings.Contains(tt.env[0], "SERVICE") {
				return
			}
			want := []string{"container --version", "container inspect <name>"}
			for _, call := range tt.wantCalls {
				want = append(want, strings.ReplaceAll(call, "<slug>", w.slug))
			}
			w.assertCalls(want...)
			if got := w.world().Containers[w.name].State; got != "running" {
				t.Errorf("container is %s after a failed commit, want running", got)
			}
			if len(w.world().Images) != 0 {
				t.Errorf("images were built: %v", w.world().Images)
			}
		})
	}
}
