package shared

import (
	"os"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the plugin protocol this package speaks. It changes
// only with an incompatible change to the service (a new proto package).
const ProtocolVersion = 1

// PluginName is the key of the Backend in go-plugin's plugin map.
const PluginName = "backend"

// EnvLogLevel sets the log level of host and plugins ("debug", "info",
// "warn", "error", "off"); the host passes its level on to the plugin.
const EnvLogLevel = "BOTTLE_LOG_LEVEL"

// Handshake is shared by the host and every plugin. The cookie is not
// security: it only stops a plugin binary run by hand from hanging
// silently, and tells it that it was not started by bottle.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "BOTTLE_PLUGIN_MAGIC_COOKIE",
	MagicCookieValue: "b0771e-freezer-9f3c2a",
}

// PluginSets maps each protocol version to the plugins served under it.
// The host passes PluginSets(nil).
func PluginSets(impl Backend) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginName: &BackendPlugin{Impl: impl}},
	}
}

// Serve runs a backend as a plugin process; it is all a plugin's main
// needs to do. It returns when the host is done with the plugin.
//
// newBackend receives a logger that writes JSON to stderr, where the
// host picks the lines up and shows them under the plugin's name.
func Serve(newBackend func(hclog.Logger) Backend) {
	logger := NewLogger()
	backend := &BackendPlugin{Impl: newBackend(logger)}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			ProtocolVersion: {PluginName: backend},
		},
		GRPCServer: plugin.DefaultGRPCServer,
		Logger:     logger,
	})
	// The host stops the server as soon as it is done; a call it
	// cancelled may still be undoing its work (restarting a stopped VM,
	// removing files), so the process lives until every call returned.
	backend.calls.Wait()
}

// NewLogger returns the plugin-side logger: JSON on stderr, at the level
// the host asked for in BOTTLE_LOG_LEVEL.
func NewLogger() hclog.Logger {
	level := hclog.LevelFromString(os.Getenv(EnvLogLevel))
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	return hclog.New(&hclog.LoggerOptions{
		Level:      level,
		Output:     os.Stderr,
		JSONFormat: true,
	})
}
