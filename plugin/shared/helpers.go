package shared

import (
	"context"
	"strings"
)

// CommittedImageTag is the image a container bottle is committed to,
// as the Python launcher names it.
func CommittedImageTag(slug string) string {
	return "bot-bottle-committed-" + slug + ":latest"
}

// Labels that image backends put on every committed image.
const (
	LabelSlug        = "io.bot-bottle.slug"
	LabelCommittedAt = "io.bot-bottle.committed-at" // RFC 3339, UTC
)

// Confirm asks the user question through p and turns a no into an
// ErrDeclined error, so a backend can write
//
//	if err := shared.Confirm(ctx, req.Prompter, "Stop it?"); err != nil {
//		return nil, err // declined, nobody to ask, or cancelled
//	}
func Confirm(ctx context.Context, p Prompter, question string) error {
	yes, err := p.Confirm(ctx, question)
	if err != nil {
		return err
	}
	if !yes {
		return Errorf(ErrDeclined, "declined: %s", question)
	}
	return nil
}

// MountWarning is the warning for data that stays outside an artifact
// because it lives in mounts at these destinations.
func MountWarning(destinations []string) string {
	return "mounts are not part of the artifact, so their data is not in it: " +
		strings.Join(destinations, ", ")
}

// AlreadyExists is Resume's refusal of a bottle that still exists when
// the request does not say Replace; its advice names the host's flag.
func AlreadyExists(kind, name, state string) error {
	return WithAdvice(Errorf(ErrFailedPrecondition, "%s %s already exists (%s)", kind, name, state),
		"pass --replace to remove it and resume in its place")
}
