// Package pluginhost finds backend plugins on disk and starts them.
// Finding runs nothing: a plugin process is started only for the
// backend a command needs.
package pluginhost

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ExecutablePrefix starts the file name of every backend plugin:
// bottle-plugin-<backend>.
const ExecutablePrefix = "bottle-plugin-"

// EnvPluginPath lists extra plugin directories, searched first.
const EnvPluginPath = "BOTTLE_PLUGIN_PATH"

// ErrNoPlugin means no plugin executable exists for a backend.
var ErrNoPlugin = errors.New("no plugin found")

// Finder searches directories, in order, for plugin executables.
type Finder struct {
	Dirs []string
}

// DefaultDirs returns the search order: each directory of
// BOTTLE_PLUGIN_PATH, the directory of the bottle executable,
// $XDG_DATA_HOME/bottle/plugins (default ~/.local/share/bottle/plugins),
// then each directory of PATH.
func DefaultDirs(getenv func(string) string, executable string) []string {
	var dirs []string
	dirs = append(dirs, filepath.SplitList(getenv(EnvPluginPath))...)
	if executable != "" {
		dirs = append(dirs, filepath.Dir(executable))
	}
	dirs = append(dirs, userPluginDir(getenv))
	dirs = append(dirs, filepath.SplitList(getenv("PATH"))...)
	return dedupe(dirs)
}

// userPluginDir is "" when neither XDG_DATA_HOME nor HOME says where it
// is; a relative path would search the current directory.
func userPluginDir(getenv func(string) string) string {
	data := getenv("XDG_DATA_HOME")
	if data == "" && getenv("HOME") != "" {
		data = filepath.Join(getenv("HOME"), ".local", "share")
	}
	if data == "" {
		return ""
	}
	return filepath.Join(data, "bottle", "plugins")
}

// dedupe drops empty entries and repeats, keeping the first occurrence.
func dedupe(dirs []string) []string {
	seen := make(map[string]bool, len(dirs))
	out := dirs[:0]
	for _, d := range dirs {
		if d == "" || seen[filepath.Clean(d)] {
			continue
		}
		seen[filepath.Clean(d)] = true
		out = append(out, d)
	}
	return out
}

// Plugin is a plugin executable found on disk.
type Plugin struct {
	Backend string
	Path    string
}

// ErrInvalidBackend is wrapped by errors about backend names that
// cannot name a plugin.
var ErrInvalidBackend = errors.New("invalid backend name")

// ValidateBackend refuses a backend name that is not a plain file-name
// part: one read from a bottle's metadata must not lead outside the
// plugin directories ("../../bin/sh").
func ValidateBackend(backend string) error {
	if backend == "" || len(backend) > 64 || !isAlnum(backend[0]) {
		return fmt.Errorf("%w %q: use 1 to 64 letters, digits, '.', '_' or '-', "+
			"starting with a letter or digit", ErrInvalidBackend, backend)
	}
	for _, r := range backend {
		if r >= 0x80 || !(isAlnum(byte(r)) || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%w %q: %q is not allowed", ErrInvalidBackend, backend, r)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Find returns the first executable for the backend in search order.
func (f Finder) Find(backend string) (Plugin, error) {
	if err := ValidateBackend(backend); err != nil {
		return Plugin{}, err
	}
	name := ExecutablePrefix + backend
	for _, dir := range f.Dirs {
		path := filepath.Join(dir, name)
		if isExecutableFile(path) {
			return Plugin{Backend: backend, Path: path}, nil
		}
	}
	return Plugin{}, &NotFoundError{Backend: backend, Dirs: f.Dirs, Found: f.All()}
}

// All returns the plugin used for each backend, sorted by backend.
func (f Finder) All() []Plugin {
	var plugins []Plugin
	for _, c := range f.Candidates() {
		if c.Status == "" { // neither shadowed nor unusable
			plugins = append(plugins, Plugin{Backend: c.Backend, Path: c.Path})
		}
	}
	sort.Slice(plugins, func(i, j int) bool { return plugins[i].Backend < plugins[j].Backend })
	return plugins
}

func isExecutableFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}

// NotFoundError says which backend had no plugin, where the search
// looked, and which backends it did find.
type NotFoundError struct {
	Backend string
	Dirs    []string
	Found   []Plugin
}

func (e *NotFoundError) Error() string {
	found := "none"
	if len(e.Found) > 0 {
		names := make([]string, len(e.Found))
		for i, p := range e.Found {
			names[i] = p.Backend
		}
		found = strings.Join(names, ", ")
	}
	return fmt.Sprintf("no plugin for backend %q (plugins found: %s)", e.Backend, found)
}

func (e *NotFoundError) Unwrap() error { return ErrNoPlugin }

// Advice says where to put the missing plugin.
func (e *NotFoundError) Advice() string {
	return fmt.Sprintf("install %s%s next to the bottle executable or in "+
		"~/.local/share/bottle/plugins, or add its directory to %s; "+
		"`bottle plugin list` shows what is installed",
		ExecutablePrefix, e.Backend, EnvPluginPath)
}
