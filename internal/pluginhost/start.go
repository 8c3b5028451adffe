package pluginhost

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// startTimeout bounds the wait for a plugin's handshake. A healthy
// plugin answers in milliseconds; a slow disk or a loaded machine can
// stretch that, a plugin that never answers cannot be waited on forever.
const startTimeout = 20 * time.Second

// Errors about plugins that cannot be used. Each wraps ErrBadPlugin.
var (
	// ErrBadPlugin: the plugin would not start, or died.
	ErrBadPlugin = errors.New("plugin failed")
	// ErrNotPlugin: it answered something other than the handshake.
	ErrNotPlugin = fmt.Errorf("%w: not a bottle plugin", ErrBadPlugin)
	// ErrProtocol: it speaks another version of the plugin protocol.
	ErrProtocol = fmt.Errorf("%w: protocol mismatch", ErrBadPlugin)
	// ErrPinMismatch: its checksum is not the one pinned for it.
	ErrPinMismatch = fmt.Errorf("%w: checksum does not match its pin", ErrBadPlugin)
	// ErrUnsafe: it or its directory can be changed by other users.
	ErrUnsafe = fmt.Errorf("%w: unsafe", ErrBadPlugin)
)

// pluginError is an error of one of the classes above, with its own
// message.
type pluginError struct {
	class error
	msg   string
}

func (e *pluginError) Error() string { return e.msg }
func (e *pluginError) Unwrap() error { return e.class }

func badPlugin(class error, format string, args ...any) error {
	return &pluginError{class: class, msg: fmt.Sprintf(format, args...)}
}

// StartOptions say how to start a plugin.
type StartOptions struct {
	Log      hclog.Logger // the plugin's log lines arrive here, under its name
	LogLevel string       // passed to the plugin in BOTTLE_LOG_LEVEL
	// Checksum is the pinned sha256 of the executable; nil when the
	// plugin is not pinned. go-plugin verifies it before starting.
	Checksum []byte
}

// Client is a running plugin process and its Backend.
type Client struct {
	shared.Backend
	Plugin Plugin

	client    *plugin.Client
	rpc       plugin.ClientProtocol
	runner    *processRunner // nil until go-plugin asked for it
	socketDir string         // made by go-plugin for this plugin
	stderr    *tailWriter
}

// Start runs the plugin and completes the go-plugin handshake over gRPC,
// after making sure that no other user could have changed it and that
// it matches its pin, if it has one. Close the client when done.
func Start(p Plugin, opts StartOptions) (*Client, error) {
	if err := CheckSafe(p.Path); err != nil {
		return nil, err
	}
	if err := checkPin(p, opts.Checksum); err != nil {
		return nil, err
	}
	c := &Client{Plugin: p, stderr: newTailWriter(20)}
	c.client = plugin.NewClient(c.config(opts))

	rpc, err := c.client.Client()
	if err != nil {
		c.Close()
		return nil, c.startError(err)
	}
	c.rpc = rpc
	raw, err := rpc.Dispense(shared.PluginName)
	if err != nil {
		c.Close()
		return nil, badPlugin(ErrBadPlugin, "%s: %v", p.Path, err)
	}
	c.Backend = raw.(shared.Backend)
	return c, nil
}

// checkPin has go-plugin's SecureConfig hash the executable and compare
// it with the pinned checksum; nil checksum means not pinned.
func checkPin(p Plugin, checksum []byte) error {
	if checksum == nil {
		return nil
	}
	secure := &plugin.SecureConfig{Checksum: checksum, Hash: sha256.New()}
	ok, err := secure.Check(p.Path)
	if err != nil {
		return badPlugin(ErrBadPlugin, "verify %s: %v", p.Path, err)
	}
	if !ok {
		return &PinError{Backend: p.Backend, Path: p.Path}
	}
	return nil
}

