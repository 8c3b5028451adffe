package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/commit"
	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/internal/prompt"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// CommitOptions are the inputs of `bottle commit`.
type CommitOptions struct {
	IO        *iostreams.IOStreams
	Committer *commit.Committer
	Slug      string
	Yes       bool
}

func newCmdCommit(f *Factory, runF func(context.Context, *CommitOptions) error) *cobra.Command {
	opts := &CommitOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "commit <slug>",
		Short: "Snapshot a running bottle to an artifact it can be resumed from",
		Long: "Snapshot the running bottle <slug> with its backend's plugin, record the\n" +
			"artifact in the bottle's state and mark the state preserved.\n\n" +
			"The artifact reference goes to stdout; hints for people go to stderr.",
		Example: "  $ bottle commit dev-abc12\n" +
			"  $ ref=$(bottle commit dev-abc12) && docker image save -o dev.tar \"$ref\"",
		Args: exactlyOneSlug,
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := state.DefaultRoot()
			if err != nil {
				return err
			}
			pins, err := f.Pins()
			if err != nil {
				return err
			}
			opts.Slug = args[0]
			opts.Committer = &commit.Committer{
				Store:    state.Store{Root: root},
				Finder:   f.Finder(),
				Pins:     pins,
				Prompter: &prompt.Confirmer{IO: f.IO, AssumeYes: opts.Yes},
				Log:      f.Logger(),
				Start:    f.StartOptions(),
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCommit(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false,
		"answer yes to questions, such as stopping a VM that must stop to be frozen")
	return cmd
}

func exactlyOneSlug(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError{fmt.Errorf("commit takes one bottle slug, got %d arguments: "+
			"bottle commit <slug>", len(args))}
	}
	return nil
}

func runCommit(ctx context.Context, opts *CommitOptions) error {
	res, err := opts.Committer.Commit(ctx, opts.Slug)
	switch {
	case errors.Is(err, shared.ErrDeclined):
		fmt.Fprintf(opts.IO.ErrOut, "commit of %s cancelled: nothing was changed\n", opts.Slug)
		return nil
	case errors.Is(err, shared.ErrCanceled):
		return fmt.Errorf("commit of %s interrupted, nothing was recorded: %w", opts.Slug, err)
	case err != nil:
		return err
	}

	fmt.Fprintln(opts.IO.Out, res.Artifact)
	w := opts.IO.ErrOut
	for _, warning := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	for _, note := range res.Notes {
		fmt.Fprintln(w, note)
	}
	fmt.Fprintf(w, "to resume from this snapshot: bottle resume %s\n", res.Slug)
	if res.ExportHint != "" {
		fmt.Fprintf(w, "to export for migration: %s\n", res.ExportHint)
	}
	return nil
}
