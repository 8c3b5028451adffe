// Package cli builds bottle's command tree. Each command is an options
// struct, a constructor for its cobra command, and a run function that
// tests can call directly; the work itself lives in other packages.
package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/internal/lifecycle"
	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/internal/prompt"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// Version is the host's version.
const Version = "0.1.0"

// logLevels are the values --log-level takes.
var logLevels = []string{"trace", "debug", "info", "warn", "error", "off"}

// Factory carries what every command needs from the outside world, so
// tests can run commands against buffers and a made-up environment.
type Factory struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	// Executable is the path of the running bottle binary; its directory
	// is searched for plugins.
	Executable string

	logLevel string
}

// NewFactory returns a Factory for the real process.
func NewFactory() *Factory {
	exe, err := os.Executable()
	if err == nil {
		exe, _ = filepath.EvalSymlinks(exe)
	}
	return &Factory{IO: iostreams.System(), Getenv: os.Getenv, Executable: exe}
}

// Logger returns the host's logger. Logs go to stderr, and only when
// asked for: the default level is off.
func (f *Factory) Logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   "bottle",
		Level:  hclog.LevelFromString(f.logLevel),
		Output: f.IO.ErrOut,
	})
}

// Finder searches the plugin directories.
func (f *Factory) Finder() pluginhost.Finder {
	return pluginhost.Finder{Dirs: pluginhost.DefaultDirs(f.Getenv, f.Executable)}
}

// Pins reads the lock file of pinned plugins.
func (f *Factory) Pins() (*pluginhost.Pins, error) {
	return pluginhost.LoadPins(pluginhost.PinsPath(f.Getenv))
}

// StartOptions say how commands start plugins.
func (f *Factory) StartOptions() pluginhost.StartOptions {
	return pluginhost.StartOptions{Log: f.Logger(), LogLevel: f.logLevel}
}

// Host gathers what commit and resume need; assumeYes answers every
// question yes (--yes).
func (f *Factory) Host(assumeYes bool) (*lifecycle.Host, error) {
	root, err := state.DefaultRoot()
	if err != nil {
		return nil, err
	}
	pins, err := f.Pins()
	if err != nil {
		return nil, err
	}
	return &lifecycle.Host{
		Store: state.Store{Root: root},
		Plugins: pluginhost.Launcher{
			Finder: f.Finder(), Pins: pins, Options: f.StartOptions(),
		},
		Prompter: &prompt.Confirmer{IO: f.IO, AssumeYes: assumeYes},
		Log:      f.Logger(),
	}, nil
}

// NewRootCmd builds the bottle command and its subcommands.
func NewRootCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bottle <command>",
		Short: "Freeze running AI-agent sandboxes into artifacts they resume from",
		Long: "bottle snapshots a running bottle (a Docker container, a macOS container\n" +
			"or a smolvm microVM) into an artifact that it can be resumed from.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       Version,
		Args:          noUnknownCommand,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return checkLogLevel(f.logLevel)
		},
	}
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{err}
	})

	defaultLevel := f.Getenv(shared.EnvLogLevel)
	if defaultLevel == "" {
		defaultLevel = "off"
	}
	cmd.PersistentFlags().StringVar(&f.logLevel, "log-level", defaultLevel,
		"log detail on stderr: trace, debug, info, warn, error or off ($"+
			shared.EnvLogLevel+")")

	cmd.AddCommand(newCmdCommit(f, nil))
	cmd.AddCommand(newCmdResume(f))
	cmd.AddCommand(newCmdPlugin(f))
	return cmd
}

func checkLogLevel(level string) error {
	for _, l := range logLevels {
		if level == l {
			return nil
		}
	}
	return usageError{fmt.Errorf("invalid log level %q: use one of %v", level, logLevels)}
}

// noUnknownCommand makes a command group refuse a subcommand it does
// not have as a usage error, which cobra alone reports as a failure.
func noUnknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
	}
	return nil
}

// usageError marks a command line that could not be understood.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }
