package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/pluginhost"
)

func newCmdPlugin(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin <command>",
		Short: "Inspect, pin and check backend plugins",
		Args:  noUnknownCommand,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdPluginList(f, nil))
	cmd.AddCommand(newCmdPluginTrust(f))
	cmd.AddCommand(newCmdPluginUntrust(f))
	cmd.AddCommand(newCmdPluginCheck(f))
	return cmd
}

// PluginListOptions are the inputs of `bottle plugin list`.
type PluginListOptions struct {
	Factory *Factory
	JSON    bool
}

func newCmdPluginList(f *Factory, runF func(context.Context, *PluginListOptions) error,
) *cobra.Command {
	opts := &PluginListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every plugin found, in search order, and whether it works",
		Long: "List each file named bottle-plugin-<backend> in search order, with its\n" +
			"status. The first executable one of a backend is used: it is started to\n" +
			"ask its name, version and capabilities. Directories are searched in order:\n" +
			"$BOTTLE_PLUGIN_PATH, the directory of the bottle executable,\n" +
			"$XDG_DATA_HOME/bottle/plugins (~/.local/share/bottle/plugins), then $PATH.\n\n" +
			"Exits 1 when any candidate is not ok, shadowed ones included.",
		Example: "  $ bottle plugin list\n  $ bottle plugin list --json | jq '.[].status'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPluginList(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the list as JSON")
	return cmd
}

// errProblems makes a command exit 1 after printing its own report.
var errProblems = errors.New("problems found")

func runPluginList(ctx context.Context, opts *PluginListOptions) error {
	f := opts.Factory
	pins, err := f.Pins()
	if err != nil {
		return err
	}
	finder := f.Finder()
	candidates := finder.Candidates()
	for i := range candidates {
		pluginhost.Diagnose(ctx, &candidates[i], pins, f.StartOptions())
	}

	if opts.JSON {
		if candidates == nil {
			candidates = []pluginhost.Candidate{} // [] rather than null
		}
		out, _ := json.MarshalIndent(candidates, "", "  ")
		fmt.Fprintln(f.IO.Out, string(out))
	} else if err := printCandidates(f, candidates); err != nil {
		return err
	}
	if len(candidates) == 0 {
		return fmt.Errorf("no plugins found in: %s", strings.Join(finder.Dirs, ":"))
	}
	problems := 0
	for _, c := range candidates {
		if c.Status != pluginhost.StatusOK {
			problems++
		}
	}
	if problems > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d of %d plugins have problems; see STATUS and DETAIL\n",
			problems, len(candidates))
		return errProblems
	}
	return nil
}

func printCandidates(f *Factory, candidates []pluginhost.Candidate) error {
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BACKEND\tSTATUS\tVERSION\tPIN\tPATH\tDETAIL")
	for _, c := range candidates {
		version, pin := "-", "-"
		if c.Version != "" {
			version = c.Version
		}
		if c.Status != pluginhost.StatusShadowed && c.Status != pluginhost.StatusNotExecutable {
			pin = map[bool]string{true: "pinned", false: "unpinned"}[c.Pinned]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Backend, c.Status, version, pin,
			c.Path, firstLine(c.Detail))
	}
	return tw.Flush()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func newCmdPluginTrust(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "trust <backend>",
		Short: "Pin the checksum of a backend's plugin; later starts verify it",
		Long: "Start the plugin that bottle uses for <backend>, check that it is a bottle\n" +
			"plugin for that backend and safe, and pin the sha256 of its executable in\n" +
			"$XDG_CONFIG_HOME/bottle/plugins.lock (~/.config/bottle/plugins.lock).\n" +
			"From then on bottle refuses to start a plugin for <backend> that differs.",
		Example: "  $ bottle plugin trust docker",
		Args:    exactlyOne("plugin trust", "<backend>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPluginTrust(cmd.Context(), f, args[0])
		},
	}
}

func runPluginTrust(ctx context.Context, f *Factory, backend string) error {
	pins, err := f.Pins()
	if err != nil {
		return err
	}
	found, err := f.Finder().Find(backend)
	if err != nil {
		return err
	}
	client, err := pluginhost.Start(found, f.StartOptions())
	if err != nil {
		return err
	}
	info, err := client.Info(ctx)
	client.Close()
	if err != nil {
		return fmt.Errorf("ask %s for its info: %w", found.Path, err)
	}
	if info.Name != backend {
		return fmt.Errorf("%s calls itself %q, not %q: refusing to pin it for %s",
			found.Path, info.Name, backend, backend)
	}
	pin, err := pins.Trust(found, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, "sha256:"+pin.SHA256)
	fmt.Fprintf(f.IO.ErrOut, "pinned %s %s at %s in %s\n", backend, info.Version,
		found.Path, pins.Path)
	return nil
}

func newCmdPluginUntrust(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "untrust <backend>",
		Short:   "Remove the pin of a backend's plugin",
		Example: "  $ bottle plugin untrust docker",
		Args:    exactlyOne("plugin untrust", "<backend>"),
		RunE: func(_ *cobra.Command, args []string) error {
			pins, err := f.Pins()
			if err != nil {
				return err
			}
			if err := pins.Untrust(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "removed the pin of %s from %s\n", args[0], pins.Path)
			return nil
		},
	}
}

// exactlyOne is cobra.ExactArgs(1) with a message that shows the usage.
func exactlyOne(command, arg string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError{fmt.Errorf("%s takes one argument, got %d: bottle %s %s",
				command, len(args), command, arg)}
		}
		return nil
	}
}
