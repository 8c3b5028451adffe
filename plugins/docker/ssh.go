package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// sshOptions reach an engine at ssh://[user@]host[:port] the way the
// docker CLI does: each connection is `ssh ... docker system
// dial-stdio` on the remote machine, talking HTTP over ssh's stdio.
// The user's ssh set-up (keys, agent, config) applies as for the CLI,
// but ssh runs in batch mode: a plugin never reads the terminal, so a
// password or host-key question fails the connection instead.
func sshOptions(endpoint string) ([]client.Opt, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return nil, shared.Errorf(shared.ErrInvalidArgument,
			"docker endpoint %q: want ssh://[user@]host[:port]", endpoint)
	}
	args := []string{"-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30"}
	if u.User != nil {
		args = append(args, "-l", u.User.Username())
	}
	if u.Port() != "" {
		args = append(args, "-p", u.Port())
	}
	args = append(args, "--", u.Hostname(), "docker", "system", "dial-stdio")
	dial := func(context.Context, string, string) (net.Conn, error) {
		return dialCommand(exec.Command("ssh", args...))
	}
	// The host is only a name for the HTTP requests; dial decides where
	// they go.
	return []client.Opt{client.WithHost("http://docker.invalid"),
		client.WithDialContext(dial)}, nil
}

// commandConn is a connection to a command's stdin and stdout.
type commandConn struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	stdout    io.ReadCloser
	closeOnce sync.Once
}

func dialCommand(cmd *exec.Cmd) (net.Conn, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return &commandConn{cmd: cmd, stdin: stdin, stdout: stdout}, nil
}

func (c *commandConn) Read(p []byte) (int, error)  { return c.stdout.Read(p) }
func (c *commandConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

// Close ends the command; its exit status says nothing about the
// connection, so it is not reported.
func (c *commandConn) Close() error {
	c.closeOnce.Do(func() {
		c.stdin.Close()
		c.cmd.Process.Kill()
		c.cmd.Wait()
	})
	return nil
}

func (c *commandConn) LocalAddr() net.Addr  { return commandAddr{} }
func (c *commandConn) RemoteAddr() net.Addr { return commandAddr{} }

// Deadlines are not supported by pipes to a process; the engine calls
// are bounded by their contexts instead.
func (c *commandConn) SetDeadline(time.Time) error      { return nil }
func (c *commandConn) SetReadDeadline(time.Time) error  { return nil }
func (c *commandConn) SetWriteDeadline(time.Time) error { return nil }

type commandAddr struct{}

func (commandAddr) Network() string { return "command" }
func (commandAddr) String() string  { return "ssh" }
