package main

// A fake of Apple's `container` CLI, built into this package's test
// binary: run under the name "container" (a symlink placed first on
// PATH), the test binary behaves as `container` does for the commands
// the plugin uses. State lives in a JSON file under $FAKE_CONTAINER_HOME;
// every invocation is appended to calls.log there.
//
// Modelled: releases 0.5.0 (inspect prints a flat status, and [] for an
// unknown ID), 1.0.0 (nested status, notFound errors) and 1.2.1 (export
// of a running container), chosen by $FAKE_CONTAINER_VERSION; container
// states and how stop and start change them; export writing a real tar
// of the container's files; build reading the Dockerfile and the tar
// back into an image; the documented "Error: <code>: ..." messages on
// stderr, exit code 1, and the XPC error with its advice when the
// service is down ($FAKE_CONTAINER_SERVICE=down). $FAKE_CONTAINER_FAIL,
// a comma-separated list, fails steps: "stop", "start", "build",
// "export-disk-full" (half a tar written, then ENOSPC).

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bot-bottle/bottle/internal/e2e/fakecli"
)

const (
	envFakeHome    = "FAKE_CONTAINER_HOME"
	envFakeVersion = "FAKE_CONTAINER_VERSION"
	envFakeService = "FAKE_CONTAINER_SERVICE"
	envFakeFail    = "FAKE_CONTAINER_FAIL"
)

// fakeContainer is one container. Files stands for its filesystem.
type fakeContainer struct {
	State   string            `json:"state"`
	Image   string            `json:"image"`
	Exe     string            `json:"exe"`
	Args    []string          `json:"args"`
	Env     []string          `json:"env"`
	Workdir string            `json:"workdir"`
	User    string            `json:"user"` // "uid:gid" or a name
	Labels  map[string]string `json:"labels"`
	Mounts  []string          `json:"mounts"` // "source:destination"
	CPUs    int               `json:"cpus"`
	Memory  int64             `json:"memory"`
	Files   map[string]string `json:"files"`
}

// fakeImage is a built image, as the fake's build understood it.
type fakeImage struct {
	Digest  string            `json:"digest"`
	Env     []string          `json:"env"`
	Workdir string            `json:"workdir"`
	User    string            `json:"user"`
	Cmd     []string          `json:"cmd"`
	Labels  map[string]string `json:"labels"`
	Files   map[string]string `json:"files"`
}

type fakeWorld struct {
	Containers map[string]*fakeContainer `json:"containers"`
	Images     map[string]*fakeImage     `json:"images"`
}

func fakeCLIVersion() semver {
	var v semver
	fmt.Sscanf(os.Getenv(envFakeVersion)+"", "%d.%d.%d", &v[0], &v[1], &v[2])
	if v == (semver{}) {
		return semver{1, 2, 1}
	}
	return v
}

// fakeContainerCLI runs one command and returns its exit code.
func fakeContainerCLI(args []string) int {
	home := os.Getenv(envFakeHome)
	fakecli.LogCall(home, "container", args)
	if len(args) == 1 && args[0] == "--version" {
		fmt.Printf("container CLI version %s (build: release, commit: 4ac18b5)\n",
			fakeCLIVersion())
		return 0
	}
	if os.Getenv(envFakeService) == "down" {
		fmt.Fprintln(os.Stderr, `Error: interrupted: "XPC connection error: Connection invalid"`+
			"\nEnsure container system service has been started with `container system start`.")
		return 1
	}
	w, err := loadWorld(home)
	if err != nil {
		return fail("internalError", "load state: %v", err)
	}
	code := dispatch(w, args)
	if err := saveWorld(home, w); err != nil {
		return fail("internalError", "save state: %v", err)
	}
	return code
}

func dispatch(w *fakeWorld, args []string) int {
	if len(args) == 0 {
		return usage("missing subcommand")
	}
	rest := args[1:]
	switch args[0] {
	case "inspect":
		return fakeInspect(w, rest)
	case "stop":
		return fakeStopStart(w, rest, "stop", "stopped")
	case "start":
		return fakeStopStart(w, rest, "start", "running")
	case "delete", "rm":
		return fakeDelete(w, rest)
	case "run":
		return fakeRun(w, rest)
	case "export":
		return fakeExport(w, fakecli.Flag(rest, "-o"), fakecli.Last(rest))
	case "build":
		return fakeBuild(w, fakecli.Flag(rest, "-t"), fakecli.Flag(rest, "-f"), fakecli.Last(rest))
	case "image":
		if len(rest) == 2 && rest[0] == "inspect" {
			return fakeImageInspect(w, rest[1])
		}
	}
	return usage("unknown command " + strings.Join(args, " "))
}

func fakeInspect(w *fakeWorld, ids []string) int {
	v := fakeCLIVersion()
	var out []any
	for _, id := range ids {
		c, ok := w.Containers[id]
		if !ok {
			if v.less(semver{1, 0, 0}) {
				continue // 0.x filters unknown IDs out
			}
			return fail("notFound", "container not found: %s", id)
		}
		out = append(out, inspectJSON(id, c, v))
	}
	if out == nil {
		out = []any{}
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(data))
	return 0
}

