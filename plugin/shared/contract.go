// Package shared is the contract between the bottle host and its backend
// plugins. A backend implements Backend and calls Serve from its main;
// the host starts the plugin with go-plugin and talks to it over gRPC.
// The same package holds the error classes both sides agree on and the
// Prompter through which a plugin asks the user something.
package shared

import (
	"context"

	"github.com/bot-bottle/bottle/state"
)

// Capabilities a plugin can report in Info.
const (
	CapFreeze = "freeze"
	CapResume = "resume"
)

// Backend freezes bottles of one kind (docker, smolmachines, ...).
type Backend interface {
	// Info names the plugin and its capabilities. It must not need the
	// backend's engine to be running.
	Info(ctx context.Context) (*Info, error)

	// Freeze snapshots a running bottle into an artifact. On error the
	// bottle must be as it was, and the error should carry a class
	// (see Errorf) and advice for the user (see WithAdvice).
	Freeze(ctx context.Context, req *FreezeRequest) (*FreezeResult, error)
}

// Info describes a plugin.
type Info struct {
	Name         string   // the backend name, as in metadata.json
	Version      string   // the plugin's own version
	Capabilities []string // CapFreeze, CapResume, ...
}

// Has reports whether the plugin advertises the capability.
func (i *Info) Has(capability string) bool {
	for _, c := range i.Capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

// Bottle identifies the bottle to work on.
type Bottle struct {
	Slug     string // validated by the host: safe in names and paths
	Name     string // container or VM name: bot-bottle-<slug>
	StateDir string // absolute path of the bottle's state directory
	Metadata state.Metadata
}

// FreezeRequest is the input of Backend.Freeze.
type FreezeRequest struct {
	Bottle Bottle

	// Prompter asks the user yes/no questions through the host. It is
	// never nil: a host that cannot ask answers with an error.
	Prompter Prompter
}

// FreezeResult is what a successful freeze produced.
type FreezeResult struct {
	// Artifact is recorded in committed-image: an image reference, or
	// an absolute path for file artifacts.
	Artifact string
	// ArtifactID identifies the content, when the backend has an ID
	// ("sha256:...").
	ArtifactID string
	// SizeBytes is the artifact's size, 0 when unknown.
	SizeBytes int64
	// ExportHint is a shell command that exports the artifact to a file.
	ExportHint string
	// Warnings tell the user what the artifact lacks or may get wrong.
	Warnings []string
	// Notes tell the user what happened on the way, such as a stop.
	Notes []string
	// BackendData is what Resume will need to recreate the bottle as it
	// was (its configuration, mounts, network), in a format and version
	// of the backend's own. The host stores it with the commit, unread.
	BackendData []byte
}

// Resumer is implemented by backends that can start a bottle again from
// its committed artifact; they list CapResume in Info.
type Resumer interface {
	Resume(ctx context.Context, req *ResumeRequest) (*ResumeResult, error)
}

// ResumeRequest is the input of Resumer.Resume.
type ResumeRequest struct {
	Bottle Bottle
	// Artifact is the reference recorded in committed-image.
	Artifact string
	// BackendData is what Freeze returned with the artifact, or nil.
	BackendData []byte
	// Replace removes a bottle of the same name, running or not, to
	// take its place. Without it, such a bottle fails the call with
	// ErrFailedPrecondition.
	Replace bool
	// Prompter asks the user; see FreezeRequest.
	Prompter Prompter
}

// ResumeResult is what a successful resume did.
type ResumeResult struct {
	// ReachHint is a shell command that reaches the bottle.
	ReachHint string
	Warnings  []string
	Notes     []string
}

// Prompter asks the user a yes/no question. It returns an error of class
// ErrFailedPrecondition when nobody can be asked (no terminal and no
// --yes); the plugin must then leave the bottle untouched.
type Prompter interface {
	Confirm(ctx context.Context, question string) (bool, error)
}
