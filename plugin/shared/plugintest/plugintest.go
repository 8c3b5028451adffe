// Package plugintest is the conformance kit for bottle backend plugins.
// A plugin author calls it from their own tests, twice: Run against the
// backend in the test process over real gRPC, and RunBinary against the
// built executable, started exactly as bottle starts plugins. Both check
// the same contract:
//
//   - the handshake (RunBinary) and Info: a name, a version, "freeze";
//   - Freeze of a bottle that does not exist fails with ErrNotFound;
//   - Freeze of a real bottle returns a usable artifact reference;
//   - a user who says no (ErrDeclined), or a host that cannot ask
//     (ErrFailedPrecondition), leaves the bottle untouched, and the
//     error keeps its class;
//   - a cancelled Freeze returns promptly and leaves the bottle
//     untouched, unless it had already finished;
//   - for backends that resume (and fixtures that implement
//     ResumeFixture): Resume refuses a bottle that still exists, and
//     with Replace starts the bottle again from its artifact.
//
// The author supplies a Fixture that makes bottles and judges results.
package plugintest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// Fixture creates bottles for the kit to freeze and checks what
// happened to them.
type Fixture interface {
	// NewBottle makes a running bottle, as the launcher would, and
	// describes it as bottle would to the plugin. StateDir must exist.
	// Register the bottle's removal with t.Cleanup.
	NewBottle(t *testing.T) shared.Bottle

	// CheckArtifact checks that a successful Freeze left an artifact
	// that can be used: the image exists, the file holds the bottle, ...
	CheckArtifact(t *testing.T, b shared.Bottle, res *shared.FreezeResult)

	// CheckUntouched checks that the bottle is as NewBottle made it:
	// still running, nothing written to its state directory.
	CheckUntouched(t *testing.T, b shared.Bottle)
}

// ResumeFixture is a Fixture for backends that can resume. The kit
// checks Resume only when the backend lists the resume capability and
// the fixture implements this.
type ResumeFixture interface {
	Fixture
	// CheckResumed checks that the bottle runs again as it was frozen.
	CheckResumed(t *testing.T, b shared.Bottle)
}

// Run checks a backend in this process, over a real gRPC connection
// with go-plugin's broker, as the host would talk to it.
func Run(t *testing.T, impl shared.Backend, fx Fixture) {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		shared.PluginName: &shared.BackendPlugin{Impl: impl},
	})
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(shared.PluginName)
	if err != nil {
		t.Fatalf("dispense the backend: %v", err)
	}
	runChecks(t, raw.(shared.Backend), "", fx)
}

// RunBinary checks a built plugin executable, named
// bottle-plugin-<backend>, started as a separate process the way bottle
// starts it. The process inherits the test's environment.
func RunBinary(t *testing.T, path string, fx Fixture) {
	t.Helper()
	backend := strings.TrimPrefix(filepath.Base(path), pluginhost.ExecutablePrefix)
	client, err := pluginhost.Start(pluginhost.Plugin{Backend: backend, Path: path},
		pluginhost.StartOptions{LogLevel: os.Getenv(shared.EnvLogLevel)})
	if err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	t.Cleanup(client.Close)
	runChecks(t, client.Backend, backend, fx)
}

func runChecks(t *testing.T, b shared.Backend, backend string, fx Fixture) {
	for _, check := range pluginhost.BasicChecks(backend) {
		t.Run(check.Name, func(t *testing.T) {
			if res := pluginhost.RunCheck(t.Context(), check, b); res.Err != nil {
				t.Error(res.Err)
			}
		})
	}
	t.Run("Freeze returns a usable artifact", func(t *testing.T) { checkFreeze(t, b, fx) })
	t.Run("a user who declines leaves the bottle untouched", func(t *testing.T) {
		checkAnswer(t, b, fx, &answer{}, shared.ErrDeclined)
	})
	t.Run("a host that cannot ask leaves the bottle untouched", func(t *testing.T) {
		noTerminal := shared.Errorf(shared.ErrFailedPrecondition, "no terminal to answer on")
		checkAnswer(t, b, fx, &answer{err: noTerminal}, shared.ErrFailedPrecondition)
	})
	t.Run("a cancelled Freeze stops and leaves the bottle untouched", func(t *testing.T) {
		checkCancel(t, b, fx)
	})
	resumer, rfx, ok := canResume(t, b, fx)
	if !ok {
		return
	}
	t.Run("Resume refuses an existing bottle, and replaces it when asked", func(t *testing.T) {
		checkResume(t, b, resumer, rfx)
	})
}

// canResume reports whether the backend says it resumes and the
// fixture can check it.
func canResume(t *testing.T, b shared.Backend, fx Fixture) (
	shared.Resumer, ResumeFixture, bool,
) {
	info, err := b.Info(t.Context())
	resumer, isResumer := b.(shared.Resumer)
	rfx, isResumeFixture := fx.(ResumeFixture)
	if err != nil || !info.Has(shared.CapResume) || !isResumer {
		return nil, nil, false
	}
	if !isResumeFixture {
		t.Log("the backend resumes, but the fixture has no CheckResumed: Resume not checked")
		return nil, nil, false
	}
	return resumer, rfx, true
}

