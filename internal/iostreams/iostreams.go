// Package iostreams is the one way bottle's commands reach the user:
// results for scripts on Out (stdout), everything for people on ErrOut
// (stderr), answers from In. Tests swap in buffers.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// inTerminal reports whether In is a terminal a person types into.
	inTerminal bool
}

// System returns the process's own streams.
func System() *IOStreams {
	return &IOStreams{
		In:         os.Stdin,
		Out:        os.Stdout,
		ErrOut:     os.Stderr,
		inTerminal: term.IsTerminal(int(os.Stdin.Fd())),
	}
}

// Test returns streams backed by buffers, with In not a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// CanPrompt reports whether a person can answer questions on In.
func (s *IOStreams) CanPrompt() bool {
	return s.inTerminal
}

// SetCanPrompt overrides terminal detection, for tests.
func (s *IOStreams) SetCanPrompt(ok bool) {
	s.inTerminal = ok
}
