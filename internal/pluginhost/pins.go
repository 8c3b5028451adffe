package pluginhost

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/bot-bottle/bottle/internal/atomicfile"
)

// Pin is the checksum a user trusted for a backend's plugin.
type Pin struct {
	SHA256   string `json:"sha256"`    // hex, of the executable
	Path     string `json:"path"`      // where it was when pinned, for people
	PinnedAt string `json:"pinned_at"` // RFC 3339
}

// Pins is the lock file of pinned plugins, by backend name. Every start
// of a pinned plugin verifies its checksum.
type Pins struct {
	Path    string         `json:"-"`
	Version int            `json:"version"`
	Plugins map[string]Pin `json:"plugins"`
}

// PinsPath is $XDG_CONFIG_HOME/bottle/plugins.lock, by default
// ~/.config/bottle/plugins.lock; "" when neither variable is set.
func PinsPath(getenv func(string) string) string {
	config := getenv("XDG_CONFIG_HOME")
	if config == "" && getenv("HOME") != "" {
		config = filepath.Join(getenv("HOME"), ".config")
	}
	if config == "" {
		return ""
	}
	return filepath.Join(config, "bottle", "plugins.lock")
}

// LoadPins reads the lock file; a missing file pins nothing.
func LoadPins(path string) (*Pins, error) {
	pins := &Pins{Path: path, Version: 1, Plugins: map[string]Pin{}}
	if path == "" {
		return pins, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return pins, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read plugin pins: %w", err)
	}
	if err := json.Unmarshal(data, pins); err != nil {
		return nil, fmt.Errorf("read plugin pins %s: %w (fix or remove the file)", path, err)
	}
	if pins.Plugins == nil {
		pins.Plugins = map[string]Pin{}
	}
	return pins, nil
}

// Checksum returns the pinned sha256 for backend, or nil when the
// backend is not pinned.
func (p *Pins) Checksum(backend string) ([]byte, error) {
	pin, ok := p.Plugins[backend]
	if !ok {
		return nil, nil
	}
	sum, err := hex.DecodeString(pin.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("plugin pins %s: bad sha256 for %q (run `bottle plugin trust %s`)",
			p.Path, backend, backend)
	}
	return sum, nil
}

// Trust pins the plugin's current checksum and saves the lock file.
func (p *Pins) Trust(plugin Plugin, now time.Time) (Pin, error) {
	sum, err := FileSHA256(plugin.Path)
	if err != nil {
		return Pin{}, err
	}
	pin := Pin{SHA256: sum, Path: plugin.Path, PinnedAt: now.UTC().Format(time.RFC3339)}
	p.Plugins[plugin.Backend] = pin
	return pin, p.save()
}

// Untrust removes the backend's pin and saves the lock file.
func (p *Pins) Untrust(backend string) error {
	if _, ok := p.Plugins[backend]; !ok {
		return fmt.Errorf("backend %q is not pinned in %s", backend, p.Path)
	}
	delete(p.Plugins, backend)
	return p.save()
}

// Backends lists the pinned backends, sorted.
func (p *Pins) Backends() []string {
	names := make([]string, 0, len(p.Plugins))
	for name := range p.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (p *Pins) save() error {
	if p.Path == "" {
		return errors.New("save plugin pins: set HOME or XDG_CONFIG_HOME to say where")
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.Path), 0o700); err != nil {
		return fmt.Errorf("save plugin pins: %w", err)
	}
	if err := atomicfile.Write(p.Path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save plugin pins: %w", err)
	}
	return nil
}

// FileSHA256 returns the hex sha256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
