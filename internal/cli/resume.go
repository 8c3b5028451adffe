package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/internal/lifecycle"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// ResumeOptions are the inputs of `bottle resume`.
type ResumeOptions struct {
	IO      *iostreams.IOStreams
	Host    *lifecycle.Host
	Slug    string
	Replace bool
	Yes     bool
}

func newCmdResume(f *Factory) *cobra.Command {
	opts := &ResumeOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "resume <slug>",
		Short: "Start a bottle again from its committed snapshot",
		Long: "Start bot-bottle-<slug> from the artifact recorded by `bottle commit`,\n" +
			"configured as the bottle was when committed, through its backend's plugin.\n" +
			"A bottle of that name that still exists, running or stopped, is refused\n" +
			"unless --replace is given. A missing artifact is an error; nothing is\n" +
			"rebuilt. The bottle's name goes to stdout; how to reach it, to stderr.",
		Example: "  $ bottle resume dev-abc12\n  $ bottle resume --replace dev-abc12",
		Args:    exactlyOne("resume", "<slug>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			host, err := f.Host(opts.Yes)
			if err != nil {
				return err
			}
			opts.Slug, opts.Host = args[0], host
			return runResume(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Replace, "replace", false,
		"remove a bottle of the same name, running or stopped, and take its place")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "answer yes to questions")
	return cmd
}

func runResume(ctx context.Context, opts *ResumeOptions) error {
	res, err := opts.Host.Resume(ctx, opts.Slug, opts.Replace)
	switch {
	case errors.Is(err, shared.ErrDeclined):
		fmt.Fprintf(opts.IO.ErrOut, "resume of %s cancelled: nothing was changed\n", opts.Slug)
		return nil
	case errors.Is(err, shared.ErrCanceled):
		return fmt.Errorf("resume of %s interrupted: %w", opts.Slug, err)
	case err != nil:
		return err
	}
	fmt.Fprintln(opts.IO.Out, res.Name)
	printWarningsAndNotes(opts.IO.ErrOut, res.Warnings, res.Notes)
	fmt.Fprintf(opts.IO.ErrOut, "resumed %s from %s\n", res.Name, res.Artifact)
	if res.ReachHint != "" {
		fmt.Fprintf(opts.IO.ErrOut, "to reach it: %s\n", res.ReachHint)
	}
	return nil
}
