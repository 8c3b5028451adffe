// Package command runs a backend's command-line tool on behalf of a
// plugin: each run is logged, and a failure comes back as an *Error
// holding the command, its exit code and what it printed on stderr.
package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// ErrNotInstalled means the tool is not on PATH.
var ErrNotInstalled = errors.New("not installed")

// Error is a command that ran and failed.
type Error struct {
	Args     []string // the command line, program first
	ExitCode int      // -1 when it was killed
	Stderr   string   // what it printed on stderr, trimmed
	Err      error    // the underlying *exec.ExitError or context error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s failed (exit %d)", strings.Join(e.Args, " "), e.ExitCode)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Runner runs commands, logging each at debug level.
type Runner struct {
	Log hclog.Logger
}

// Output runs the program and returns its stdout. The program is killed
// if ctx ends first.
func (r Runner) Output(ctx context.Context, program string, args ...string) ([]byte, error) {
	r.Log.Debug("running command", "program", program, "args", args)
	cmd := exec.CommandContext(ctx, program, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("run %s: %w: %w", program, ErrNotInstalled, err)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = errors.Join(ctx.Err(), err)
		}
		return stdout.Bytes(), &Error{
			Args:     append([]string{program}, args...),
			ExitCode: exitCode(cmd),
			Stderr:   strings.TrimSpace(stderr.String()),
			Err:      err,
		}
	}
	return stdout.Bytes(), nil
}

func exitCode(cmd *exec.Cmd) int {
	if cmd.ProcessState == nil {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

// StderrContains reports whether err is a failed command whose stderr
// holds text, for recognising a tool's documented messages.
func StderrContains(err error, text string) bool {
	var cmdErr *Error
	return errors.As(err, &cmdErr) && strings.Contains(cmdErr.Stderr, text)
}