func (c *Client) config(opts StartOptions) *plugin.ClientConfig {
	log := opts.Log
	if log == nil {
		log = hclog.NewNullLogger()
	}
	// The plugin gets bottle's environment and the log level asked for.
	env := append(os.Environ(), shared.EnvLogLevel+"="+opts.LogLevel)
	return &plugin.ClientConfig{
		HandshakeConfig:  shared.Handshake,
		VersionedPlugins: shared.PluginSets(nil),
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, socketDir string) (
			runner.Runner, error) {
			r, err := newProcessRunner(c.Plugin.Path, env, spec)
			c.runner, c.socketDir = r, socketDir
			return r, err
		},
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		// go-plugin makes a private directory for the sockets there.
		UnixSocketConfig: &plugin.UnixSocketConfig{TempDir: socketBase()},
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

// maxSocketPath is the longest Unix socket path macOS takes (Linux
// takes 107 bytes).
const maxSocketPath = 103

// socketBase is where the private socket directory goes: $TMPDIR, unless
// the socket paths under it would be too long, as they can be on macOS
// or in deep test directories; then /tmp.
func socketBase() string {
	const socketSuffix = "/plugin-dir0123456789/plugin0123456789"
	if dir := os.TempDir(); len(dir)+len(socketSuffix) <= maxSocketPath {
		return dir
	}
	return "/tmp"
}

// undoWait bounds how long Close waits for the plugin to finish calls in
// flight: a call the host cancelled may be starting a stopped VM again.
const undoWait = 2 * time.Minute

// Close asks the plugin to shut down, waits for it to finish any call
// in flight (one the host cancelled undoes its work first), and makes
// sure it is gone; go-plugin then removes the socket directory.
func (c *Client) Close() {
	if c.rpc != nil && c.runner != nil {
		_ = c.rpc.Close()
		select {
		case <-c.runner.exited:
			// Gone of its own accord: go-plugin's Kill would only try to
			// shut it down again and warn that it could not.
			os.RemoveAll(c.socketDir)
			return
		case <-time.After(undoWait):
		}
	}
	c.client.Kill()
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
	return badPlugin(ErrBadPlugin, "%s exited during the call%s",
		c.Plugin.Path, c.stderr.quoted())
}

// startError explains why the handshake failed, in the user's terms
// rather than go-plugin's.
func (c *Client) startError(err error) error {
	msg := err.Error()
	path := c.Plugin.Path
	switch {
	case strings.Contains(msg, "exited before we could connect"),
		strings.Contains(msg, "Failed to read any lines from plugin's stdout"):
		return badPlugin(ErrBadPlugin, "%s exited before the handshake%s",
			path, c.stderr.quoted())
	case strings.HasPrefix(msg, "Unrecognized remote plugin message:"):
		first, _, _ := strings.Cut(
			strings.TrimPrefix(msg, "Unrecognized remote plugin message: "), "\n")
		return badPlugin(ErrNotPlugin, "%s is not a bottle plugin: it printed %q "+
			"instead of the handshake", path, first)
	case strings.Contains(msg, "incompatible API version"):
		return newProtocolError(path, msg)
	case strings.Contains(msg, "timeout while waiting"):
		return badPlugin(ErrBadPlugin, "%s did not answer within %s", path, startTimeout)
	}
	return badPlugin(ErrBadPlugin, "start %s: %v", path, err)
}

// ProtocolError is a plugin that speaks another version of the plugin
// protocol than this bottle.
type ProtocolError struct {
	Path           string
	PluginVersion  int
	HostVersions   []int
	negotiationMsg string
}

var pluginVersion = regexp.MustCompile(`Plugin version: (\d+)`)

func newProtocolError(path, msg string) error {
	e := &ProtocolError{Path: path, HostVersions: []int{shared.ProtocolVersion},
		negotiationMsg: msg}
	if m := pluginVersion.FindStringSubmatch(msg); m != nil {
		e.PluginVersion, _ = strconv.Atoi(m[1])
	}
	return e
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("%s speaks plugin protocol %d, and this bottle speaks %v: %s",
		e.Path, e.PluginVersion, e.HostVersions, e.Upgrade())
}

func (e *ProtocolError) Unwrap() error { return ErrProtocol }

// Upgrade says which side is behind.
func (e *ProtocolError) Upgrade() string {
	if e.PluginVersion > e.HostVersions[len(e.HostVersions)-1] {
		return "upgrade bottle"
	}
	return "upgrade the plugin"
}

// PinError is a plugin whose executable changed since it was pinned.
type PinError struct {
	Backend, Path string
}

func (e *PinError) Error() string {
	return fmt.Sprintf("%s does not match the checksum pinned for backend %q: "+
		"it changed since `bottle plugin trust %s`", e.Path, e.Backend, e.Backend)
}

func (e *PinError) Unwrap() error { return ErrPinMismatch }

// Advice says what to do about a changed plugin.
func (e *PinError) Advice() string {
	return fmt.Sprintf("if you replaced it on purpose, run `bottle plugin trust %s` again; "+
		"if not, reinstall it from a source you trust", e.Backend)
}

// CheckSafe refuses a plugin that users other than its owner could have
// replaced: a file, or its directory, writable by group or others.
// Whatever a pin says, such a file can change between the check and
// the start.
func CheckSafe(path string) error {
	for _, p := range []string{path, filepath.Dir(path)} {
		info, err := os.Stat(p)
		if err != nil {
			return badPlugin(ErrBadPlugin, "check plugin: %v", err)
		}
		if info.Mode().Perm()&0o022 != 0 {
			return badPlugin(ErrUnsafe, "refusing plugin %s: %s is writable by %s (mode %s)",
				path, p, writers(info.Mode()), info.Mode().Perm())
		}
	}
	return nil
}

func writers(mode os.FileMode) string {
	switch perm := mode.Perm(); {
	case perm&0o022 == 0o022:
		return "group and others"
	case perm&0o002 != 0:
		return "others"
	}
	return "group"
}

// Launcher starts the plugin a backend needs: the first found on the
// search path, verified against its pin if it has one.
type Launcher struct {
	Finder  Finder
	Pins    *Pins
	Options StartOptions
}

// Launch finds and starts the backend's plugin. Close it when done.
func (l Launcher) Launch(backend string) (*Client, error) {
	found, err := l.Finder.Find(backend)
	if err != nil {
		return nil, err
	}
	opts := l.Options
	if opts.Checksum, err = l.Pins.Checksum(backend); err != nil {
		return nil, err
	}
	if opts.Log != nil {
		opts.Log.Debug("starting plugin", "backend", backend, "path", found.Path,
			"pinned", opts.Checksum != nil)
	}
	return Start(found, opts)
}
