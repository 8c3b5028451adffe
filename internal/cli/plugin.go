package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newCmdPlugin(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin <command>",
		Short: "Inspect backend plugins",
	}
	cmd.AddCommand(newCmdPluginList(f))
	return cmd
}

func newCmdPluginList(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the backend plugins found and where",
		Long: "List each backend whose plugin executable (bottle-plugin-<backend>) is found,\n" +
			"with the path that wins. Nothing is run. Directories are searched in order:\n" +
			"$BOTTLE_PLUGIN_PATH, the directory of the bottle executable,\n" +
			"$XDG_DATA_HOME/bottle/plugins (~/.local/share/bottle/plugins), then $PATH.",
		Example: "  $ bottle plugin list",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			finder := f.Finder()
			plugins := finder.All()
			if len(plugins) == 0 {
				return errors.New("no plugins found in: " + strings.Join(finder.Dirs, ":"))
			}
			tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "BACKEND\tPATH")
			for _, p := range plugins {
				fmt.Fprintf(tw, "%s\t%s\n", p.Backend, p.Path)
			}
			return tw.Flush()
		},
	}
}
