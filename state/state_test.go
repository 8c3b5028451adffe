package state

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newBottle(t *testing.T, slug string) *Bottle {
	t.Helper()
	b, err := Store{Root: t.TempDir()}.Create(slug)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestValidateSlug(t *testing.T) {
	tests := []struct {
		slug    string
		wantErr string
	}{
		{"dev-abc12", ""},
		{"My_Label.2", ""},
		{strings.Repeat("a", 64), ""},
		{"", "empty"},
		{strings.Repeat("a", 65), "longer than 64"},
		{".", "start with a letter or digit"},
		{"..", "start with a letter or digit"},
		{".hidden", "start with a letter or digit"},
		{"-rf", "start with a letter or digit"},
		{"_x", "start with a letter or digit"},
		{"a/b", `'/' is not allowed`},
		{"a/../../etc", `'/' is not allowed`},
		{"has space", `' ' is not allowed`},
		{"tab\there", `'\t' is not allowed`},
		{"café", `'é' is not allowed`},
		{"semi;colon", `';' is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.slug, func(t *testing.T) {
			err := ValidateSlug(tt.slug)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ValidateSlug(%q) = %v, want nil", tt.slug, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidSlug) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ValidateSlug(%q) = %v, want ErrInvalidSlug with %q",
					tt.slug, err, tt.wantErr)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "dev-abc12"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(root, "a-file"), "")
	store := Store{Root: root}

	b, err := store.Open("dev-abc12")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "bot-bottle-dev-abc12" {
		t.Errorf("Name() = %q", b.Name())
	}
	if _, err := store.Open("dev-zzzzz"); !errors.Is(err, ErrNoBottle) {
		t.Errorf("Open(missing) = %v, want ErrNoBottle", err)
	}
	_, err = store.Open("a-file")
	if err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Open(file) = %v, want a not-a-directory error", err)
	}
	if _, err := store.Open("../etc"); !errors.Is(err, ErrInvalidSlug) {
		t.Errorf("Open(../etc) = %v, want ErrInvalidSlug", err)
	}
}

func TestDefaultRoot(t *testing.T) {
	t.Setenv(EnvRoot, "")
	t.Setenv("HOME", "/home/someone")
	if got, _ := DefaultRoot(); got != "/home/someone/.bot-bottle/state" {
		t.Errorf("DefaultRoot() = %q", got)
	}
	t.Setenv(EnvRoot, "/srv/state")
	if got, _ := DefaultRoot(); got != "/srv/state" {
		t.Errorf("DefaultRoot() with %s = %q", EnvRoot, got)
	}
}

// pythonMetadata is metadata.json as the launcher writes it with
// json.dump: every key, and one it added after this port was written.
const pythonMetadata = `{"agent_name": "dev", "cwd": "/home/u/proj", "copy_cwd": true,
 "started_at": "2026-11-30T09:12:44Z", "compose_project": "bb-dev-abc12",
 "backend": "smolmachines", "label": null, "color": "cyan",
 "bottle_names": ["bot-bottle-dev-abc12"], "future_key": {"nested": [1, 2]}}`

func TestMetadataFromPython(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	writeFile(t, b.path(MetadataFile), pythonMetadata)

	md, err := b.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if md.AgentName != "dev" || !md.CopyCwd || md.Backend != "smolmachines" ||
		md.Label != "" || len(md.BottleNames) != 1 {
		t.Errorf("Metadata() = %+v", md)
	}
	if md.BackendName() != "smolmachines" {
		t.Errorf("BackendName() = %q", md.BackendName())
	}
	if string(md.Raw) != pythonMetadata {
		t.Errorf("Raw is not the file as read")
	}
}

func TestMetadataDefaults(t *testing.T) {
	b := newBottle(t, "old-bottle")

	md, err := b.Metadata()
	if err != nil || md.BackendName() != "docker" || md.Raw != nil {
		t.Fatalf("no file: Metadata() = %+v, %v; want zero metadata, docker", md, err)
	}

	writeFile(t, b.path(MetadataFile), `{"agent_name": "dev"}`)
	md, err = b.Metadata()
	if err != nil || md.Backend != "" || md.BackendName() != "docker" {
		t.Fatalf("no backend key: Metadata() = %+v, %v; want docker", md, err)
	}

	writeFile(t, b.path(MetadataFile), `{"agent_name": `)
	if _, err := b.Metadata(); err == nil || !strings.Contains(err.Error(), MetadataFile) {
		t.Fatalf("truncated file: Metadata() error = %v, want one naming the file", err)
	}
}

func TestMetadataRoundTripKeepsUnknownKeys(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	writeFile(t, b.path(MetadataFile), pythonMetadata)
	md, err := b.Metadata()
	if err != nil {
		t.Fatal(err)
	}

	md.Color = "red"
	if err := b.WriteMetadata(md); err != nil {
		t.Fatal(err)
	}

	var got, want map[string]any
	data, _ := os.ReadFile(b.path(MetadataFile))
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(pythonMetadata), &want)
	want["color"] = "red"
	want["label"] = ""
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("written metadata:\n got %s\nwant %s", g, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v) // maps marshal with sorted keys
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRecordCommit(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	writeFile(t, b.path("Dockerfile"), "FROM scratch\n")

	if ref, _ := b.CommittedImage(); ref != "" {
		t.Fatalf("CommittedImage() before any commit = %q", ref)
	}
	for _, ref := range []string{"bot-bottle-committed-dev-abc12:latest", "/abs/x.smolmachine"} {
		if err := b.RecordCommit(ref, nil); err != nil {
			t.Fatal(err)
		}
		if got, err := b.CommittedImage(); got != ref || err != nil {
			t.Errorf("CommittedImage() = %q, %v; want %q", got, err, ref)
		}
	}
	if ok, err := b.Preserved(); !ok || err != nil {
		t.Errorf("Preserved() = %v, %v; want true", ok, err)
	}
	entries, _ := os.ReadDir(b.Dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != ".preserve Dockerfile committed-image" {
		t.Errorf("state directory holds %q; want no temporary files left", got)
	}
	if err := b.RecordCommit("two\nlines", nil); err == nil {
		t.Error("RecordCommit accepted a reference with a newline")
	}
}

func TestCommittedImageStripsTrailingSpace(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	writeFile(t, b.path(CommittedImageFile), "img:latest \r\n\n")
	if got, _ := b.CommittedImage(); got != "img:latest" {
		t.Errorf("CommittedImage() = %q", got)
	}
}

// A reader racing many writers must only ever see a whole reference.
func TestCommittedImageNeverTorn(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	refs := []string{strings.Repeat("a", 3000), strings.Repeat("b", 5000)}
	if err := b.RecordCommit(refs[0], nil); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := b.RecordCommit(refs[i%2], nil); err != nil {
				t.Error(err)
				break
			}
		}
		close(done)
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			wg.Wait()
			return
		default:
		}
		got, err := b.CommittedImage()
		if err != nil || (got != refs[0] && got != refs[1]) {
			t.Fatalf("read %d saw %d bytes (%v): a torn write", reads, len(got), err)
		}
	}
}

func TestLockIsExclusive(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	unlock, err := b.Lock()
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to open files, so a second open in this
	// process contends exactly as another process would.
	if _, err := b.Lock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Lock() = %v, want ErrBusy", err)
	}
	unlock()
	unlock2, err := b.Lock()
	if err != nil {
		t.Fatalf("Lock() after unlock = %v", err)
	}
	unlock2()
}

func TestRecordCommitKeepsBackendDataWithItsArtifact(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	if err := b.RecordCommit("img:1", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if data, err := b.BackendData(); string(data) != `{"v":1}` || err != nil {
		t.Errorf("BackendData() = %q, %v", data, err)
	}
	// A commit without data must not leave the old artifact's data.
	if err := b.RecordCommit("img:2", nil); err != nil {
		t.Fatal(err)
	}
	if data, err := b.BackendData(); data != nil || err != nil {
		t.Errorf("BackendData() after a commit without = %q, %v; want none", data, err)
	}
}

func TestRecordCommitRollsBackOnFailure(t *testing.T) {
	b := newBottle(t, "dev-abc12")
	writeFile(t, b.path(BackendDataFile), "old data")
	// committed-image cannot be replaced when a directory holds its name.
	if err := os.Mkdir(b.path(CommittedImageFile), 0o700); err != nil {
		t.Fatal(err)
	}

	err := b.RecordCommit("img:latest", []byte("new data"))

	if err == nil {
		t.Fatal("RecordCommit succeeded over a directory")
	}
	if data, _ := os.ReadFile(b.path(BackendDataFile)); string(data) != "old data" {
		t.Errorf("backend data after a failed record = %q, want the old", data)
	}
	if ok, _ := b.Preserved(); ok {
		t.Error("a failed record marked the bottle preserved")
	}
}
