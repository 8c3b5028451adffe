package pluginhost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultDirsOrder(t *testing.T) {
	env := map[string]string{
		EnvPluginPath: "/first:/second:",
		"HOME":        "/home/u",
		"PATH":        "/usr/bin:/first:/bin",
	}
	got := DefaultDirs(func(k string) string { return env[k] }, "/opt/bottle/bin/bottle")
	want := []string{"/first", "/second", "/opt/bottle/bin",
		"/home/u/.local/share/bottle/plugins", "/usr/bin", "/bin"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("DefaultDirs() =\n%v\nwant\n%v", got, want)
	}

	env["XDG_DATA_HOME"] = "/xdg"
	got = DefaultDirs(func(k string) string { return env[k] }, "")
	if got[2] != "/xdg/bottle/plugins" {
		t.Errorf("with XDG_DATA_HOME, DefaultDirs() = %v", got)
	}
}

func install(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFindFirstMatchWins(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	install(t, first, "bottle-plugin-docker", 0o644) // not executable: skipped
	want := install(t, second, "bottle-plugin-docker", 0o755)
	install(t, first, "bottle-plugin-smolmachines", 0o755)
	shadowed := install(t, second, "bottle-plugin-smolmachines", 0o755)
	if err := os.Mkdir(filepath.Join(first, "bottle-plugin-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	f := Finder{Dirs: []string{filepath.Join(first, "missing"), first, second}}

	got, err := f.Find("docker")
	if err != nil || got.Path != want {
		t.Errorf("Find(docker) = %v, %v; want %s", got, err, want)
	}
	all := f.All()
	var names []string
	for _, p := range all {
		names = append(names, p.Backend+"="+p.Path)
		if p.Path == shadowed {
			t.Errorf("All() lists the shadowed %s", shadowed)
		}
	}
	if len(all) != 2 || all[0].Backend != "docker" || all[1].Backend != "smolmachines" {
		t.Errorf("All() = %v, want docker and smolmachines, sorted", names)
	}
}

func TestFindMissingNamesWhatWasFound(t *testing.T) {
	dir := t.TempDir()
	install(t, dir, "bottle-plugin-docker", 0o755)
	_, err := Finder{Dirs: []string{dir}}.Find("qemu")

	var nf *NotFoundError
	if !errors.Is(err, ErrNoPlugin) || !errors.As(err, &nf) {
		t.Fatalf("Find(qemu) = %v, want a NotFoundError", err)
	}
	if err.Error() != `no plugin for backend "qemu" (plugins found: docker)` {
		t.Errorf("message = %q", err)
	}
	if !strings.Contains(nf.Advice(), "bottle-plugin-qemu") {
		t.Errorf("advice = %q", nf.Advice())
	}
}

func TestTailWriterKeepsTheLastLines(t *testing.T) {
	w := newTailWriter(2)
	w.Write([]byte("one\ntwo\nthr"))
	w.Write([]byte("ee\nfour"))
	if got := w.quoted(); got != "; its last words on stderr:\n    three\n    four" {
		t.Errorf("quoted() = %q", got)
	}
	if got := newTailWriter(2).quoted(); !strings.Contains(got, "printed nothing") {
		t.Errorf("empty quoted() = %q", got)
	}
}

func TestSocketBaseAvoidsOverlongPaths(t *testing.T) {
	t.Setenv("TMPDIR", "/short")
	if got := socketBase(); got != "/short" {
		t.Errorf("socketBase() with a short TMPDIR = %q", got)
	}
	t.Setenv("TMPDIR", "/"+strings.Repeat("x", 80))
	if got := socketBase(); got != "/tmp" {
		t.Errorf("socketBase() with a long TMPDIR = %q, want /tmp", got)
	}
}

func TestValidateBackend(t *testing.T) {
	for _, ok := range []string{"docker", "macos-container", "my.backend_2"} {
		if err := ValidateBackend(ok); err != nil {
			t.Errorf("ValidateBackend(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden", "-x", "sp ace", "é"} {
		if err := ValidateBackend(bad); !errors.Is(err, ErrInvalidBackend) {
			t.Errorf("ValidateBackend(%q) = %v, want ErrInvalidBackend", bad, err)
		}
	}
}
