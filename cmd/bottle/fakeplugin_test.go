package main_test

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/hashicorp/go-hclog"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// The test binary doubles as a misbehaving or scripted plugin: started
// with envFakePlugin set, TestMain serves a fakeBackend in that mode.
const (
	envFakePlugin = "BOTTLE_TEST_FAKE_PLUGIN"
	// envFakeMarker names a file the fake creates once Freeze is running.
	envFakeMarker = "BOTTLE_TEST_FAKE_MARKER"
)

// Modes of the fake plugin.
const (
	fakeHang  = "hang"  // Freeze waits until cancelled
	fakeCrash = "crash" // Freeze kills the plugin process
	fakeAsk   = "ask"   // Freeze asks the user, then succeeds or is declined
	// fakeClaimsResume lists the resume capability without implementing
	// Resume, as a broken plugin might.
	fakeClaimsResume = "claims-resume"
	// fakeReport writes what the plugin process sees to the marker file.
	fakeReport = "report"
)

// pluginReport is what a plugin process sees of its surroundings.
type pluginReport struct {
	StdinIsTerminal bool   `json:"stdin_is_terminal"`
	SocketDir       string `json:"socket_dir"`
	SocketDirMode   string `json:"socket_dir_mode"`
}

type fakeBackend struct{ mode string }

func serveFakePlugin(mode string) {
	shared.Serve(func(hclog.Logger) shared.Backend { return &fakeBackend{mode: mode} })
}

// Info lists only freeze, as a plugin built before Resume existed does.
func (f *fakeBackend) Info(context.Context) (*shared.Info, error) {
	info := &shared.Info{Name: "fake", Version: "0.9", Capabilities: []string{shared.CapFreeze}}
	if f.mode == fakeClaimsResume {
		info.Capabilities = append(info.Capabilities, shared.CapResume)
	}
	return info, nil
}

func (f *fakeBackend) Freeze(ctx context.Context, req *shared.FreezeRequest) (
	*shared.FreezeResult, error,
) {
	if marker := os.Getenv(envFakeMarker); marker != "" {
		os.WriteFile(marker, report(f.mode), 0o644)
	}
	switch f.mode {
	case fakeHang:
		<-ctx.Done()
		// Undoing takes a while, as restarting a stopped VM would.
		time.Sleep(300 * time.Millisecond)
		os.WriteFile(os.Getenv(envFakeMarker)+".undone", nil, 0o644)
		return nil, shared.Errorf(shared.ErrCanceled, "freeze %s: %w", req.Bottle.Name, ctx.Err())
	case fakeCrash:
		panic("fake plugin: out of cheese")
	case fakeAsk:
		question := "stop " + req.Bottle.Name + "? the agent's session will end"
		yes, err := req.Prompter.Confirm(ctx, question)
		if err != nil {
			return nil, err
		}
		if !yes {
			return nil, shared.Errorf(shared.ErrDeclined, "user declined")
		}
	}
	return &shared.FreezeResult{
		Artifact:   "fake-artifact-" + req.Bottle.Slug,
		ExportHint: "cp fake " + req.Bottle.Slug + ".fake",
		Warnings:   []string{"fake warning"},
		Notes:      []string{"fake note"},
	}, nil
}

func report(mode string) []byte {
	if mode != fakeReport {
		return nil
	}
	r := pluginReport{StdinIsTerminal: term.IsTerminal(int(os.Stdin.Fd())),
		SocketDir: os.Getenv("PLUGIN_UNIX_SOCKET_DIR")}
	if info, err := os.Stat(r.SocketDir); err == nil {
		r.SocketDirMode = info.Mode().Perm().String()
	}
	data, _ := json.Marshal(r)
	return data
}
