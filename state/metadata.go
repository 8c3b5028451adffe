package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/bot-bottle/bottle/internal/atomicfile"
)

// DefaultBackend is the backend of a bottle whose metadata names none:
// its directory predates the field, when docker was the only backend.
const DefaultBackend = "docker"

// Metadata is a bottle's metadata.json. Keys it does not model are kept
// and written back unchanged, so a newer launcher loses nothing.
type Metadata struct {
	AgentName      string   `json:"agent_name"`
	Cwd            string   `json:"cwd"`
	CopyCwd        bool     `json:"copy_cwd"`
	StartedAt      string   `json:"started_at"`
	ComposeProject string   `json:"compose_project"`
	Backend        string   `json:"backend"`
	Label          string   `json:"label"`
	Color          string   `json:"color"`
	BottleNames    []string `json:"bottle_names"`

	// Raw is the file as read; nil when there was no file.
	Raw []byte `json:"-"`

	unknown map[string]json.RawMessage
}

// knownKeys are the keys the fields above model.
var knownKeys = []string{
	"agent_name", "cwd", "copy_cwd", "started_at", "compose_project",
	"backend", "label", "color", "bottle_names",
}

// BackendName is the backend that runs the bottle.
func (m *Metadata) BackendName() string {
	if m.Backend == "" {
		return DefaultBackend
	}
	return m.Backend
}

// UnmarshalJSON fills missing keys with zero values, as the launcher's
// reader does, and keeps unknown keys.
func (m *Metadata) UnmarshalJSON(data []byte) error {
	type plain Metadata // without methods, so decoding does not recurse
	var fields plain
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for _, key := range knownKeys {
		delete(all, key)
	}
	*m = Metadata(fields)
	m.unknown = all
	return nil
}

// MarshalJSON writes the modelled keys and every unknown key.
func (m Metadata) MarshalJSON() ([]byte, error) {
	type plain Metadata
	known, err := json.Marshal(plain(m))
	if err != nil {
		return nil, err
	}
	all := make(map[string]json.RawMessage, len(m.unknown)+len(knownKeys))
	if err := json.Unmarshal(known, &all); err != nil {
		return nil, err
	}
	for key, value := range m.unknown {
		all[key] = value
	}
	return json.Marshal(all)
}

// Metadata reads metadata.json. A bottle without the file gets zero
// metadata, which the launcher treats as "no metadata".
func (b *Bottle) Metadata() (Metadata, error) {
	data, err := os.ReadFile(b.path(MetadataFile))
	if errors.Is(err, os.ErrNotExist) {
		return Metadata{}, nil
	}
	if err != nil {
		return Metadata{}, fmt.Errorf("read metadata of %q: %w", b.Slug, err)
	}
	var md Metadata
	if err := json.Unmarshal(data, &md); err != nil {
		return Metadata{}, fmt.Errorf("read metadata of %q: %s: %w",
			b.Slug, b.path(MetadataFile), err)
	}
	md.Raw = data
	return md, nil
}

// WriteMetadata replaces metadata.json atomically.
func (b *Bottle) WriteMetadata(md Metadata) error {
	data, err := json.MarshalIndent(md, "", "  ")
	if err != nil {
		return fmt.Errorf("write metadata of %q: %w", b.Slug, err)
	}
	if err := atomicfile.Write(b.path(MetadataFile), append(data, '\n'), filePerm); err != nil {
		return fmt.Errorf("write metadata of %q: %w", b.Slug, err)
	}
	return nil
}
