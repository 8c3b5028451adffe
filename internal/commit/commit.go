// Package commit is the host's side of `bottle commit`: every step that
// is the same for all backends. It locks the bottle, reads its state,
// starts the backend's plugin, has it freeze the bottle, and records the
// artifact. State changes only after the freeze succeeded.
package commit

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// Committer commits bottles.
type Committer struct {
	Store    state.Store
	Finder   pluginhost.Finder
	Pins     *pluginhost.Pins
	Prompter shared.Prompter
	Log      hclog.Logger
	// Start says how to start plugins; the pin is added per plugin.
	Start pluginhost.StartOptions
}

// Result is what a successful commit recorded.
type Result struct {
	Slug    string
	Backend string
	shared.FreezeResult
}

// Commit freezes the bottle with the given slug and records the
// artifact in its state. On error, the state is as it was.
func (c *Committer) Commit(ctx context.Context, slug string) (*Result, error) {
	bottle, err := c.Store.Open(slug)
	if err != nil {
		return nil, err
	}
	unlock, err := bottle.Lock()
	if err != nil {
		return nil, err
	}
	defer unlock()

	md, err := bottle.Metadata()
	if err != nil {
		return nil, err
	}
	backend := md.BackendName()
	frozen, err := c.freeze(ctx, backend, shared.Bottle{
		Slug:     slug,
		Name:     bottle.Name(),
		StateDir: absolute(bottle.Dir),
		Metadata: md,
	})
	if err != nil {
		return nil, err
	}

	// The artifact exists now; an interrupt from here on would only lose
	// track of it, so the record is written regardless of ctx.
	if err := bottle.RecordCommit(frozen.Artifact); err != nil {
		return nil, err
	}
	c.Log.Info("recorded commit", "slug", slug, "artifact", frozen.Artifact)
	return &Result{Slug: slug, Backend: backend, FreezeResult: *frozen}, nil
}

// freeze starts the backend's plugin and has it freeze the bottle.
func (c *Committer) freeze(ctx context.Context, backend string, b shared.Bottle) (
	*shared.FreezeResult, error,
) {
	found, err := c.Finder.Find(backend)
	if err != nil {
		return nil, err
	}
	opts := c.Start
	if opts.Checksum, err = c.Pins.Checksum(backend); err != nil {
		return nil, err
	}
	c.Log.Debug("starting plugin", "backend", backend, "path", found.Path,
		"pinned", opts.Checksum != nil)
	plugin, err := pluginhost.Start(found, opts)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()

	res, err := plugin.Freeze(ctx, &shared.FreezeRequest{Bottle: b, Prompter: c.Prompter})
	if err != nil {
		return nil, fmt.Errorf("freeze bottle %s: %w", b.Slug, plugin.Explain(err))
	}
	if res.Artifact == "" {
		return nil, fmt.Errorf("%w: %s reported success but no artifact",
			pluginhost.ErrBadPlugin, found.Path)
	}
	return res, nil
}

func absolute(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
