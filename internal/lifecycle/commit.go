package lifecycle

import (
	"context"
	"fmt"

	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// CommitResult is what a successful commit recorded.
type CommitResult struct {
	Slug    string
	Backend string
	shared.FreezeResult
}

// Commit freezes the bottle with the given slug and records the
// artifact in its state. On error, the state is as it was.
func (h *Host) Commit(ctx context.Context, slug string) (*CommitResult, error) {
	b, err := h.open(slug)
	if err != nil {
		return nil, err
	}
	defer b.unlock()

	frozen, err := h.freeze(ctx, b)
	if err != nil {
		return nil, err
	}
	// The artifact exists now; an interrupt from here on would only lose
	// track of it, so the record is written regardless of ctx.
	if err := b.bottle.RecordCommit(frozen.Artifact, frozen.BackendData); err != nil {
		return nil, err
	}
	h.Log.Info("recorded commit", "slug", slug, "artifact", frozen.Artifact)
	return &CommitResult{Slug: slug, Backend: b.backend, FreezeResult: *frozen}, nil
}

func (h *Host) freeze(ctx context.Context, b *opened) (*shared.FreezeResult, error) {
	plugin, err := h.Plugins.Launch(b.backend)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()

	res, err := plugin.Freeze(ctx, &shared.FreezeRequest{Bottle: b.shared, Prompter: h.Prompter})
	if err != nil {
		return nil, fmt.Errorf("freeze bottle %s: %w", b.shared.Slug, plugin.Explain(err))
	}
	if res.Artifact == "" {
		return nil, fmt.Errorf("%w: %s reported success but no artifact",
			pluginhost.ErrBadPlugin, plugin.Plugin.Path)
	}
	return res, nil
}
