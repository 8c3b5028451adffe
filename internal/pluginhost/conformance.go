package pluginhost

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bot-bottle/bottle/plugin/shared"
)

// checkTimeout bounds each contract check, so a plugin that hangs fails
// the check instead of the whole run.
const checkTimeout = 30 * time.Second

// Check is one clause of the plugin contract, checked against a
// running backend.
type Check struct {
	Name string
	Run  func(ctx context.Context, b shared.Backend) error
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name string
	Err  error // nil when the check passed
}

// BasicChecks are the clauses that need no bottle to freeze: Info, and
// the not-found class for a bottle that does not exist.
func BasicChecks(backend string) []Check {
	return []Check{
		{"Info names the backend, a version and the freeze capability",
			func(ctx context.Context, b shared.Backend) error {
				return checkInfo(ctx, b, backend)
			}},
		{"Freeze of a bottle that does not exist fails with the not-found class",
			checkFreezeMissing},
	}
}

func checkInfo(ctx context.Context, b shared.Backend, backend string) error {
	info, err := b.Info(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("call Info: %w", err)
	case backend != "" && info.Name != backend:
		return fmt.Errorf("the plugin calls itself %q; the executable's name says %q",
			info.Name, backend)
	case info.Name == "":
		return errors.New("the Info answer has no name")
	case info.Version == "":
		return errors.New("the Info answer has no version")
	case !info.Has(shared.CapFreeze):
		return fmt.Errorf("the Info answer lists capabilities %q, without %q",
			info.Capabilities, shared.CapFreeze)
	}
	return nil
}

func checkFreezeMissing(ctx context.Context, b shared.Backend) error {
	slug := "bottle-check-" + randomHex(4)
	stateDir, err := os.MkdirTemp("", "bottle-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stateDir)
	res, err := b.Freeze(ctx, &shared.FreezeRequest{
		Bottle:   shared.Bottle{Slug: slug, Name: "bot-bottle-" + slug, StateDir: stateDir},
		Prompter: Refuser{},
	})
	switch {
	case err == nil:
		return fmt.Errorf("freezing missing bottle %s succeeded with %q", slug, res.Artifact)
	case !errors.Is(err, shared.ErrNotFound):
		return fmt.Errorf("freezing a missing bottle failed with class %v, want %v: %w",
			shared.ClassOf(err), shared.ErrNotFound, err)
	case err.Error() == "":
		return errors.New("the not-found error has no message")
	}
	return nil
}

// Refuser answers every question no.
type Refuser struct{}

// Confirm says no.
func (Refuser) Confirm(context.Context, string) (bool, error) { return false, nil }

// CheckBinary starts a plugin executable and runs the basic checks
// against it; the first result is the start itself.
func CheckBinary(ctx context.Context, p Plugin, opts StartOptions) []CheckResult {
	start := CheckResult{Name: fmt.Sprintf("starts, and completes the handshake "+
		"(protocol %d, gRPC)", shared.ProtocolVersion)}
	client, err := Start(p, opts)
	if err != nil {
		start.Err = err
		return []CheckResult{start}
	}
	defer client.Close()
	results := []CheckResult{start}
	for _, check := range BasicChecks(p.Backend) {
		results = append(results, RunCheck(ctx, check, client))
	}
	return results
}

// RunCheck runs one check with the check timeout.
func RunCheck(ctx context.Context, check Check, b shared.Backend) CheckResult {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	return CheckResult{Name: check.Name, Err: check.Run(ctx, b)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
