package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// ErrNoCommit means the bottle has never been committed.
var ErrNoCommit = errors.New("no committed snapshot")

// ResumeResult is what a successful resume started.
type ResumeResult struct {
	Slug     string
	Name     string // the container or VM, bot-bottle-<slug>
	Artifact string
	shared.ResumeResult
}

// Resume starts the bottle again from its committed artifact, through
// its backend's plugin, configured as the bottle was when committed.
// With replace, a bottle of the same name is removed first. The state
// is only read.
func (h *Host) Resume(ctx context.Context, slug string, replace bool) (*ResumeResult, error) {
	b, err := h.open(slug)
	if err != nil {
		return nil, err
	}
	defer b.unlock()

	artifact, err := b.bottle.CommittedImage()
	if err != nil {
		return nil, err
	}
	if artifact == "" {
		return nil, fmt.Errorf("%w for bottle %s: its state has no committed-image", ErrNoCommit,
			slug)
	}
	data, err := b.bottle.BackendData()
	if err != nil {
		return nil, err
	}

	plugin, err := h.Plugins.Launch(b.backend)
	if err != nil {
		return nil, err
	}
	defer plugin.Close()
	resumer, err := resumerOf(ctx, plugin.Backend, plugin.Plugin.Path)
	if err != nil {
		return nil, err
	}
	res, err := resumer.Resume(ctx, &shared.ResumeRequest{
		Bottle: b.shared, Artifact: artifact, BackendData: data, Replace: replace,
		Prompter: h.Prompter,
	})
	if errors.Is(err, shared.ErrNotImplemented) {
		return nil, unsupported(plugin.Plugin.Path, "")
	}
	if err != nil {
		return nil, fmt.Errorf("resume bottle %s: %w", slug, plugin.Explain(err))
	}
	return &ResumeResult{Slug: slug, Name: b.shared.Name, Artifact: artifact,
		ResumeResult: *res}, nil
}

// resumerOf checks that the plugin says it can resume. A plugin built
// before Resume existed does not list the capability.
func resumerOf(ctx context.Context, b shared.Backend, path string) (shared.Resumer, error) {
	info, err := b.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask %s for its info: %w", path, err)
	}
	resumer, ok := b.(shared.Resumer)
	if !ok || !info.Has(shared.CapResume) {
		return nil, unsupported(path, info.Version)
	}
	return resumer, nil
}

func unsupported(path, version string) error {
	if version != "" {
		version = " " + version
	}
	return shared.WithAdvice(shared.Errorf(shared.ErrUnsupported,
		"plugin %s%s does not support resume: upgrade it", path, version),
		"install a newer version of the plugin; `bottle plugin list` shows what each can do")
}
