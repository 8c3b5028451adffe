package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// packed is the artifact a pack produced.
type packed struct {
	path   string // absolute path of the .smolmachine file
	size   int64
	sha256 string
}

// pack has smolvm pack the stopped VM under temporary names in the
// state directory, then renames the launcher and the artifact into
// place. A failed or cancelled pack leaves nothing behind, and a
// previous commit's files stay as they were until the new ones are
// whole.
func (b *backend) pack(ctx context.Context, name, stateDir string) (p packed, err error) {
	tmp := filepath.Join(stateDir, "."+launcherName+".tmp-"+randomSuffix())
	defer func() {
		// Whatever happened, no temporary file outlives the call.
		os.Remove(tmp)
		os.Remove(tmp + artifactExt)
	}()

	if _, err := b.run.Output(ctx, "smolvm", "pack", "create", "--from-vm", name,
		"-o", tmp); err != nil {
		return packed{}, classify(err, "pack VM "+name)
	}
	p, err = measure(tmp + artifactExt)
	if err != nil {
		return packed{}, fmt.Errorf("pack VM %s: %w", name, err)
	}
	// Past this point the previous commit's files are replaced: an
	// interrupt that came during the pack must stop here.
	if err := ctx.Err(); err != nil {
		return packed{}, shared.Errorf(shared.ErrCanceled, "pack VM %s: %w", name, err)
	}

	// The artifact first: it is what committed-image names and what
	// resume reads; the launcher only runs it.
	launcher := filepath.Join(stateDir, launcherName)
	p.path = launcher + artifactExt
	if err := os.Rename(tmp+artifactExt, p.path); err != nil {
		return packed{}, fmt.Errorf("pack VM %s: %w", name, err)
	}
	if err := os.Rename(tmp, launcher); err != nil {
		return packed{}, fmt.Errorf("pack VM %s: %w", name, err)
	}
	b.log.Info("packed VM", "vm", name, "artifact", p.path, "bytes", p.size)
	return p, nil
}

// measure returns the size and sha256 of a file.
func measure(path string) (packed, error) {
	f, err := os.Open(path)
	if err != nil {
		return packed{}, fmt.Errorf("smolvm wrote no artifact: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return packed{}, fmt.Errorf("read artifact: %w", err)
	}
	return packed{size: n, sha256: hex.EncodeToString(h.Sum(nil))}, nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
