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

// RecordCommit records a successful freeze: the backend's resume data
// (or its absence), then the artifact reference in committed-image, the
// record's commit point, then the preserve mark, as the launcher orders
// them. Should any write fail, the files written so far are put back as
// they were, so a failed record leaves the state unchanged. Callers hold
// the bottle's lock.
func (b *Bottle) RecordCommit(artifact string, backendData []byte) (err error) {
	if artifact == "" || strings.ContainsAny(artifact, "\r\n") {
		return fmt.Errorf("record commit of %q: invalid artifact reference %q",
			b.Slug, artifact)
	}
	tx := &transaction{}
	defer func() {
		if err != nil {
			tx.rollback()
			err = fmt.Errorf("record commit of %q: %w", b.Slug, err)
		}
	}()

	if len(backendData) > 0 {
		err = tx.write(b.path(BackendDataFile), backendData)
	} else {
		err = tx.remove(b.path(BackendDataFile)) // it described an older artifact
	}
	if err != nil {
		return err
	}
	if err := tx.write(b.path(CommittedImageFile), []byte(artifact+"\n")); err != nil {
		return err
	}
	if ok, err := b.Preserved(); ok || err != nil {
		return err
	}
	return tx.write(b.path(PreserveFile), nil)
}

// BackendData returns the resume data stored with the last commit, or
// nil when there is none.
func (b *Bottle) BackendData() ([]byte, error) {
	data, err := os.ReadFile(b.path(BackendDataFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read backend data of %q: %w", b.Slug, err)
	}
	return data, nil
}

// transaction replaces files and remembers how they were, to put them
// back should a later step fail.
type transaction struct {
	undo []func()
}

func (tx *transaction) write(path string, data []byte) error {
	if err := tx.remember(path); err != nil {
		return err
	}
	return atomicfile.Write(path, data, filePerm)
}

func (tx *transaction) remove(path string) error {
	if err := tx.remember(path); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// remember saves how path is now. Restoring is best effort: it runs
// after a failure that is already being reported.
func (tx *transaction) remember(path string) error {
	previous, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		tx.undo = append(tx.undo, func() { os.Remove(path) })
	case err != nil:
		return err
	default:
		tx.undo = append(tx.undo, func() { _ = atomicfile.Write(path, previous, filePerm) })
	}
	return nil
}

func (tx *transaction) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}
