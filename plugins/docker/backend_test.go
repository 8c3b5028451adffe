package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/hashicorp/go-hclog"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bot-bottle/bottle/internal/testbottle"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// fakeEngine records the commit it was asked for and fails as told.
type fakeEngine struct {
	inspectErr error
	commitErr  error
	mounts     []container.MountPoint
	commits    []client.ContainerCommitOptions
}

func (f *fakeEngine) ContainerInspect(_ context.Context, id string,
	_ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	if f.inspectErr != nil {
		return client.ContainerInspectResult{}, f.inspectErr
	}
	return client.ContainerInspectResult{Container: container.InspectResponse{
		Name: "/" + id, Mounts: f.mounts}}, nil
}

func (f *fakeEngine) ContainerCommit(_ context.Context, _ string,
	opts client.ContainerCommitOptions) (client.ContainerCommitResult, error) {
	if f.commitErr != nil {
		return client.ContainerCommitResult{}, f.commitErr
	}
	f.commits = append(f.commits, opts)
	return client.ContainerCommitResult{ID: "sha256:0123"}, nil
}

func (f *fakeEngine) ContainerCreate(context.Context, client.ContainerCreateOptions) (
	client.ContainerCreateResult, error) {
	return client.ContainerCreateResult{}, errors.New("not modelled")
}

func (f *fakeEngine) ContainerStart(context.Context, string, client.ContainerStartOptions) (
	client.ContainerStartResult, error) {
	return client.ContainerStartResult{}, errors.New("not modelled")
}

func (f *fakeEngine) ContainerRemove(context.Context, string, client.ContainerRemoveOptions) (
	client.ContainerRemoveResult, error) {
	return client.ContainerRemoveResult{}, errors.New("not modelled")
}

func (f *fakeEngine) ImageInspect(context.Context, string, ...client.ImageInspectOption) (
	client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, errors.New("not modelled")
}

func (f *fakeEngine) Close() error { return nil }

func newTestBackend(eng *fakeEngine) *backend {
	return &backend{
		log:     hclog.NewNullLogger(),
		connect: func() (engine, error) { return eng, nil },
		now:     func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) },
	}
}

func freezeRequest(slug string) *shared.FreezeRequest {
	return &shared.FreezeRequest{Bottle: shared.Bottle{Slug: slug, Name: "bot-bottle-" + slug}}
}

