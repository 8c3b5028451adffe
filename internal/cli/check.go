package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/pluginhost"
)

func newCmdPluginCheck(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "check <path>",
		Short: "Check that a plugin executable keeps the plugin contract",
		Long: "Run the binary-level conformance checks against a plugin executable: the\n" +
			"handshake, Info, and the not-found error class for a bottle that does not\n" +
			"exist. For authors, whatever language the plugin is written in; Go authors\n" +
			"also get the full kit in plugin/shared/plugintest.",
		Example: "  $ bottle plugin check ./bottle-plugin-mybackend",
		Args:    exactlyOne("plugin check", "<path>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			backend := strings.TrimPrefix(filepath.Base(path), pluginhost.ExecutablePrefix)
			results := pluginhost.CheckBinary(cmd.Context(),
				pluginhost.Plugin{Backend: backend, Path: path}, f.StartOptions())
			failed := 0
			for _, r := range results {
				mark := "ok  "
				if r.Err != nil {
					mark, failed = "FAIL", failed+1
				}
				fmt.Fprintf(f.IO.Out, "%s %s\n", mark, r.Name)
				if r.Err != nil {
					fmt.Fprintf(f.IO.Out, "     %s\n", strings.ReplaceAll(r.Err.Error(),
						"\n", "\n     "))
				}
			}
			if failed > 0 {
				fmt.Fprintf(f.IO.ErrOut, "%d of %d checks failed\n", failed, len(results))
				return errProblems
			}
			fmt.Fprintf(f.IO.ErrOut, "all %d checks passed\n", len(results))
			return nil
		},
	}
}
