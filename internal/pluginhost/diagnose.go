package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Status is what `bottle plugin list` says of a plugin candidate.
type Status string

// Statuses, from good to bad.
const (
	StatusOK            Status = "ok"
	StatusShadowed      Status = "shadowed"          // an earlier one wins
	StatusNotExecutable Status = "not-executable"    // no execute bit
	StatusUnsafe        Status = "unsafe"            // others can change it
	StatusPinMismatch   Status = "checksum-mismatch" // changed since pinned
	StatusProtocol      Status = "protocol-mismatch" // speaks another protocol
	StatusNotPlugin     Status = "not-a-plugin"      // no handshake
	StatusFailed        Status = "failed"            // would not start, or Info failed
)

// Candidate is one file named like a plugin, and what is known of it.
type Candidate struct {
	Backend      string   `json:"backend"`
	Path         string   `json:"path"`
	Status       Status   `json:"status"`
	Detail       string   `json:"detail,omitempty"`
	ShadowedBy   string   `json:"shadowed_by,omitempty"`
	Pinned       bool     `json:"pinned"`
	Name         string   `json:"name,omitempty"`
	Version      string   `json:"version,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
}

// Candidates lists every file named bottle-plugin-<backend> in search
// order. The first executable one of a backend is the one used; later
// ones are marked shadowed. It runs nothing: Diagnose does.
func (f Finder) Candidates() []Candidate {
	var out []Candidate
	winners := map[string]string{}
	for _, dir := range f.Dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // a missing directory in a search path is normal
		}
		for _, e := range entries {
			backend, ok := strings.CutPrefix(e.Name(), ExecutablePrefix)
			path := filepath.Join(dir, e.Name())
			info, err := os.Stat(path)
			if !ok || backend == "" || err != nil || !info.Mode().IsRegular() {
				continue
			}
			c := Candidate{Backend: backend, Path: path}
			switch winner, seen := winners[backend]; {
			case info.Mode().Perm()&0o111 == 0:
				c.Status, c.Detail = StatusNotExecutable, "chmod +x it, or remove it"
			case seen:
				c.Status, c.ShadowedBy = StatusShadowed, winner
				c.Detail = "shadowed by " + winner
			default:
				winners[backend] = path
			}
			out = append(out, c)
		}
	}
	return out
}

// Diagnose checks a candidate that would be used: that it is safe, that
// it matches its pin, and that it starts and answers Info. It fills in
// the status, detail and what the plugin says of itself.
func Diagnose(ctx context.Context, c *Candidate, pins *Pins, opts StartOptions) {
	if c.Status != "" {
		return // shadowed or not executable: never started
	}
	_, c.Pinned = pins.Plugins[c.Backend]
	sum, err := pins.Checksum(c.Backend)
	if err == nil {
		opts.Checksum = sum
		err = probe(ctx, c, opts)
	}
	c.Status, c.Detail = statusOf(err), detailOf(err)
}

func probe(ctx context.Context, c *Candidate, opts StartOptions) error {
	client, err := Start(Plugin{Backend: c.Backend, Path: c.Path}, opts)
	if err != nil {
		return err
	}
	defer client.Close()
	info, err := client.Info(ctx)
	if err != nil {
		return err
	}
	c.Name, c.Version, c.Capabilities = info.Name, info.Version, info.Capabilities
	if info.Name != c.Backend {
		return fmt.Errorf("it calls itself %q, but its file name says %q", info.Name, c.Backend)
	}
	return nil
}

func statusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrUnsafe):
		return StatusUnsafe
	case errors.Is(err, ErrPinMismatch):
		return StatusPinMismatch
	case errors.Is(err, ErrProtocol):
		return StatusProtocol
	case errors.Is(err, ErrNotPlugin):
		return StatusNotPlugin
	}
	return StatusFailed
}

func detailOf(err error) string {
	if err == nil {
		return ""
	}
	var pinErr *PinError
	if errors.As(err, &pinErr) {
		return pinErr.Error() + "; " + pinErr.Advice()
	}
	return err.Error()
}