func inspectJSON(id string, c *fakeContainer, v semver) map[string]any {
	var user any = map[string]any{"raw": map[string]any{"userString": c.User}}
	var uid, gid int
	if n, _ := fmt.Sscanf(c.User, "%d:%d", &uid, &gid); n == 2 {
		user = map[string]any{"id": map[string]any{"uid": uid, "gid": gid}}
	}
	var mounts []any
	for _, m := range c.Mounts {
		source, dest, _ := strings.Cut(m, ":")
		mounts = append(mounts, map[string]any{"destination": dest, "source": source,
			"type": map[string]any{"virtiofs": map[string]any{}}, "options": []string{}})
	}
	config := map[string]any{
		"id": id,
		"image": map[string]any{"reference": c.Image, "descriptor": map[string]any{
			"digest": "sha256:4f2a", "mediaType": "application/vnd.oci.image.index.v1+json",
			"size": 10229}},
		"initProcess": map[string]any{"executable": c.Exe, "arguments": c.Args,
			"environment": c.Env, "workingDirectory": c.Workdir, "user": user,
			"terminal": false, "rlimits": []any{}, "supplementalGroups": []any{}},
		"labels": c.Labels, "mounts": mounts, "networks": []any{},
		"platform":  map[string]any{"architecture": "arm64", "os": "linux"},
		"resources": map[string]any{"cpus": c.CPUs, "memoryInBytes": c.Memory},
	}
	if v.less(semver{1, 0, 0}) {
		return map[string]any{"status": c.State, "configuration": config,
			"networks": []any{}, "startedDate": 786000000.5}
	}
	return map[string]any{"id": id, "configuration": config, "status": map[string]any{
		"state": c.State, "networks": []any{}, "startedDate": "2026-12-01T10:00:05Z"}}
}

func fakeStopStart(w *fakeWorld, ids []string, verb, state string) int {
	for _, id := range ids {
		c, ok := w.Containers[id]
		if !ok {
			return failCause("internalError", "failed to "+verb+" container",
				"notFound", "container with ID "+id+" not found")
		}
		if fakecli.Failing(envFakeFail, verb) {
			return failCause("internalError", "failed to "+verb+" container",
				"timeout", "the operation timed out")
		}
		c.State = state
		fmt.Println(id)
	}
	return 0
}

func fakeDelete(w *fakeWorld, ids []string) int {
	for _, id := range ids {
		c, ok := w.Containers[id]
		switch {
		case !ok:
			return fail("notFound", "container not found: %s", id)
		case c.State == "running":
			return failCause("internalError", "failed to delete container",
				"invalidState", "container "+id+" is running")
		}
		delete(w.Containers, id)
		fmt.Println(id)
	}
	return 0
}

// fakeRun starts a container from a built image, as
// `container run --detach --name N [--volume s:d] [--cpus n] [--memory m] IMAGE`.
func fakeRun(w *fakeWorld, args []string) int {
	name, image := fakecli.Flag(args, "--name"), fakecli.Last(args)
	img, ok := w.Images[normalize(image)]
	switch {
	case !slices.Contains(args, "--detach"):
		return usage("the fake runs detached containers only")
	case !ok:
		return fail("notFound", "image not found: %s", image)
	case w.Containers[name] != nil:
		return fail("exists", "container with id %s already exists", name)
	}
	c := &fakeContainer{State: "running", Image: normalize(image), Env: img.Env,
		Workdir: img.Workdir, User: img.User, Labels: img.Labels, Files: img.Files}
	if len(img.Cmd) > 0 {
		c.Exe, c.Args = img.Cmd[0], img.Cmd[1:]
	}
	for i, a := range args {
		if i+1 < len(args) && a == "--volume" {
			c.Mounts = append(c.Mounts, args[i+1])
		}
	}
	fmt.Sscan(fakecli.Flag(args, "--cpus"), &c.CPUs)
	var mib int64
	fmt.Sscanf(fakecli.Flag(args, "--memory"), "%dM", &mib)
	c.Memory = mib << 20
	w.Containers[name] = c
	fmt.Println(name)
	return 0
}

func fakeExport(w *fakeWorld, out, id string) int {
	c, ok := w.Containers[id]
	switch {
	case !ok:
		return fail("notFound", "container not found: %s", id)
	case c.State == "running" && fakeCLIVersion().less(semver{1, 2, 1}):
		return failCause("internalError", "failed to export container",
			"invalidState", "container is not stopped")
	}
	data := tarOf(c.Files)
	if fakecli.Failing(envFakeFail, "export-disk-full") {
		os.WriteFile(out, data[:len(data)/2], 0o644)
		return failCause("internalError", "failed to export container",
			"unknown", "write "+out+": No space left on device")
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		return fail("internalError", "failed to export container: %v", err)
	}
	return 0
}

