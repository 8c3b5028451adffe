package main_test

import (
	"path/filepath"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

// A plugin built before Resume existed gets a clear message, not a raw
// gRPC error, whether it says so in Info or only by lacking the call.
func TestResumeThroughAPluginWithoutResume(t *testing.T) {
	for _, mode := range []string{fakeAsk, fakeClaimsResume} {
		t.Run(mode, func(t *testing.T) {
			s := e2e.NewSandbox(t, bins)
			s.InstallFakePlugin("fake")
			slug := e2e.RandomSlug("old")
			dir := s.NewBottleState(slug, e2e.PythonMetadata(slug, "fake"))
			e2e.MustWrite(t, filepath.Join(dir, "committed-image"), "fake-artifact\n")
			before := e2e.Snapshot(t, s.StateRoot)

			res := s.Bottle([]string{envFakePlugin + "=" + mode}, "resume", slug)

			if res.Code != 1 || res.Stdout != "" {
				t.Errorf("exit %d, stdout %q; want 1 and nothing", res.Code, res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, "bottle-plugin-fake",
				"does not support resume: upgrade it", "hint: install a newer version")
			e2e.AssertUnchanged(t, s.StateRoot, before)
		})
	}
}
