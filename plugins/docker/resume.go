package main

import (
	"context"
	"encoding/json"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// resumeDataVersion is the version of resumeData this plugin writes;
// it reads this one and older.
const resumeDataVersion = 1

// resumeData is how the container was configured, recorded at freeze
// time so that resume recreates it: environment, user, working
// directory, command and entrypoint, labels and terminal settings in
// Config; mounts, network and ports in HostConfig.
type resumeData struct {
	Version    int                   `json:"version"`
	Config     *container.Config     `json:"config"`
	HostConfig *container.HostConfig `json:"host_config"`
}

func encodeResumeData(c container.InspectResponse) ([]byte, error) {
	return json.Marshal(resumeData{Version: resumeDataVersion, Config: c.Config,
		HostConfig: c.HostConfig})
}

func decodeResumeData(data []byte) (resumeData, error) {
	var d resumeData
	if len(data) == 0 {
		return resumeData{Config: &container.Config{}, HostConfig: &container.HostConfig{}}, nil
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("read the recorded configuration: %w", err)
	}
	if d.Version > resumeDataVersion {
		return d, shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"the bottle was committed by a newer docker plugin (data version %d, this "+
				"plugin reads up to %d)", d.Version, resumeDataVersion),
			"upgrade bottle-plugin-docker")
	}
	if d.Config == nil {
		d.Config = &container.Config{}
	}
	if d.HostConfig == nil {
		d.HostConfig = &container.HostConfig{}
	}
	return d, nil
}

// Resume recreates the bottle's container from the committed image with
// the configuration recorded at freeze time, and starts it.
func (b *backend) Resume(ctx context.Context, req *shared.ResumeRequest) (
	*shared.ResumeResult, error,
) {
	data, err := decodeResumeData(req.BackendData)
	if err != nil {
		return nil, err
	}
	eng, err := b.connect()
	if err != nil {
		return nil, err
	}
	defer eng.Close()

	name := req.Bottle.Name
	if _, err := eng.ImageInspect(ctx, req.Artifact); err != nil {
		return nil, missingImage(err, req)
	}
	if err := b.makeRoom(ctx, eng, name, req.Replace); err != nil {
		return nil, err
	}
	config := *data.Config
	config.Image = req.Artifact
	created, err := eng.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: name, Config: &config, HostConfig: data.HostConfig,
	})
	if err != nil {
		return nil, classify(err, "create container "+name)
	}
	if _, err := eng.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		// Leave no half-made bottle behind.
		eng.ContainerRemove(context.Background(), created.ID,
			client.ContainerRemoveOptions{Force: true})
		return nil, classify(err, "start container "+name)
	}
	b.log.Info("resumed container", "container", name, "image", req.Artifact)
	return &shared.ResumeResult{ReachHint: reachHint(name, config),
		Warnings: created.Warnings}, nil
}

func missingImage(err error, req *shared.ResumeRequest) error {
	err = classify(err, "find committed image "+req.Artifact)
	if shared.ClassOf(err) != shared.ErrNotFound {
		return err
	}
	return shared.WithAdvice(err, fmt.Sprintf("the image was removed, or the bottle was "+
		"committed on another machine: load it with `docker image load -i %s.tar`, or "+
		"commit the bottle again", req.Bottle.Slug))
}

// makeRoom refuses, or with replace removes, a container that already
// has the bottle's name.
func (b *backend) makeRoom(ctx context.Context, eng engine, name string, replace bool) error {
	existing, err := eng.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return classify(err, "look for container "+name)
	}
	if !replace {
		return shared.AlreadyExists("container", name, containerState(existing.Container))
	}
	removal := client.ContainerRemoveOptions{Force: true}
	if _, err := eng.ContainerRemove(ctx, name, removal); err != nil {
		return classify(err, "remove container "+name)
	}
	b.log.Info("removed container to replace it", "container", name)
	return nil
}

// reachHint tells how to get to the agent: its terminal when it has
// one, else its output.
func reachHint(name string, c container.Config) string {
	if c.Tty && c.OpenStdin {
		return "docker attach " + name
	}
	return "docker logs -f " + name
}