func fakeBuild(w *fakeWorld, tag, dockerfile, dir string) int {
	if fakecli.Failing(envFakeFail, "build") {
		fmt.Fprintln(os.Stderr, "#3 [1/1] ADD rootfs.tar /")
		return fail("internalError", "build failed: builder exited with status 1")
	}
	if dockerfile == "" {
		dockerfile = filepath.Join(dir, "Dockerfile")
	}
	text, err := os.ReadFile(dockerfile)
	if err != nil {
		return fail("invalidArgument", "read %s: %v", dockerfile, err)
	}
	img, err := buildImage(string(text), dir)
	if err != nil {
		return fail("internalError", "build failed: %v", err)
	}
	w.Images[normalize(tag)] = img
	fmt.Fprintln(os.Stderr, "#1 [internal] load build definition from Dockerfile\n#2 DONE")
	fmt.Println(normalize(tag))
	return 0
}

// buildImage applies the Dockerfile's instructions the way a builder
// would, for the instructions the plugin writes.
func buildImage(dockerfile, dir string) (*fakeImage, error) {
	img := &fakeImage{Labels: map[string]string{}, Files: map[string]string{}}
	h := sha256.New()
	h.Write([]byte(dockerfile))
	for _, line := range strings.Split(strings.TrimSpace(dockerfile), "\n") {
		instr, arg, _ := strings.Cut(line, " ")
		switch instr {
		case "FROM":
			if arg != "scratch" {
				return nil, fmt.Errorf("cannot pull %s: no registry here", arg)
			}
		case "ADD":
			data, err := os.ReadFile(filepath.Join(dir, strings.Fields(arg)[0]))
			if err != nil {
				return nil, err
			}
			h.Write(data)
			if img.Files, err = untar(data); err != nil {
				return nil, err
			}
		case "ENV", "LABEL":
			key, value, err := keyValue(arg)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", line, err)
			}
			if instr == "ENV" {
				img.Env = append(img.Env, key+"="+value)
			} else {
				img.Labels[key] = value
			}
		case "WORKDIR", "USER":
			value, rest, err := unquote(arg)
			if err != nil || rest != "" {
				return nil, fmt.Errorf("%s: bad word", line)
			}
			if instr == "WORKDIR" {
				img.Workdir = value
			} else {
				img.User = value
			}
		case "CMD":
			if err := json.Unmarshal([]byte(arg), &img.Cmd); err != nil {
				return nil, fmt.Errorf("%s: %w", line, err)
			}
		default:
			return nil, fmt.Errorf("unknown instruction %q", instr)
		}
	}
	img.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return img, nil
}

// keyValue parses key=value where either side may be double-quoted.
func keyValue(s string) (string, string, error) {
	key, rest, err := unquote(s)
	if err != nil || !strings.HasPrefix(rest, "=") {
		return "", "", fmt.Errorf("want key=value")
	}
	value, rest, err := unquote(rest[1:])
	if err != nil || rest != "" {
		return "", "", fmt.Errorf("bad value")
	}
	return key, value, nil
}

// unquote reads one word: a double-quoted string with backslash
// escapes, or bare characters up to '='. Unescaped '$' is refused: a
// builder would expand it.
func unquote(s string) (word, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		i := strings.IndexAny(s, "=")
		if i < 0 {
			i = len(s)
		}
		return s[:i], s[i:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '$':
			return "", "", fmt.Errorf("unescaped $ would expand")
		case '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("unterminated quote")
}

func fakeImageInspect(w *fakeWorld, ref string) int {
	img, ok := w.Images[normalize(ref)]
	if !ok {
		return fail("notFound", "image not found: %s", ref)
	}
	out := []any{map[string]any{"name": normalize(ref), "index": map[string]any{
		"digest": img.Digest, "mediaType": "application/vnd.oci.image.index.v1+json",
		"size": 1024}, "variants": []any{}}}
	data, _ := json.Marshal(out)
	fmt.Println(string(data))
	return 0
}

func normalize(ref string) string {
	if strings.Contains(ref, "/") {
		return ref
	}
	return "docker.io/library/" + ref
}

func tarOf(files map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(name, "/"), Mode: 0o644,
			Size: int64(len(files[name]))})
		tw.Write([]byte(files[name]))
	}
	tw.Close()
	return buf.Bytes()
}

func untar(data []byte) (map[string]string, error) {
	files := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("rootfs.tar: %w", err)
		}
		content, _ := io.ReadAll(tr)
		files["/"+hdr.Name] = string(content)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func fail(code, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "Error: %s: \"%s\"\n", code, fmt.Sprintf(format, args...))
	return 1
}

// failCause prints an error with its cause, as `container` nests them.
func failCause(code, msg, causeCode, cause string) int {
	fmt.Fprintf(os.Stderr, "Error: %s: \"%s\" (cause: \"%s: \"%s\"\")\n",
		code, msg, causeCode, cause)
	return 1
}

func usage(msg string) int {
	fmt.Fprintf(os.Stderr, "Error: %s\nUsage: container <subcommand>\n", msg)
	return 64
}

func loadWorld(home string) (*fakeWorld, error) {
	w := &fakeWorld{Containers: map[string]*fakeContainer{}, Images: map[string]*fakeImage{}}
	return w, fakecli.Load(filepath.Join(home, "state.json"), w)
}

func saveWorld(home string, w *fakeWorld) error {
	return fakecli.Save(filepath.Join(home, "state.json"), w)
}
