// Package state reads and writes the per-bottle state directories that
// the Python bot-bottle launcher keeps, in exactly its on-disk format:
//
//	<root>/<slug>/metadata.json    written at launch; read here
//	<root>/<slug>/committed-image  one line, the artifact reference
//	<root>/<slug>/.preserve        empty marker: keep the directory
//	<root>/<slug>/committed-backend-data  the backend's resume data
//
// Every other entry of a bottle's directory is left alone.
package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Names of the files this package reads and writes.
const (
	MetadataFile       = "metadata.json"
	CommittedImageFile = "committed-image"
	PreserveFile       = ".preserve"
	// BackendDataFile holds what the backend needs to resume the
	// committed artifact; bottle stores it without reading it.
	BackendDataFile = "committed-backend-data"
)

// filePerm is the mode of the files this package writes, as the
// launcher's: the bottle's directory already keeps other users out.
const filePerm = 0o644

// EnvRoot names the environment variable that moves the state root.
const EnvRoot = "BOTTLE_STATE_DIR"

// ErrNoBottle means the state root has no directory for the slug.
var ErrNoBottle = errors.New("no such bottle")

// DefaultRoot returns $BOTTLE_STATE_DIR, or ~/.bot-bottle/state where
// the Python tool keeps its state.
func DefaultRoot() (string, error) {
	if dir := os.Getenv(EnvRoot); dir != "" {
		return filepath.Abs(dir)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find state root: %w (set %s)", err, EnvRoot)
	}
	return filepath.Join(home, ".bot-bottle", "state"), nil
}

// Store is a state root holding one directory per bottle.
type Store struct {
	Root string
}

// Open returns the bottle with the given slug, which must already have
// a state directory.
func (s Store) Open(slug string) (*Bottle, error) {
	if err := ValidateSlug(slug); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Root, slug)
	info, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w %q in %s", ErrNoBottle, slug, s.Root)
	}
	if err != nil {
		return nil, fmt.Errorf("open bottle %q: %w", slug, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("open bottle %q: %s is not a directory", slug, dir)
	}
	return &Bottle{Slug: slug, Dir: dir}, nil
}

// Create makes the state directory of a new bottle, private to the user
// as the launcher makes it, and returns the bottle.
func (s Store) Create(slug string) (*Bottle, error) {
	if err := ValidateSlug(slug); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.Root, slug)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create bottle %q: %w", slug, err)
	}
	return &Bottle{Slug: slug, Dir: dir}, nil
}

// Bottle is one bottle's state directory.
type Bottle struct {
	Slug string
	Dir  string
}

// Name is the name of the bottle's container or VM.
func (b *Bottle) Name() string {
	return "bot-bottle-" + b.Slug
}

func (b *Bottle) path(name string) string {
	return filepath.Join(b.Dir, name)
}
