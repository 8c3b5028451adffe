package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/plugin/shared/command"
)

// VM states as `smolvm machine ls --json` reports them.
const (
	stateCreated     = "created"
	stateRunning     = "running"
	stateStopped     = "stopped"
	stateFailed      = "failed"
	stateUnreachable = "unreachable" // process alive, agent not answering
	stateFrozen      = "frozen"      // a paused fork base
)

// machine is the part of a `machine ls --json` record the plugin uses.
type machine struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Mounts int    `json:"mounts"` // a count
}

// findVM looks the bottle's VM up by name.
func (b *backend) findVM(ctx context.Context, name string) (machine, error) {
	out, err := b.run.Output(ctx, "smolvm", "machine", "ls", "--json")
	if errors.Is(err, command.ErrNotInstalled) || ctx.Err() != nil {
		return machine{}, classify(err, "list smolvm machines")
	}
	if err != nil {
		return machine{}, shared.WithAdvice(
			shared.Errorf(shared.ErrUnavailable, "list smolvm machines: %w", err),
			"check that smolvm works: `smolvm machine ls`")
	}
	var machines []machine
	if err := json.Unmarshal(out, &machines); err != nil {
		return machine{}, fmt.Errorf("read `smolvm machine ls --json`: %w", err)
	}
	for _, m := range machines {
		if m.Name == name {
			return m, nil
		}
	}
	return machine{}, shared.WithAdvice(
		shared.Errorf(shared.ErrNotFound, "no smolvm machine %s", name),
		"the bottle is not running: start it again, or check the slug with `smolvm machine ls`")
}

// packable refuses VMs that cannot be packed as they are.
func packable(vm machine) error {
	switch vm.State {
	case stateRunning, stateStopped:
		return nil
	case stateCreated:
		return shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"VM %s was created but never started: it has no disk to pack", vm.Name),
			fmt.Sprintf("start it with `smolvm machine start --name %s` first", vm.Name))
	case stateFailed:
		return shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"VM %s has failed", vm.Name),
			fmt.Sprintf("start it again with `smolvm machine start --name %s`, then commit",
				vm.Name))
	case stateUnreachable:
		return shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"VM %s is unreachable: its process runs but its agent does not answer", vm.Name),
			fmt.Sprintf("stop it with `smolvm machine stop --name %s`, then commit", vm.Name))
	}
	return shared.Errorf(shared.ErrFailedPrecondition,
		"VM %s is %s; it can be packed when running or stopped", vm.Name, vm.State)
}

func (b *backend) stopVM(ctx context.Context, name string) error {
	if _, err := b.run.Output(ctx, "smolvm", "machine", "stop", "--name", name); err != nil {
		return classify(err, "stop VM "+name)
	}
	b.log.Info("stopped VM to pack it", "vm", name)
	return nil
}
