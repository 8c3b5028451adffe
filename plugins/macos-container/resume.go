package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// resumeDataVersion is the version of resumeData this plugin writes;
// it reads this one and older.
const resumeDataVersion = 1

// resumeData is what the image does not carry: the image has the
// process configuration, but mounts and resources belong to the
// container.
type resumeData struct {
	Version int     `json:"version"`
	Mounts  []mount `json:"mounts,omitempty"`
	CPUs    int     `json:"cpus,omitempty"`
	Memory  int64   `json:"memory_bytes,omitempty"`
}

func encodeResumeData(c containerInfo) []byte {
	data, _ := json.Marshal(resumeData{Version: resumeDataVersion, Mounts: c.Mounts,
		CPUs: c.CPUs, Memory: c.Memory})
	return data
}

func decodeResumeData(data []byte) (resumeData, error) {
	var d resumeData
	if len(data) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, fmt.Errorf("read the recorded configuration: %w", err)
	}
	if d.Version > resumeDataVersion {
		return d, shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"the bottle was committed by a newer macos-container plugin (data version %d, "+
				"this plugin reads up to %d)", d.Version, resumeDataVersion),
			"upgrade bottle-plugin-macos-container")
	}
	return d, nil
}

// Resume runs the bottle's container again from the committed image,
// with the mounts and resources it had.
func (b *backend) Resume(ctx context.Context, req *shared.ResumeRequest) (
	*shared.ResumeResult, error,
) {
	data, err := decodeResumeData(req.BackendData)
	if err != nil {
		return nil, err
	}
	name := req.Bottle.Name
	if _, err := b.run.Output(ctx, "container", "image", "inspect", req.Artifact); err != nil {
		return nil, missingImage(classifyLookup(err, "find committed image "+req.Artifact), req)
	}
	if err := b.makeRoom(ctx, name, req.Replace); err != nil {
		return nil, err
	}
	if _, err := b.run.Output(ctx, "container", runArgs(name, req.Artifact, data)...); err != nil {
		return nil, classify(err, "run container "+name)
	}
	b.log.Info("resumed container", "container", name, "image", req.Artifact)
	return &shared.ResumeResult{ReachHint: "container logs " + name}, nil
}

func runArgs(name, image string, data resumeData) []string {
	args := []string{"run", "--detach", "--name", name}
	for _, m := range data.Mounts {
		args = append(args, "--volume", m.Source+":"+m.Destination)
	}
	if data.CPUs > 0 {
		args = append(args, "--cpus", strconv.Itoa(data.CPUs))
	}
	if data.Memory > 0 {
		args = append(args, "--memory", strconv.FormatInt(data.Memory>>20, 10)+"M")
	}
	return append(args, image)
}

func missingImage(err error, req *shared.ResumeRequest) error {
	if !errors.Is(err, shared.ErrNotFound) {
		return err
	}
	return shared.WithAdvice(err, fmt.Sprintf("the image was removed, or the bottle was "+
		"committed on another machine: load it with `container image load -i %s.tar`, "+
		"or commit the bottle again", req.Bottle.Slug))
}

// makeRoom refuses, or with replace removes, a container that already
// has the bottle's name.
func (b *backend) makeRoom(ctx context.Context, name string, replace bool) error {
	c, err := b.inspect(ctx, name)
	if errors.Is(err, shared.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !replace {
		return shared.AlreadyExists("container", name, c.State)
	}
	for _, step := range [][]string{{"stop", name}, {"delete", name}} {
		if _, err := b.run.Output(ctx, "container", step...); err != nil {
			return classify(err, step[0]+" container "+name)
		}
	}
	b.log.Info("removed container to replace it", "container", name)
	return nil
}
