package state

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/bot-bottle/bottle/internal/atomicfile"
)

// CommittedImage returns the recorded artifact reference, or "" when the
// bottle was never committed.
func (b *Bottle) CommittedImage() (string, error) {
	data, err := os.ReadFile(b.path(CommittedImageFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read committed image of %q: %w", b.Slug, err)
	}
	return strings.TrimRightFunc(string(data), isSpace), nil
}

// Preserved reports whether teardown will keep the state directory.
func (b *Bottle) Preserved() (bool, error) {
	_, err := os.Stat(b.path(PreserveFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// RecordCommit writes the artifact reference to committed-image, then
// marks the bottle preserved, in the launcher's order. Should marking
// fail, the previous committed-image is put back, so a failed record
// leaves the state as it was. Callers hold the bottle's lock.
func (b *Bottle) RecordCommit(artifact string) error {
	if artifact == "" || strings.ContainsAny(artifact, "\r\n") {
		return fmt.Errorf("record commit of %q: invalid artifact reference %q",
			b.Slug, artifact)
	}
	path := b.path(CommittedImageFile)
	previous, readErr := os.ReadFile(path)
	if readErr != nil && !errors.Is(readErr, os.ErrNotExist) {
		return fmt.Errorf("record commit of %q: %w", b.Slug, readErr)
	}
	if err := atomicfile.Write(path, []byte(artifact+"\n"), filePerm); err != nil {
		return fmt.Errorf("record commit of %q: %w", b.Slug, err)
	}
	if err := b.markPreserved(); err != nil {
		b.restore(path, previous, readErr == nil)
		return fmt.Errorf("record commit of %q: mark preserved: %w", b.Slug, err)
	}
	return nil
}

func (b *Bottle) markPreserved() error {
	if ok, err := b.Preserved(); ok || err != nil {
		return err
	}
	return atomicfile.Write(b.path(PreserveFile), nil, filePerm)
}

// restore puts back a file's previous content, or removes it when it
// did not exist. It is best effort: it runs after a failure already
// being reported.
func (b *Bottle) restore(path string, previous []byte, existed bool) {
	if existed {
		_ = atomicfile.Write(path, previous, filePerm)
		return
	}
	_ = os.Remove(path)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}
