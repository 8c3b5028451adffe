package state

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ErrBusy means another process holds the bottle's lock.
var ErrBusy = errors.New("bottle is busy")

// Lock takes the bottle's exclusive lock without waiting, so that two
// commands never work on one bottle at once. The lock is an flock on the
// state directory itself, which adds no file the launcher would not know
// and is released by the kernel if the process dies. Call the returned
// function to release it.
func (b *Bottle) Lock() (unlock func(), err error) {
	dir, err := os.Open(b.Dir)
	if err != nil {
		return nil, fmt.Errorf("lock bottle %q: %w", b.Slug, err)
	}
	err = unix.Flock(int(dir.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		dir.Close()
		return nil, fmt.Errorf("%w: another bottle command is working on %q", ErrBusy, b.Slug)
	}
	if err != nil {
		dir.Close()
		return nil, fmt.Errorf("lock bottle %q: %w", b.Slug, err)
	}
	return func() { dir.Close() }, nil
}
