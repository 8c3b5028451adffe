package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// exportAndBuild exports the container's filesystem into a temporary
// build context and builds the committed image from it, FROM scratch
// with the container's configuration. The context is removed whatever
// happens. It returns the image's digest when `container` gives one.
func (b *backend) exportAndBuild(ctx context.Context, c containerInfo, tag string,
	labels map[string]string) (string, error) {
	dir, err := os.MkdirTemp("", "bottle-export-")
	if err != nil {
		return "", fmt.Errorf("make build context: %w", err)
	}
	defer os.RemoveAll(dir)

	rootfs := filepath.Join(dir, "rootfs.tar")
	if _, err := b.run.Output(ctx, "container", "export", "-o", rootfs, c.ID); err != nil {
		return "", classify(err, "export container "+c.ID)
	}
	dockerfile := filepath.Join(dir, "Dockerfile")
	if err := os.WriteFile(dockerfile, []byte(renderDockerfile(c.Process, labels)),
		0o644); err != nil {
		return "", fmt.Errorf("write Dockerfile: %w", err)
	}
	if _, err := b.run.Output(ctx, "container", "build", "-t", tag, "-f", dockerfile,
		dir); err != nil {
		return "", classify(err, "build image "+tag)
	}
	b.log.Info("built image", "container", c.ID, "image", tag)
	return b.imageDigest(ctx, tag), nil
}

// imageDigest reads the digest of a built image; the build itself does
// not print it. A failure here costs only the digest.
func (b *backend) imageDigest(ctx context.Context, tag string) string {
	out, err := b.run.Output(ctx, "container", "image", "inspect", tag)
	if err != nil {
		b.log.Warn("could not read the image digest", "image", tag, "error", err)
		return ""
	}
	var images []struct {
		Index struct {
			Digest string `json:"digest"`
		} `json:"index"`
	}
	if json.Unmarshal(out, &images) != nil || len(images) == 0 {
		return ""
	}
	return images[0].Index.Digest
}

// renderDockerfile writes a Dockerfile that rebuilds the container: its
// exported filesystem and its process configuration. The whole process
// becomes CMD: inspect does not say which part was the entrypoint, and
// CMD starts the image the same way while letting `container run IMAGE
// other-command` work as usual.
func renderDockerfile(p process, labels map[string]string) string {
	var d strings.Builder
	d.WriteString("FROM scratch\nADD rootfs.tar /\n")
	for _, kv := range p.Environment {
		key, value, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&d, "ENV %s=%s\n", key, quote(value))
	}
	if p.WorkingDirectory != "" {
		fmt.Fprintf(&d, "WORKDIR %s\n", quote(p.WorkingDirectory))
	}
	if user := p.User.String(); user != "" {
		fmt.Fprintf(&d, "USER %s\n", quote(user))
	}
	if p.Executable != "" {
		cmd, _ := json.Marshal(append([]string{p.Executable}, p.Arguments...))
		fmt.Fprintf(&d, "CMD %s\n", cmd)
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&d, "LABEL %s=%s\n", quote(k), quote(labels[k]))
	}
	return d.String()
}

// quote makes a Dockerfile word that keeps its value exactly: double
// quotes, with the characters the parser would interpret escaped
// (variables expand in ENV, WORKDIR, USER and LABEL).
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
