package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// semver is a release number, major.minor.patch.
type semver [3]int

func (v semver) less(w semver) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v semver) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

var versionLine = regexp.MustCompile(`container CLI version (\d+)\.(\d+)\.(\d+)`)

// cliVersion asks `container --version`, which prints, for example,
// "container CLI version 1.2.1 (build: release, commit: 4ac18b5)".
func (b *backend) cliVersion(ctx context.Context) (semver, error) {
	out, err := b.run.Output(ctx, "container", "--version")
	if err != nil {
		return semver{}, classify(err, "ask container for its version")
	}
	m := versionLine.FindSubmatch(out)
	if m == nil {
		return semver{}, fmt.Errorf("read `container --version`: unexpected output %q", out)
	}
	var v semver
	for i := range v {
		v[i], _ = strconv.Atoi(string(m[i+1]))
	}
	b.log.Debug("container CLI", "version", v.String())
	return v, nil
}

// containerInfo is what the plugin needs from `container inspect`.
type containerInfo struct {
	ID      string
	State   string // running, stopped, stopping, bootstrapped, unknown
	Process process
	Labels  map[string]string
	Mounts  []mount
	CPUs    int   // 0 when inspect does not say
	Memory  int64 // bytes; 0 when inspect does not say
}

// mount is a host directory shared into the container.
type mount struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
}

// process is a container's init process, its image configuration as
// run: `container inspect` has no separate entrypoint and command.
type process struct {
	Executable       string   `json:"executable"`
	Arguments        []string `json:"arguments"`
	Environment      []string `json:"environment"`
	WorkingDirectory string   `json:"workingDirectory"`
	User             userSpec `json:"user"`
}

// userSpec is `container`'s user, either numeric ids or a name.
type userSpec struct {
	ID *struct {
		UID int `json:"uid"`
		GID int `json:"gid"`
	} `json:"id"`
	Raw *struct {
		UserString string `json:"userString"`
	} `json:"raw"`
}

func (u userSpec) String() string {
	switch {
	case u.Raw != nil:
		return u.Raw.UserString
	case u.ID != nil:
		return fmt.Sprintf("%d:%d", u.ID.UID, u.ID.GID)
	}
	return ""
}

// inspectRecord matches both shapes of `container inspect`: releases
// from 1.0 put the state in status.state; older ones make status the
// state itself.
type inspectRecord struct {
	ID            string          `json:"id"`
	Status        json.RawMessage `json:"status"`
	Configuration struct {
		ID          string            `json:"id"`
		InitProcess process           `json:"initProcess"`
		Labels      map[string]string `json:"labels"`
		Mounts      []mount           `json:"mounts"`
		Resources   struct {
			CPUs          int   `json:"cpus"`
			MemoryInBytes int64 `json:"memoryInBytes"`
		} `json:"resources"`
	} `json:"configuration"`
}

func (r inspectRecord) state() string {
	var nested struct {
		State string `json:"state"`
	}
	if json.Unmarshal(r.Status, &nested) == nil && nested.State != "" {
		return nested.State
	}
	var flat string
	_ = json.Unmarshal(r.Status, &flat)
	return flat
}

// notRunning advises on a bottle whose container does not exist.
func notRunning(err error) error {
	if !errors.Is(err, shared.ErrNotFound) {
		return err
	}
	return shared.WithAdvice(err,
		"the bottle is not running: start it again, or check the slug with `container ls -a`")
}

func (b *backend) inspect(ctx context.Context, name string) (containerInfo, error) {
	out, err := b.run.Output(ctx, "container", "inspect", name)
	if err != nil {
		return containerInfo{}, notRunning(classifyLookup(err, "find container "+name))
	}
	var records []inspectRecord
	if err := json.Unmarshal(out, &records); err != nil {
		return containerInfo{}, fmt.Errorf("read `container inspect %s`: %w", name, err)
	}
	if len(records) == 0 { // releases before 1.0 print [] for an unknown ID
		return containerInfo{}, notRunning(
			shared.Errorf(shared.ErrNotFound, "find container %s: not found", name))
	}
	r := records[0]
	c := containerInfo{
		ID:      name,
		State:   r.state(),
		Process: r.Configuration.InitProcess,
		Labels:  r.Configuration.Labels,
	}
	c.Mounts = r.Configuration.Mounts
	c.CPUs = r.Configuration.Resources.CPUs
	c.Memory = r.Configuration.Resources.MemoryInBytes
	b.log.Debug("inspected container", "container", name, "state", c.State)
	return c, nil
}
