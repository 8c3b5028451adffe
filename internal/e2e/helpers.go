package e2e

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// PythonMetadata renders metadata.json as the Python launcher writes it
// (json.dump with its default separators).
func PythonMetadata(slug, backend string) string {
	return fmt.Sprintf(`{"agent_name": "dev", "cwd": "/home/dev/project", `+
		`"copy_cwd": false, "started_at": "2026-12-01T10:00:00+00:00", `+
		`"compose_project": "", "backend": %q, "label": "", "color": "blue", `+
		`"bottle_names": ["bot-bottle-%s"]}`, backend, slug)
}

// Snapshot maps every file under dir to its mode and content, to prove
// that a failed command changed nothing.
func Snapshot(t testing.TB, dir string) map[string]string {
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

// AssertUnchanged fails the test if dir no longer matches before.
func AssertUnchanged(t testing.TB, dir string, before map[string]string) {
	t.Helper()
	after := Snapshot(t, dir)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("files changed:\nbefore %v\n after %v", keys(before), keys(after))
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%s (%d bytes)", k, len(v)))
	}
	sort.Strings(ks)
	return ks
}

// AssertContains fails the test for each want missing from got.
func AssertContains(t testing.TB, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s does not contain %q:\n%s", what, want, got)
		}
	}
}

// RandomSlug returns prefix-xxxxx, as the launcher makes slugs.
func RandomSlug(prefix string) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return prefix + "-" + string(b)
}

// MustMkdir creates dir and its parents.
func MustMkdir(t testing.TB, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
}

// MustWrite writes a file.
func MustWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WaitForPath waits for a file to appear.
func WaitForPath(t testing.TB, path string) {
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

// SyncBuffer is a bytes.Buffer safe to read while a process writes it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
