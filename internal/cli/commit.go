package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/internal/lifecycle"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// CommitOptions are the inputs of `bottle commit`.
type CommitOptions struct {
	IO   *iostreams.IOStreams
	Host *lifecycle.Host
	Slug string
	Yes  bool
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
		Args: exactlyOne("commit", "<slug>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, err := f.Host(opts.Yes)
			if err != nil {
				return err
			}
			opts.Slug, opts.Host = args[0], host
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

func runCommit(ctx context.Context, opts *CommitOptions) error {
	res, err := opts.Host.Commit(ctx, opts.Slug)
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
	printWarningsAndNotes(w, res.Warnings, res.Notes)
	fmt.Fprintf(w, "to resume from this snapshot: bottle resume %s\n", res.Slug)
	if res.ExportHint != "" {
		fmt.Fprintf(w, "to export for migration: %s\n", res.ExportHint)
	}
	return nil
}

// printWarningsAndNotes shows what a backend wants the user told, the
// same way for every backend.
func printWarningsAndNotes(w io.Writer, warnings, notes []string) {
	for _, warning := range warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	for _, note := range notes {
		fmt.Fprintln(w, note)
	}
}
