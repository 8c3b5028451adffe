package main_test

import (
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

// The question a plugin asks reaches the user's terminal through the
// host, and the answer goes back to the plugin. These tests type into a
// real pseudo-terminal.
func TestConfirmationOnATerminal(t *testing.T) {
	tests := []struct {
		name       string
		typed      string // after the question appears
		wantCode   int
		wantOutput string
		committed  bool
	}{
		{"yes", "y\n", 0, "to resume from this snapshot", true},
		{"no", "n\n", 0, "cancelled: nothing was changed", false},
		{"just enter", "\n", 0, "cancelled: nothing was changed", false},
		{"end of input", "\x04", 0, "cancelled: nothing was changed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := e2e.NewSandbox(t, bins)
			s.InstallFakePlugin("fake")
			slug := e2e.RandomSlug("tty")
			dir := s.NewBottleState(slug, e2e.PythonMetadata(slug, "fake"))
			before := e2e.Snapshot(t, dir)

			question := "stop bot-bottle-" + slug + "? the agent's session will end [y/N]: "
			output, code := s.AnswerOnTerminal([]string{envFakePlugin + "=" + fakeAsk},
				question, tt.typed, "commit", slug)

			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; terminal showed:\n%s", code, tt.wantCode, output)
			}
			e2e.AssertContains(t, "terminal", output, tt.wantOutput)
			if tt.committed {
				e2e.AssertContains(t, "committed-image",
					e2e.Snapshot(t, dir)["/committed-image"], "fake-artifact-"+slug)
				return
			}
			e2e.AssertUnchanged(t, dir, before)
		})
	}
}
