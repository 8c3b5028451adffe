package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/command"
)

// version is this plugin's version, reported by Info.
const version = "0.1.0"

// liveExportSince is the first `container` release that exports a
// running container's filesystem; older ones need it stopped.
var liveExportSince = semver{1, 2, 1}

type backend struct {
	log hclog.Logger
	run command.Runner
	now func() time.Time
}

func newBackend(log hclog.Logger) shared.Backend {
	return &backend{log: log, run: command.Runner{Log: log}, now: time.Now}
}

func (b *backend) Info(context.Context) (*shared.Info, error) {
	return &shared.Info{
		Name:         "macos-container",
		Version:      version,
		Capabilities: []string{shared.CapFreeze, shared.CapResume},
	}, nil
}

// Freeze exports the container's filesystem and builds an image from it
// with the container's own configuration. `container` has no commit.
// Releases before 1.2.1 export only stopped containers, so there a
// running container is stopped first, with the user's consent, and
// started again should the commit then fail.
func (b *backend) Freeze(ctx context.Context, req *shared.FreezeRequest) (
	res *shared.FreezeResult, err error,
) {
	name := req.Bottle.Name
	cliVersion, err := b.cliVersion(ctx)
	if err != nil {
		return nil, err
	}
	c, err := b.inspect(ctx, name)
	if err != nil {
		return nil, err
	}

	stopped, err := b.prepareExport(ctx, req, c, cliVersion)
	if err != nil {
		return nil, err
	}
	if stopped {
		defer func() {
			if err != nil {
				err = b.restartAfterFailure(name, err)
			}
		}()
	}

	tag := shared.CommittedImageTag(req.Bottle.Slug)
	digest, err := b.exportAndBuild(ctx, c, tag, b.labels(c, req.Bottle.Slug))
	if err != nil {
		return nil, err
	}
	return b.result(req.Bottle, c, tag, digest, stopped), nil
}

// prepareExport makes sure the container can be exported, stopping it
// when this `container` release needs that. It reports whether it
// stopped the container.
func (b *backend) prepareExport(ctx context.Context, req *shared.FreezeRequest,
	c containerInfo, cli semver) (bool, error) {
	switch {
	case c.State == "stopped":
		return false, nil
	case c.State != "running":
		return false, shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"container %s is %s", c.ID, c.State),
			"wait until it is running or stopped, then commit again")
	case !cli.less(liveExportSince):
		return false, nil
	}
	question := fmt.Sprintf("container %s exports only stopped containers (live export "+
		"needs %s), and stopping %s ends the agent's session in it. Stop it?",
		cli, liveExportSince, c.ID)
	if err := shared.Confirm(ctx, req.Prompter, question); err != nil {
		return false, err
	}
	if _, err := b.run.Output(ctx, "container", "stop", c.ID); err != nil {
		return false, classify(err, "stop container "+c.ID)
	}
	b.log.Info("stopped container to export it", "container", c.ID)
	return true, nil
}

// restartAfterFailure starts a container this commit stopped, so a
// failed commit leaves the bottle running. It runs even when ctx was
// cancelled.
func (b *backend) restartAfterFailure(name string, cause error) error {
	if _, err := b.run.Output(context.Background(), "container", "start", name); err != nil {
		b.log.Error("could not restart container after a failed commit",
			"container", name, "error", err)
		return shared.WithAdvice(fmt.Errorf("%w; restarting %s failed too: %w", cause, name, err),
			fmt.Sprintf("start it with `container start %s`", name))
	}
	return cause
}

func (b *backend) labels(c containerInfo, slug string) map[string]string {
	labels := map[string]string{}
	for k, v := range c.Labels {
		labels[k] = v
	}
	labels[shared.LabelSlug] = slug
	labels[shared.LabelCommittedAt] = b.now().UTC().Format(time.RFC3339)
	return labels
}

func (b *backend) result(bottle shared.Bottle, c containerInfo, tag, digest string,
	stopped bool) *shared.FreezeResult {
	res := &shared.FreezeResult{
		Artifact:    tag,
		ArtifactID:  digest,
		ExportHint:  fmt.Sprintf("container image save -o %s.tar %s", bottle.Slug, tag),
		BackendData: encodeResumeData(c),
	}
	if stopped {
		res.Notes = append(res.Notes, fmt.Sprintf("%s is stopped now; bring the bottle "+
			"back with `container start %s`", c.ID, c.ID))
	}
	if len(c.Mounts) > 0 {
		var dests []string
		for _, m := range c.Mounts {
			dests = append(dests, m.Destination)
		}
		res.Warnings = append(res.Warnings, shared.MountWarning(dests))
	}
	return res
}

// classifyLookup is classify for commands that look something up, where
// "not found" means the thing does not exist.
func classifyLookup(err error, doing string) error {
	if command.StderrContains(err, "not found") {
		return shared.Errorf(shared.ErrNotFound, "%s: %w", doing, err)
	}
	return classify(err, doing)
}

// classify gives a failed `container` command its class and advice,
// keeping the tool's own words in the message.
func classify(err error, doing string) error {
	switch {
	case errors.Is(err, command.ErrNotInstalled):
		return shared.WithAdvice(shared.Errorf(shared.ErrUnavailable, "%s: %w", doing, err),
			"install Apple's container tool (macOS 15 or later), or put it on PATH")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return shared.Errorf(shared.ErrCanceled, "%s: %w", doing, err)
	case command.StderrContains(err, "XPC connection error"):
		return shared.WithAdvice(shared.Errorf(shared.ErrUnavailable, "%s: %w", doing, err),
			"start the container service with `container system start`")
	case command.StderrContains(err, "No space left on device"):
		return shared.WithAdvice(fmt.Errorf("%s: %w", doing, err),
			"free some disk space (the export is written under "+os.TempDir()+"), then try again")
	}
	return fmt.Errorf("%s: %w", doing, err)
}
