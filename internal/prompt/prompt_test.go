package prompt

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/plugin/shared"
)

func TestConfirm(t *testing.T) {
	tests := []struct {
		name      string
		terminal  bool
		assumeYes bool
		typed     string
		want      bool
		wantErr   error
		wantAsked string
	}{
		{"yes", true, false, "y\n", true, nil, "stop it? [y/N]: "},
		{"YES in capitals", true, false, " YES \n", true, nil, "stop it? [y/N]: "},
		{"no", true, false, "n\n", false, nil, "stop it? [y/N]: "},
		{"just enter", true, false, "\n", false, nil, "stop it? [y/N]: "},
		{"end of input", true, false, "", false, nil, "stop it? [y/N]: "},
		{"anything else", true, false, "sure\n", false, nil, "stop it? [y/N]: "},
		{"--yes", false, true, "", true, nil, "stop it? [y/N]: yes (--yes)\n"},
		{"no terminal", false, false, "y\n", false, shared.ErrFailedPrecondition, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, in, out, errOut := iostreams.Test()
			io.SetCanPrompt(tt.terminal)
			in.WriteString(tt.typed)
			c := &Confirmer{IO: io, AssumeYes: tt.assumeYes}

			got, err := c.Confirm(context.Background(), "stop it?")

			wrongErr := !errors.Is(err, tt.wantErr) || (err != nil) != (tt.wantErr != nil)
			if got != tt.want || wrongErr {
				t.Errorf("Confirm() = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
			if errOut.String() != tt.wantAsked || out.Len() != 0 {
				t.Errorf("asked %q on stderr and %q on stdout; want %q on stderr only",
					errOut, out, tt.wantAsked)
			}
			if err != nil && !strings.Contains(shared.Advice(err), "--yes") {
				t.Errorf("advice %q does not mention --yes", shared.Advice(err))
			}
		})
	}
}

// blockingReader never returns, like a terminal nobody types into.
type blockingReader struct{}

func (blockingReader) Read([]byte) (int, error) { select {} }

func TestConfirmGivesUpWhenCancelled(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	io.In = blockingReader{}
	io.SetCanPrompt(true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := (&Confirmer{IO: io}).Confirm(ctx, "stop it?")

	if !errors.Is(err, shared.ErrCanceled) {
		t.Errorf("Confirm() after cancel = %v, want ErrCanceled", err)
	}
}
