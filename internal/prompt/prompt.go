// Package prompt answers the yes/no questions that plugins ask through
// the host. Plugins never see the terminal; this package does.
package prompt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/plugin/shared"
)

// Confirmer implements shared.Prompter for the user at the terminal.
type Confirmer struct {
	IO *iostreams.IOStreams
	// AssumeYes answers every question yes without asking (--yes).
	AssumeYes bool
}

// Confirm asks question on stderr and reads the answer from the
// terminal. Only "y" or "yes" is yes; end of input is no.
func (c *Confirmer) Confirm(ctx context.Context, question string) (bool, error) {
	if c.AssumeYes {
		fmt.Fprintf(c.IO.ErrOut, "%s [y/N]: yes (--yes)\n", question)
		return true, nil
	}
	if !c.IO.CanPrompt() {
		return false, shared.WithAdvice(shared.Errorf(shared.ErrFailedPrecondition,
			"cannot ask %q: no terminal to answer on", question),
			"run bottle in a terminal, or pass --yes to answer yes")
	}
	fmt.Fprintf(c.IO.ErrOut, "%s [y/N]: ", question)

	answer := make(chan string, 1)
	go func() { answer <- readLine(c.IO.In) }()
	select {
	case <-ctx.Done():
		fmt.Fprintln(c.IO.ErrOut)
		return false, shared.Errorf(shared.ErrCanceled, "ask %q: %w", question, ctx.Err())
	case a := <-answer:
		a = strings.ToLower(strings.TrimSpace(a))
		return a == "y" || a == "yes", nil
	}
}

func readLine(r io.Reader) string {
	line, _ := bufio.NewReader(r).ReadString('\n')
	return line
}
