// Package lifecycle is the host's side of the commands that act on a
// bottle through its backend's plugin: commit and resume. It does every
// step that is the same for all backends: it locks the bottle, reads
// its state, starts the plugin the bottle's metadata names, calls it,
// and records the outcome. The host writes the state only after the
// plugin's call succeeded; what the plugin itself writes (an image tag,
// a file in the state directory) is the plugin's to keep consistent.
package lifecycle

import (
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

// Host holds what commit and resume need from the outside world.
type Host struct {
	Store    state.Store
	Plugins  pluginhost.Launcher
	Prompter shared.Prompter
	Log      hclog.Logger
}

// opened is a locked bottle with its metadata read.
type opened struct {
	bottle  *state.Bottle
	backend string
	shared  shared.Bottle
	unlock  func()
}

// open locks the bottle and reads what every operation needs. Call
// unlock when done.
func (h *Host) open(slug string) (*opened, error) {
	bottle, err := h.Store.Open(slug)
	if err != nil {
		return nil, err
	}
	unlock, err := bottle.Lock()
	if err != nil {
		return nil, err
	}
	md, err := bottle.Metadata()
	if err != nil {
		unlock()
		return nil, err
	}
	return &opened{
		bottle:  bottle,
		backend: md.BackendName(),
		unlock:  unlock,
		shared: shared.Bottle{
			Slug:     slug,
			Name:     bottle.Name(),
			StateDir: absolute(bottle.Dir),
			Metadata: md,
		},
	}, nil
}

func absolute(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}
