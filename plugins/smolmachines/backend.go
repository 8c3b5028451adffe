package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/command"
)

// version is this plugin's version, reported by Info.
const version = "0.1.0"

// Where a commit leaves its artifact in the bottle's state directory,
// as the Python launcher lays it out: smolvm writes a launcher at the
// -o path and the artifact beside it with .smolmachine appended.
const (
	launcherName = "committed-smolmachine"
	artifactExt  = ".smolmachine"
)

type backend struct {
	log hclog.Logger
	run command.Runner
}

func newBackend(log hclog.Logger) shared.Backend {
	return &backend{log: log, run: command.Runner{Log: log}}
}

func (b *backend) Info(context.Context) (*shared.Info, error) {
	return &shared.Info{
		Name:         "smolmachines",
		Version:      version,
		Capabilities: []string{shared.CapFreeze, shared.CapResume},
	}, nil
}

// Freeze packs the bottle's VM into a .smolmachine file in the state
// directory. smolvm packs only stopped VMs, so a running one is stopped
// first, with the user's consent; should packing then fail, it is
// started again, so a failed commit leaves the bottle as it was.
func (b *backend) Freeze(ctx context.Context, req *shared.FreezeRequest) (
	res *shared.FreezeResult, err error,
) {
	name := req.Bottle.Name
	vm, err := b.findVM(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := packable(vm); err != nil {
		return nil, err
	}

	stopped := false
	if vm.State == stateRunning {
		if err := b.confirmStop(ctx, req); err != nil {
			return nil, err
		}
		if err := b.stopVM(ctx, name); err != nil {
			return nil, err
		}
		stopped = true
		defer func() {
			if err != nil {
				err = b.restartAfterFailure(name, err)
			}
		}()
	}

	artifact, err := b.pack(ctx, name, req.Bottle.StateDir)
	if err != nil {
		return nil, err
	}
	return b.result(req.Bottle, vm, artifact, stopped), nil
}

func (b *backend) confirmStop(ctx context.Context, req *shared.FreezeRequest) error {
	question := fmt.Sprintf("%s must be stopped to be packed, which ends the agent's "+
		"session in it. Stop it?", req.Bottle.Name)
	return shared.Confirm(ctx, req.Prompter, question)
}

// restartAfterFailure starts a VM this commit stopped, so a failed
// commit leaves the bottle running. It runs even when ctx was cancelled.
func (b *backend) restartAfterFailure(name string, cause error) error {
	if _, err := b.run.Output(context.Background(), "smolvm", "machine", "start",
		"--name", name); err != nil {
		b.log.Error("could not restart VM after a failed commit", "vm", name, "error", err)
		return shared.WithAdvice(fmt.Errorf("%w; restarting %s failed too: %w", cause, name, err),
			fmt.Sprintf("start it with `smolvm machine start --name %s`", name))
	}
	b.log.Info("restarted VM after a failed commit", "vm", name)
	return cause
}

func (b *backend) result(bottle shared.Bottle, vm machine, a packed, stopped bool,
) *shared.FreezeResult {
	res := &shared.FreezeResult{
		Artifact:   a.path,
		ArtifactID: "sha256:" + a.sha256,
		SizeBytes:  a.size,
		ExportHint: fmt.Sprintf("cp %s %s%s", a.path, bottle.Slug, artifactExt),
		Notes: []string{fmt.Sprintf("packed %s (%s, sha256 %s)",
			filepath.Base(a.path), humanSize(a.size), a.sha256)},
	}
	if stopped {
		res.Notes = append(res.Notes, fmt.Sprintf("%s is stopped now; bring the bottle "+
			"back with `smolvm machine start --name %s`", bottle.Name, bottle.Name))
	}
	if vm.Mounts > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the VM has %d mount(s); mounted "+
			"host directories are not part of the artifact, so their data is not in it",
			vm.Mounts))
	}
	return res
}

// classify gives a failed smolvm command its class and advice, keeping
// smolvm's own words in the message.
func classify(err error, doing string) error {
	switch {
	case errors.Is(err, command.ErrNotInstalled):
		return shared.WithAdvice(shared.Errorf(shared.ErrUnavailable, "%s: %w", doing, err),
			"install smolvm, or put it on PATH")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return shared.Errorf(shared.ErrCanceled, "%s: %w", doing, err)
	case command.StderrContains(err, "is running. Stop it first"):
		return shared.Errorf(shared.ErrFailedPrecondition, "%s: %w", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
