package pluginhost

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
)

// processRunner runs a plugin executable as a child process for
// go-plugin. It exists for two things go-plugin's own runner does not
// do: its stdin is closed, because a plugin never reads the terminal,
// and, being a RunnerFunc, it makes go-plugin keep every socket of the
// connection, the host's broker sockets included, in a private
// directory of its own (mode 0700, removed when the plugin is killed).
type processRunner struct {
	cmd            *exec.Cmd
	stdout, stderr io.ReadCloser

	exited     chan struct{} // closed once the process has exited
	exitedOnce sync.Once
}

// newProcessRunner prepares the executable at path to run with env, then
// go-plugin's own variables from spec (which win).
func newProcessRunner(path string, env []string, spec *exec.Cmd) (*processRunner, error) {
	cmd := exec.Command(path)
	cmd.Env = append(env, spec.Env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	return &processRunner{cmd: cmd, stdout: stdout, stderr: stderr,
		exited: make(chan struct{})}, nil
}

func (r *processRunner) Start(context.Context) error { return r.cmd.Start() }

// Wait is called once by go-plugin, which then reads nothing more.
func (r *processRunner) Wait(context.Context) error {
	err := r.cmd.Wait()
	r.exitedOnce.Do(func() { close(r.exited) })
	return err
}

// Kill may be called more than once, and after the plugin exited.
func (r *processRunner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (r *processRunner) Stdout() io.ReadCloser           { return r.stdout }
func (r *processRunner) Stderr() io.ReadCloser           { return r.stderr }
func (r *processRunner) Name() string                    { return r.cmd.Path }
func (r *processRunner) Diagnose(context.Context) string { return "" }

func (r *processRunner) ID() string {
	if r.cmd.Process == nil {
		return ""
	}
	return strconv.Itoa(r.cmd.Process.Pid)
}

// Addresses need no translation: plugin and host share the machine.
func (r *processRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

func (r *processRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}