func checkResume(t *testing.T, b shared.Backend, r shared.Resumer, fx ResumeFixture) {
	bottle := fx.NewBottle(t)
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	frozen, err := b.Freeze(ctx, &shared.FreezeRequest{Bottle: bottle,
		Prompter: &answer{yes: true}})
	if err != nil {
		t.Fatalf("Freeze: %v", err)
	}
	req := &shared.ResumeRequest{Bottle: bottle, Artifact: frozen.Artifact,
		BackendData: frozen.BackendData, Prompter: &answer{yes: true}}

	if _, err := r.Resume(ctx, req); !errors.Is(err, shared.ErrFailedPrecondition) {
		t.Fatalf("Resume over the existing bottle, without Replace, returned %v; "+
			"want an error of class %v", err, shared.ErrFailedPrecondition)
	}
	req.Replace = true
	if _, err := r.Resume(ctx, req); err != nil {
		t.Fatalf("Resume with Replace: %v", err)
	}
	fx.CheckResumed(t, bottle)
}

const callTimeout = 2 * time.Minute

func checkFreeze(t *testing.T, b shared.Backend, fx Fixture) {
	bottle := fx.NewBottle(t)
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	res, err := b.Freeze(ctx, &shared.FreezeRequest{Bottle: bottle,
		Prompter: &answer{yes: true}})
	if err != nil {
		t.Fatalf("Freeze(%s) with every question answered yes: %v", bottle.Name, err)
	}
	checkReference(t, res)
	fx.CheckArtifact(t, bottle, res)
}

// checkReference checks what the host will write to committed-image.
func checkReference(t *testing.T, res *shared.FreezeResult) {
	t.Helper()
	ref := res.Artifact
	switch {
	case ref == "":
		t.Error("Freeze succeeded with an empty artifact reference")
	case strings.TrimSpace(ref) != ref || strings.ContainsAny(ref, "\r\n"):
		t.Errorf("artifact reference %q has surrounding space or a newline", ref)
	case strings.HasPrefix(ref, "/"):
		if _, err := os.Stat(ref); err != nil {
			t.Errorf("artifact %s is a path, but: %v", ref, err)
		}
	case strings.HasPrefix(ref, "."):
		t.Errorf("artifact %q is a relative path; give an absolute one", ref)
	}
	if res.ExportHint == "" {
		t.Error("Freeze gave no export hint")
	}
}

// checkAnswer freezes with a prompter that answers as given. A plugin
// that asks must then fail with wantClass and leave the bottle alone; a
// plugin that never asks has nothing to prove here.
func checkAnswer(t *testing.T, b shared.Backend, fx Fixture, a *answer, wantClass error) {
	bottle := fx.NewBottle(t)
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	defer cancel()
	res, err := b.Freeze(ctx, &shared.FreezeRequest{Bottle: bottle, Prompter: a})
	if !a.wasAsked() {
		if err != nil {
			t.Fatalf("Freeze without a question failed: %v", err)
		}
		t.Log("the backend asks nothing; nothing more to check")
		fx.CheckArtifact(t, bottle, res)
		return
	}
	if !errors.Is(err, wantClass) {
		t.Fatalf("after the answer, Freeze returned (%v, %v); want an error of class %v",
			res, err, wantClass)
	}
	fx.CheckUntouched(t, bottle)
}

// checkCancel cancels a Freeze while it runs: when the plugin asks, or
// after a moment if it asks nothing.
func checkCancel(t *testing.T, b shared.Backend, fx Fixture) {
	bottle := fx.NewBottle(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		time.Sleep(5 * time.Millisecond)
		cancel()
	}()
	done := make(chan struct{})
	var res *shared.FreezeResult
	var err error
	go func() {
		defer close(done)
		res, err = b.Freeze(ctx, &shared.FreezeRequest{Bottle: bottle,
			Prompter: &answer{cancel: cancel}})
	}()
	select {
	case <-done:
	case <-time.After(callTimeout):
		t.Fatalf("Freeze did not return within %s of being cancelled", callTimeout)
	}
	if err == nil {
		t.Log("Freeze finished before it noticed the cancellation")
		fx.CheckArtifact(t, bottle, res)
		return
	}
	if !errors.Is(err, shared.ErrCanceled) {
		t.Fatalf("cancelled Freeze returned %v (class %v); want class %v",
			err, shared.ClassOf(err), shared.ErrCanceled)
	}
	fx.CheckUntouched(t, bottle)
}

// answer is a scripted user. With cancel set, asking cancels the call
// and waits for it to end, as the host does when Ctrl-C comes during a
// question.
type answer struct {
	yes    bool
	err    error
	cancel context.CancelFunc

	mu    sync.Mutex
	asked bool
}

func (a *answer) Confirm(ctx context.Context, _ string) (bool, error) {
	a.mu.Lock()
	a.asked = true
	a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
		<-ctx.Done()
		return false, shared.Errorf(shared.ErrCanceled, "asking: %w", ctx.Err())
	}
	return a.yes, a.err
}

func (a *answer) wasAsked() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.asked
}
