package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// A bottle is the directory $DIRSNAP_ROOT/<bottle name>. While an agent
// works in it, the directory holds a marker file; freezing asks to
// "stop" the agent by removing it, and puts it back if the freeze fails.
const (
	envRoot       = "DIRSNAP_ROOT"
	runningMarker = ".agent-running"
	artifactName  = "dirsnap.tar.gz"
)

type backend struct {
	log hclog.Logger
}

func newBackend(log hclog.Logger) shared.Backend {
	return &backend{log: log}
}

func (b *backend) Info(context.Context) (*shared.Info, error) {
	return &shared.Info{Name: "dirsnap", Version: "0.1.0",
		Capabilities: []string{shared.CapFreeze}}, nil
}

func (b *backend) Freeze(ctx context.Context, req *shared.FreezeRequest) (
	res *shared.FreezeResult, err error,
) {
	dir := filepath.Join(os.Getenv(envRoot), req.Bottle.Name)
	if _, err := os.Stat(dir); err != nil {
		return nil, shared.WithAdvice(
			shared.Errorf(shared.ErrNotFound, "find bottle directory: %w", err),
			"create the bottle first, or set "+envRoot)
	}
	marker := filepath.Join(dir, runningMarker)
	if _, err := os.Stat(marker); err == nil {
		if err := b.stopAgent(ctx, req, marker); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil { // a failed freeze leaves the bottle as it was
				os.WriteFile(marker, nil, 0o644)
			}
		}()
	}
	return b.snapshot(ctx, dir, req.Bottle)
}

// stopAgent asks the user through bottle, never on the terminal.
func (b *backend) stopAgent(ctx context.Context, req *shared.FreezeRequest, marker string) error {
	err := shared.Confirm(ctx, req.Prompter, "stop the agent working in "+req.Bottle.Name+"?")
	if err != nil {
		return err // declined, nobody could answer, or cancelled
	}
	return os.Remove(marker)
}

// snapshot writes the directory to a temporary file in the state
// directory, renamed into place only once whole.
func (b *backend) snapshot(ctx context.Context, dir string, bottle shared.Bottle) (
	*shared.FreezeResult, error,
) {
	tmp, err := os.CreateTemp(bottle.StateDir, ".dirsnap-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	hash := sha256.New()
	size := &countingWriter{}
	if err := writeTarGz(ctx, dir, io.MultiWriter(tmp, hash, size)); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, shared.Errorf(shared.ErrCanceled, "snapshot %s: %w", dir, err)
		}
		return nil, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	artifact := filepath.Join(bottle.StateDir, artifactName)
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), artifact); err != nil {
		return nil, err
	}
	b.log.Info("snapshot written", "artifact", artifact, "bytes", size.n)
	return &shared.FreezeResult{
		Artifact:   artifact,
		ArtifactID: "sha256:" + hex.EncodeToString(hash.Sum(nil)),
		SizeBytes:  size.n,
		ExportHint: fmt.Sprintf("cp %s %s.tar.gz", artifact, bottle.Slug),
	}, nil
}

func writeTarGz(ctx context.Context, dir string, w io.Writer) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return addFile(tw, dir, path)
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func addFile(tw *tar.Writer, dir, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	rel, _ := filepath.Rel(dir, path)
	hdr, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	hdr.Name = rel
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
