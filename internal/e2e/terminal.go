package e2e

import (
	"io"
	"strings"
	"time"

	"github.com/creack/pty"
)

// AnswerOnTerminal runs bottle on a pseudo-terminal, as a person at a
// terminal would: it waits for question to appear, types typed, and
// returns everything the terminal showed and bottle's exit code.
func (s *Sandbox) AnswerOnTerminal(extraEnv []string, question, typed string,
	args ...string) (shown string, code int) {
	s.T.Helper()
	cmd := s.Command(s.T.Context(), extraEnv, args...)
	terminal, err := pty.Start(cmd)
	if err != nil {
		s.T.Fatal(err)
	}
	defer terminal.Close()
	var screen SyncBuffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&screen, terminal) // ends with EIO once bottle exits
		close(copied)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(screen.String(), question) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			s.T.Fatalf("the question %q never appeared; the terminal showed:\n%s",
				question, screen.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := terminal.Write([]byte(typed)); err != nil {
		s.T.Fatal(err)
	}
	cmd.Wait()
	<-copied
	return screen.String(), cmd.ProcessState.ExitCode()
}
