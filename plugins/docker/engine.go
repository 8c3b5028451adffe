package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/hashicorp/go-hclog"
	"github.com/moby/moby/client"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// envLookup reads the process environment; tests pass their own.
func envLookup(key string) string { return os.Getenv(key) }

// connectEngine opens a client to the engine the docker CLI would use:
// DOCKER_HOST (with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH) when set,
// else the current docker context, else the default socket; ssh://
// endpoints go through ssh, as for the CLI. The client
// negotiates the API version, so engines from 20.10 (API 1.41) on work.
func connectEngine(log hclog.Logger, env func(string) string) (engine, error) {
	opts, where, err := endpointOptions(env)
	if err != nil {
		return nil, err
	}
	log.Debug("connecting to docker engine", "endpoint", where)
	c, err := client.New(opts...)
	if err != nil {
		return nil, shared.WithAdvice(
			shared.Errorf(shared.ErrInvalidArgument, "set up docker client: %w", err),
			"check DOCKER_HOST and the current docker context")
	}
	return c, nil
}

// endpointOptions picks the engine endpoint. It returns the client
// options and a description of where the endpoint came from.
func endpointOptions(env func(string) string) ([]client.Opt, string, error) {
	if host := env("DOCKER_HOST"); host != "" {
		if strings.HasPrefix(host, "ssh://") {
			opts, err := sshOptions(host)
			return opts, "DOCKER_HOST=" + host, err
		}
		return []client.Opt{client.FromEnv}, "DOCKER_HOST=" + host, nil
	}
	configDir := dockerConfigDir(env)
	name := env("DOCKER_CONTEXT")
	if name == "" {
		name = currentContext(configDir)
	}
	if name == "" || name == "default" {
		return []client.Opt{client.FromEnv}, "default socket", nil
	}
	opts, err := contextOptions(configDir, name)
	return opts, "docker context " + name, err
}

func dockerConfigDir(env func(string) string) string {
	if dir := env("DOCKER_CONFIG"); dir != "" {
		return dir
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".docker")
}

// currentContext reads currentContext from the CLI's config.json; a
// missing or unreadable file means the default context, as for the CLI.
func currentContext(configDir string) string {
	data, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	if err != nil {
		return ""
	}
	var config struct {
		CurrentContext string `json:"currentContext"`
	}
	_ = json.Unmarshal(data, &config)
	return config.CurrentContext
}

// contextMeta is the part of a context's meta.json that names the engine.
type contextMeta struct {
	Endpoints struct {
		Docker struct {
			Host          string
			SkipTLSVerify bool
		} `json:"docker"`
	}
}

// contextOptions reads a named context from the CLI's context store,
// where each context lives under the sha256 of its name.
func contextOptions(configDir, name string) ([]client.Opt, error) {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	metaPath := filepath.Join(configDir, "contexts", "meta", id, "meta.json")
	data, err := os.ReadFile(metaPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, shared.WithAdvice(
			shared.Errorf(shared.ErrInvalidArgument, "docker context %q not found", name),
			"list contexts with `docker context ls`, then `docker context use` one")
	}
	if err != nil {
		return nil, fmt.Errorf("read docker context %q: %w", name, err)
	}
	var meta contextMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("read docker context %q: %s: %w", name, metaPath, err)
	}
	host := meta.Endpoints.Docker.Host
	if strings.HasPrefix(host, "ssh://") {
		return sshOptions(host)
	}
	opts := []client.Opt{client.WithHost(host)}
	tlsDir := filepath.Join(configDir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(tlsDir); err == nil && !meta.Endpoints.Docker.SkipTLSVerify {
		opts = append(opts, client.WithTLSClientConfig(
			filepath.Join(tlsDir, "ca.pem"),
			filepath.Join(tlsDir, "cert.pem"),
			filepath.Join(tlsDir, "key.pem")))
	}
	return opts, nil
}

// classify gives an engine error its class and advice, keeping the
// engine's own words in the message.
func classify(err error, doing string) error {
	switch {
	case client.IsErrConnectionFailed(err):
		return shared.WithAdvice(shared.Errorf(shared.ErrUnavailable, "%s: %w", doing, err),
			"start the Docker engine (systemctl start docker, or run dockerd), "+
				"or point DOCKER_HOST or `docker context use` at one that runs")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		cerrdefs.IsCanceled(err):
		return shared.Errorf(shared.ErrCanceled, "%s: %w", doing, err)
	case cerrdefs.IsNotFound(err):
		return shared.WithAdvice(shared.Errorf(shared.ErrNotFound, "%s: %w", doing, err),
			"the bottle is not running: start it again, or check the slug with `docker ps -a`")
	case cerrdefs.IsConflict(err):
		return shared.Errorf(shared.ErrFailedPrecondition, "%s: %w", doing, err)
	case cerrdefs.IsInvalidArgument(err):
		return shared.Errorf(shared.ErrInvalidArgument, "%s: %w", doing, err)
	case cerrdefs.IsUnavailable(err):
		return shared.Errorf(shared.ErrUnavailable, "%s: %w", doing, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
