package pluginhost

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// startTimeout bounds the wait for a plugin's handshake. A healthy
// plugin answers in milliseconds; a slow disk or a loaded machine can
// stretch that, a plugin that never answers cannot be waited on forever.
const startTimeout = 20 * time.Second

// ErrBadPlugin is wrapped by every error about a plugin that would not
// start, answered something other than the handshake, or died.
var ErrBadPlugin = errors.New("plugin failed")

// Client is a running plugin process and its Backend.
type Client struct {
	shared.Backend
	Plugin Plugin

	client    *plugin.Client
	stderr    *tailWriter
	socketDir string
}

// Start runs the plugin and completes the go-plugin handshake over gRPC.
// The plugin logs at logLevel; its lines reach log under its name.
// Close the client when done.
func Start(p Plugin, log hclog.Logger, logLevel string) (*Client, error) {
	// The plugin's socket lives in a directory only this user can enter,
	// so no other user can connect to it, whatever the umask.
	socketDir, err := os.MkdirTemp("", "bottle-plugin-")
	if err != nil {
		return nil, fmt.Errorf("start plugin %s: %w", p.Backend, err)
	}
	c := &Client{Plugin: p, stderr: newTailWriter(20), socketDir: socketDir}
	c.client = plugin.NewClient(c.config(log, logLevel))

	rpc, err := c.client.Client()
	if err != nil {
		c.Close()
		return nil, c.startError(err)
	}
	raw, err := rpc.Dispense(shared.PluginName)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrBadPlugin, p.Path, err)
	}
	c.Backend = raw.(shared.Backend)
	return c, nil
}

func (c *Client) config(log hclog.Logger, logLevel string) *plugin.ClientConfig {
	cmd := exec.Command(c.Plugin.Path)
	// The environment is passed whole here, not added by go-plugin, so
	// that the log level set here is the one the plugin sees.
	cmd.Env = append(os.Environ(), shared.EnvLogLevel+"="+logLevel)
	return &plugin.ClientConfig{
		HandshakeConfig:  shared.Handshake,
		VersionedPlugins: shared.PluginSets(nil),
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: c.socketDir},
		// Not AutoMTLS: the private socket directory already keeps other
		// users out, and mTLS would add about 50 ms to every command
		// (a P-521 key pair made on each side).
		StartTimeout: startTimeout,
		Logger:       log,
		// Lines the plugin writes to its stderr file are logs or a crash
		// report; what it writes to os.Stdout and os.Stderr after the
		// handshake arrives through go-plugin's stdio stream. All of it
		// is kept for error messages.
		Stderr:     c.stderr,
		SyncStdout: c.stderr,
		SyncStderr: c.stderr,
	}
}

// Close ends the plugin process and removes its socket directory.
func (c *Client) Close() {
	c.client.Kill()
	os.RemoveAll(c.socketDir)
}

// exitWait bounds the wait for a plugin whose connection broke to be
// seen as exited; the two events race by a few milliseconds.
const exitWait = 2 * time.Second

// Explain turns an error from a call into a plugin into one a user can
// act on: when the plugin process died during the call, the gRPC error
// says little, so this names the plugin and shows its last words.
func (c *Client) Explain(err error) error {
	if !errors.Is(err, shared.ErrConnectionLost) {
		return err
	}
	for deadline := time.Now().Add(exitWait); !c.client.Exited(); {
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.client.Kill() // returns once the plugin's stderr is read to the end
	return fmt.Errorf("%w: %s exited during the call%s",
		ErrBadPlugin, c.Plugin.Path, c.stderr.quoted())
}

// startError explains why the handshake failed, in the user's terms
// rather than go-plugin's.
func (c *Client) startError(err error) error {
	msg := err.Error()
	path := c.Plugin.Path
	switch {
	case strings.Contains(msg, "exited before we could connect"),
		strings.Contains(msg, "Failed to read any lines from plugin's stdout"):
		return fmt.Errorf("%w: %s exited before the handshake%s",
			ErrBadPlugin, path, c.stderr.quoted())
	case strings.HasPrefix(msg, "Unrecognized remote plugin message:"):
		first, _, _ := strings.Cut(strings.TrimPrefix(msg, "Unrecognized remote plugin message: "),
			"\n")
		return fmt.Errorf("%w: %s is not a bottle plugin: it printed %q instead of the handshake",
			ErrBadPlugin, path, first)
	case strings.Contains(msg, "incompatible API version"):
		return fmt.Errorf("%w: %s speaks another plugin protocol than this bottle (%d): %s",
			ErrBadPlugin, path, shared.ProtocolVersion, msg)
	case strings.Contains(msg, "timeout while waiting"):
		return fmt.Errorf("%w: %s did not answer within %s", ErrBadPlugin, path, startTimeout)
	}
	return fmt.Errorf("%w: start %s: %w", ErrBadPlugin, path, err)
}
