package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bot-bottle/bottle/internal/lifecycle"
	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// Exit codes. Scripts can tell a bad command line and an interrupt from
// a failure.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// Main runs bottle with the process's arguments and returns its exit
// code. An interrupt (Ctrl-C) or SIGTERM cancels the command's context,
// which stops the plugin's work and leaves state as it was.
func Main() int {
	f := NewFactory()
	ctx, stop := cancelOnSignal(f.IO.ErrOut)
	defer stop()

	root := NewRootCmd(f)
	root.SetArgs(os.Args[1:])
	err := root.ExecuteContext(ctx)
	return reportError(f.IO.ErrOut, err)
}

// cancelOnSignal returns a context cancelled by the first interrupt or
// SIGTERM. The plugin then undoes what it had started, which can take
// a while, so bottle says so, and a second Ctrl-C ends it at once.
func cancelOnSignal(w io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-signals:
			signal.Stop(signals) // the next one gets the default: exit
			fmt.Fprintln(w, "interrupted: stopping, and undoing what was started "+
				"(Ctrl-C again to quit at once)")
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		cancel()
	}
}

// reportError prints err for the user, with advice when there is some,
// and maps it to an exit code. It is the one place that does either.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errProblems) {
		return exitFailure // the command has reported them itself
	}
	fmt.Fprintf(w, "error: %s\n", err)
	if advice := adviceFor(err); advice != "" {
		fmt.Fprintf(w, "hint: %s\n", advice)
	}

	var usage usageError
	switch {
	case errors.As(err, &usage):
		fmt.Fprintln(w, "run 'bottle --help' for usage")
		return exitUsage
	case errors.Is(err, shared.ErrCanceled):
		return exitInterrupted
	}
	return exitFailure
}

// adviceFor finds advice for errors the host itself raises; plugins
// attach theirs to the error.
func adviceFor(err error) string {
	if advice := shared.Advice(err); advice != "" {
		return advice
	}
	var notFound *pluginhost.NotFoundError
	var pinErr *pluginhost.PinError
	switch {
	case errors.As(err, &notFound):
		return notFound.Advice()
	case errors.As(err, &pinErr):
		return pinErr.Advice()
	case errors.Is(err, pluginhost.ErrUnsafe):
		return "make it writable by its owner only (chmod go-w on the file and its " +
			"directory), after checking that nobody changed it"
	case errors.Is(err, pluginhost.ErrInvalidBackend):
		return "fix the \"backend\" field of the bottle's metadata.json"
	case errors.Is(err, pluginhost.ErrProtocol):
		return "install versions of bottle and the plugin that speak the same protocol"
	case errors.Is(err, state.ErrNoBottle):
		return "check the slug: each bottle has a directory in the state root " +
			"(set " + state.EnvRoot + " to use another root)"
	case errors.Is(err, lifecycle.ErrNoCommit):
		return "commit it first with `bottle commit <slug>`"
	case errors.Is(err, state.ErrBusy):
		return "wait for the other command to finish, then try again"
	case errors.Is(err, pluginhost.ErrBadPlugin):
		return "reinstall the plugin, or run with --log-level debug to see its output"
	}
	return ""
}