func TestFreezeCommitsWithLabels(t *testing.T) {
	eng := &fakeEngine{}
	res, err := newTestBackend(eng).Freeze(context.Background(), freezeRequest("dev-abc12"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Artifact != "bot-bottle-committed-dev-abc12:latest" || res.ArtifactID != "sha256:0123" {
		t.Errorf("Freeze() = %+v", res)
	}
	wantHint := "docker image save -o dev-abc12.tar bot-bottle-committed-dev-abc12:latest"
	if res.ExportHint != wantHint {
		t.Errorf("export hint = %q", res.ExportHint)
	}
	if len(eng.commits) != 1 {
		t.Fatalf("%d commits, want 1", len(eng.commits))
	}
	c := eng.commits[0]
	want := []string{`LABEL io.bot-bottle.slug="dev-abc12"`,
		`LABEL io.bot-bottle.committed-at="2026-12-03T10:00:00Z"`}
	if c.Reference != res.Artifact || c.NoPause || fmt.Sprint(c.Changes) != fmt.Sprint(want) {
		t.Errorf("commit options = %+v", c)
	}
}

func TestFreezeWarnsAboutMounts(t *testing.T) {
	eng := &fakeEngine{mounts: []container.MountPoint{
		{Type: "bind", Source: "/home/u/proj", Destination: "/work"},
		{Type: "volume", Name: "cache", Source: "/var/lib/docker/volumes/cache/_data",
			Destination: "/cache"},
	}}
	res, err := newTestBackend(eng).Freeze(context.Background(), freezeRequest("dev-abc12"))
	if err != nil {
		t.Fatal(err)
	}
	want := "mounts are not part of the artifact, so their data is not in it: " +
		"/work (/home/u/proj), /cache (volume cache)"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings = %q", res.Warnings)
	}
}

func TestFreezeRefusesSlugsDockerCannotName(t *testing.T) {
	eng := &fakeEngine{}
	_, err := newTestBackend(eng).Freeze(context.Background(), freezeRequest("Dev-ABC"))
	if !errors.Is(err, shared.ErrInvalidArgument) || !strings.Contains(shared.Advice(err),
		"lowercase") {
		t.Errorf("Freeze(uppercase slug) = %v (advice %q)", err, shared.Advice(err))
	}
	if len(eng.commits) != 0 {
		t.Error("committed anyway")
	}
}

func TestEngineErrorsGetTheirClass(t *testing.T) {
	tests := []struct {
		name       string
		inspectErr error
		commitErr  error
		want       error
	}{
		{"missing", cerrdefs.ErrNotFound.WithMessage("No such container: x"), nil,
			shared.ErrNotFound},
		{"dead", nil,
			cerrdefs.ErrConflict.WithMessage("You cannot commit container x which is Dead"),
			shared.ErrFailedPrecondition},
		{"cancelled", nil, fmt.Errorf("post: %w", context.Canceled), shared.ErrCanceled},
		{"disk full", nil, errors.New("write /var/lib/docker: no space left on device"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{inspectErr: tt.inspectErr, commitErr: tt.commitErr}
			_, err := newTestBackend(eng).Freeze(context.Background(), freezeRequest("x"))
			if shared.ClassOf(err) != tt.want {
				t.Errorf("class of %v = %v, want %v", err, shared.ClassOf(err), tt.want)
			}
			engineWords := tt.inspectErr
			if engineWords == nil {
				engineWords = tt.commitErr
			}
			if !strings.Contains(err.Error(), engineWords.Error()) {
				t.Errorf("error %q lost the engine's words %q", err, engineWords)
			}
		})
	}
}

func TestInfoNeedsNoEngine(t *testing.T) {
	b := &backend{connect: func() (engine, error) { t.Fatal("Info connected"); return nil, nil }}
	info, err := b.Info(context.Background())
	if err != nil || info.Name != "docker" || !info.Has(shared.CapFreeze) {
		t.Errorf("Info() = %+v, %v", info, err)
	}
}

func writeContext(t *testing.T, configDir, name, host string) {
	t.Helper()
	if err := testbottle.WriteDockerContext(configDir, name, host); err != nil {
		t.Fatal(err)
	}
}

func TestEndpointFollowsTheCLI(t *testing.T) {
	config := t.TempDir()
	writeContext(t, config, "remote", "tcp://10.0.0.5:2376")
	writeContext(t, config, "over-ssh", "ssh://u@host")
	os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"currentContext":"remote"}`), 0o644)

	tests := []struct {
		name    string
		env     map[string]string
		where   string
		wantErr error
	}{
		{"DOCKER_HOST wins", map[string]string{"DOCKER_HOST": "unix:///x.sock",
			"DOCKER_CONTEXT": "remote"}, "DOCKER_HOST=unix:///x.sock", nil},
		{"current context", map[string]string{}, "docker context remote", nil},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "default"}, "default socket", nil},
		{"unknown context", map[string]string{"DOCKER_CONTEXT": "gone"}, "",
			shared.ErrInvalidArgument},
		{"ssh context", map[string]string{"DOCKER_CONTEXT": "over-ssh"},
			"docker context over-ssh", nil},
		{"bad ssh host", map[string]string{"DOCKER_HOST": "ssh://"}, "",
			shared.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["DOCKER_CONFIG"] = config
			opts, where, err := endpointOptions(func(k string) string { return tt.env[k] })
			if !errors.Is(err, tt.wantErr) || (err == nil && tt.wantErr != nil) {
				t.Fatalf("endpointOptions() error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if where != tt.where || len(opts) == 0 {
				t.Errorf("endpoint from %q (%d options), want %q", where, len(opts), tt.where)
			}
		})
	}
}

func TestEndpointWithoutConfigIsTheDefault(t *testing.T) {
	env := map[string]string{"DOCKER_CONFIG": t.TempDir()}
	_, where, err := endpointOptions(func(k string) string { return env[k] })
	if err != nil || where != "default socket" {
		t.Errorf("endpointOptions() = %q, %v", where, err)
	}
}
