package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// Resume creates the bottle's VM again from the committed .smolmachine
// file and starts it. The artifact carries the whole VM, so no backend
// data is needed.
func (b *backend) Resume(ctx context.Context, req *shared.ResumeRequest) (
	*shared.ResumeResult, error,
) {
	name := req.Bottle.Name
	if _, err := os.Stat(req.Artifact); err != nil {
		return nil, shared.WithAdvice(
			shared.Errorf(shared.ErrNotFound, "find committed artifact: %w", err),
			fmt.Sprintf("the file was moved or deleted: put it back at %s, or commit the "+
				"bottle again", req.Artifact))
	}
	if err := b.makeRoom(ctx, name, req.Replace); err != nil {
		return nil, err
	}
	if _, err := b.run.Output(ctx, "smolvm", "machine", "create", "--name", name,
		"--from", req.Artifact); err != nil {
		return nil, classify(err, "create VM "+name)
	}
	if _, err := b.run.Output(ctx, "smolvm", "machine", "start", "--name", name); err != nil {
		// Leave no half-made bottle behind.
		b.run.Output(context.Background(), "smolvm", "machine", "delete", "--name", name,
			"--force")
		return nil, classify(err, "start VM "+name)
	}
	b.log.Info("resumed VM", "vm", name, "artifact", req.Artifact)
	return &shared.ResumeResult{
		ReachHint: fmt.Sprintf("smolvm machine exec --name %s -- sh", name),
	}, nil
}

// makeRoom refuses, or with replace removes, a VM that already has the
// bottle's name.
func (b *backend) makeRoom(ctx context.Context, name string, replace bool) error {
	vm, err := b.findVM(ctx, name)
	if errors.Is(err, shared.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !replace {
		return shared.AlreadyExists("VM", name, vm.State)
	}
	if vm.State == stateRunning || vm.State == stateUnreachable {
		if err := b.stopVM(ctx, name); err != nil {
			return err
		}
	}
	// --force: smolvm asks before deleting, and the plugin has no terminal.
	if _, err := b.run.Output(ctx, "smolvm", "machine", "delete", "--name", name,
		"--force"); err != nil {
		return classify(err, "delete VM "+name)
	}
	b.log.Info("deleted VM to replace it", "vm", name)
	return nil
}
