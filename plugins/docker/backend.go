package main

import (
	"context"
	"fmt"
	"time"

	"github.com/distribution/reference"
	"github.com/hashicorp/go-hclog"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// version is this plugin's version, reported by Info.
const version = "0.1.0"

// engine is the part of the Docker Engine API client the backend uses.
type engine interface {
	ContainerInspect(ctx context.Context, id string, opts client.ContainerInspectOptions) (
		client.ContainerInspectResult, error)
	ContainerCommit(ctx context.Context, id string, opts client.ContainerCommitOptions) (
		client.ContainerCommitResult, error)
	ContainerCreate(ctx context.Context, opts client.ContainerCreateOptions) (
		client.ContainerCreateResult, error)
	ContainerStart(ctx context.Context, id string, opts client.ContainerStartOptions) (
		client.ContainerStartResult, error)
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (
		client.ContainerRemoveResult, error)
	ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (
		client.ImageInspectResult, error)
	Close() error
}

type backend struct {
	log hclog.Logger
	// connect opens a client to the engine; it runs per call, so Info
	// works without an engine and a broken set-up fails the call that
	// needs it with a clear error.
	connect func() (engine, error)
	now     func() time.Time
}

func newBackend(log hclog.Logger) shared.Backend {
	return &backend{
		log:     log,
		connect: func() (engine, error) { return connectEngine(log, envLookup) },
		now:     time.Now,
	}
}

func (b *backend) Info(context.Context) (*shared.Info, error) {
	return &shared.Info{
		Name:         "docker",
		Version:      version,
		Capabilities: []string{shared.CapFreeze, shared.CapResume},
	}, nil
}

// Freeze commits the bottle's container to an image. The engine pauses
// the container for the copy and lets it run on afterwards, so nothing
// is asked of the user.
func (b *backend) Freeze(ctx context.Context, req *shared.FreezeRequest) (
	*shared.FreezeResult, error,
) {
	bottle := req.Bottle
	tag := shared.CommittedImageTag(bottle.Slug)
	if _, err := reference.ParseNormalizedNamed(tag); err != nil {
		return nil, shared.WithAdvice(
			shared.Errorf(shared.ErrInvalidArgument, "name image %s: %w", tag, err),
			"docker image names are lowercase; rename the bottle with a lowercase slug")
	}
	eng, err := b.connect()
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	inspected, err := eng.ContainerInspect(ctx, bottle.Name, client.ContainerInspectOptions{})
	if err != nil {
		return nil, classify(err, "find container "+bottle.Name)
	}
	b.log.Debug("committing container", "container", bottle.Name, "image", tag,
		"state", containerState(inspected.Container))
	committed, err := eng.ContainerCommit(ctx, bottle.Name, b.commitOptions(bottle.Slug, tag))
	if err != nil {
		return nil, classify(err, "commit container "+bottle.Name)
	}
	b.log.Info("committed container", "container", bottle.Name, "image", tag,
		"image_id", committed.ID)
	return b.result(ctx, eng, bottle, tag, committed.ID, inspected.Container)
}

// commitOptions commit to tag, labelled with the slug and the time.
func (b *backend) commitOptions(slug, tag string) client.ContainerCommitOptions {
	return client.ContainerCommitOptions{
		Reference: tag,
		Author:    "bottle",
		Comment:   "bottle commit " + slug,
		Changes: []string{
			fmt.Sprintf("LABEL %s=%q", shared.LabelSlug, slug),
			fmt.Sprintf("LABEL %s=%q", shared.LabelCommittedAt,
				b.now().UTC().Format(time.RFC3339)),
		},
	}
}

// result describes the commit, with the container's configuration as
// the data Resume needs.
func (b *backend) result(ctx context.Context, eng engine, bottle shared.Bottle, tag, id string,
	c container.InspectResponse) (*shared.FreezeResult, error) {
	warnings := mountWarnings(c.Mounts)
	if w := b.layerWarning(ctx, eng, tag); w != "" {
		warnings = append(warnings, w)
	}
	data, err := encodeResumeData(c)
	if err != nil {
		return nil, fmt.Errorf("record the container's configuration: %w", err)
	}
	return &shared.FreezeResult{
		Artifact:    tag,
		ArtifactID:  id,
		ExportHint:  fmt.Sprintf("docker image save -o %s.tar %s", bottle.Slug, tag),
		Warnings:    warnings,
		BackendData: data,
	}, nil
}

// The engine refuses images deeper than maxLayers ("max depth
// exceeded"), and every commit then resume adds a layer.
const (
	maxLayers    = 125
	layerWarning = 100
)

// layerWarning warns when the committed image nears the layer limit. It
// is advice only: a failure to inspect costs nothing but the warning.
func (b *backend) layerWarning(ctx context.Context, eng engine, tag string) string {
	img, err := eng.ImageInspect(ctx, tag)
	if err != nil || img.RootFS.Layers == nil {
		return ""
	}
	n := len(img.RootFS.Layers)
	if n < layerWarning {
		return ""
	}
	return fmt.Sprintf("the image has %d layers; the engine refuses more than %d, so about "+
		"%d more commits of this bottle will work: then start a fresh bottle, or flatten "+
		"the image (see the README)", n, maxLayers, max(0, maxLayers-n))
}

func containerState(c container.InspectResponse) string {
	if c.State == nil {
		return "unknown"
	}
	return string(c.State.Status)
}

// mountWarnings tells the user which data stayed outside the image:
// docker commit copies the container's own filesystem only.
func mountWarnings(mounts []container.MountPoint) []string {
	if len(mounts) == 0 {
		return nil
	}
	var parts []string
	for _, m := range mounts {
		from := m.Source
		if m.Type == "volume" {
			from = "volume " + m.Name
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", m.Destination, from))
	}
	return []string{shared.MountWarning(parts)}
}
