package pluginhost

import (
	"fmt"
	"strings"
	"sync"
)

// tailWriter keeps the last lines written to it, to show what a plugin
// printed before it died.
type tailWriter struct {
	mu      sync.Mutex
	max     int
	lines   []string
	partial string
}

func newTailWriter(max int) *tailWriter {
	return &tailWriter{max: max}
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := t.partial + string(p)
	lines := strings.Split(text, "\n")
	t.partial = lines[len(lines)-1]
	t.lines = append(t.lines, lines[:len(lines)-1]...)
	if over := len(t.lines) - t.max; over > 0 {
		t.lines = t.lines[over:]
	}
	return len(p), nil
}

// quoted returns the kept lines indented under a colon, or "" when the
// plugin printed nothing.
func (t *tailWriter) quoted() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if t.partial != "" {
		lines = append(lines[:len(lines):len(lines)], t.partial)
		lines = lines[max(0, len(lines)-t.max):]
	}
	if len(lines) == 0 {
		return " (it printed nothing on stderr)"
	}
	return fmt.Sprintf("; its last words on stderr:\n    %s", strings.Join(lines, "\n    "))
}
