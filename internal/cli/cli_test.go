package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bot-bottle/bottle/internal/iostreams"
	"github.com/bot-bottle/bottle/internal/pluginhost"
	"github.com/bot-bottle/bottle/plugin/shared"
	"github.com/bot-bottle/bottle/state"
)

func TestReportError(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantOut  string
	}{
		{"success", nil, 0, ""},
		{"plugin error with advice",
			shared.WithAdvice(shared.Errorf(shared.ErrNotFound, "no container x"), "start it"),
			1, "error: no container x\nhint: start it\n"},
		{"interrupted", fmt.Errorf("commit interrupted: %w",
			shared.Errorf(shared.ErrCanceled, "context canceled")),
			130, "error: commit interrupted: context canceled\n"},
		{"usage", usageError{errors.New("commit takes one bottle slug")},
			2, "error: commit takes one bottle slug\nrun 'bottle --help' for usage\n"},
		{"busy bottle", fmt.Errorf("%w: another bottle command is working on %q",
			state.ErrBusy, "x"), 1, "hint: wait for the other command to finish"},
		{"missing plugin", &pluginhost.NotFoundError{Backend: "qemu"}, 1,
			"hint: install bottle-plugin-qemu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			if code := reportError(&w, tt.err); code != tt.wantCode {
				t.Errorf("exit code %d, want %d", code, tt.wantCode)
			}
			if !strings.Contains(w.String(), tt.wantOut) || (tt.wantOut == "" && w.Len() > 0) {
				t.Errorf("printed %q, want %q", w.String(), tt.wantOut)
			}
		})
	}
}

// run executes the command tree as bottle would, against buffers.
func run(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	f := &Factory{IO: io, Getenv: func(k string) string { return env[k] }}
	root := NewRootCmd(f)
	root.SetArgs(args)
	code = reportError(errOut, root.ExecuteContext(context.Background()))
	return out.String(), errOut.String(), code
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"commit"}, "commit takes one argument, got 0: bottle commit <slug>"},
		{[]string{"commit", "a", "b"}, "got 2"},
		{[]string{"commit", "--frobnicate", "x"}, "unknown flag: --frobnicate"},
		{[]string{"--log-level", "loud", "commit", "x"}, `invalid log level "loud"`},
		{[]string{"frobnicate"}, `unknown command "frobnicate" for "bottle"`},
		{[]string{"plugin", "frobnicate"}, `unknown command "frobnicate" for "bottle plugin"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr, code := run(t, nil, tt.args...)
			if code != exitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q",
					code, stdout, stderr, tt.want)
			}
		})
	}
}

func TestPluginList(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"bottle-plugin-docker", "bottle-plugin-smolmachines"} {
		// Not executable: listed, never started.
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{pluginhost.EnvPluginPath: dir, "HOME": t.TempDir()}

	stdout, stderr, code := run(t, env, "plugin", "list")

	want := fmt.Sprintf("BACKEND       STATUS          VERSION  PIN  PATH  DETAIL\n"+
		"docker        not-executable  -        -    %[1]s/bottle-plugin-docker        "+
		"chmod +x it, or remove it\n"+
		"smolmachines  not-executable  -        -    %[1]s/bottle-plugin-smolmachines  "+
		"chmod +x it, or remove it\n", dir)
	want = strings.ReplaceAll(want, "PATH  DETAIL", "PATH"+
		strings.Repeat(" ", len(dir)+len("/bottle-plugin-smolmachines")-2)+"DETAIL")
	if code != 1 || stdout != want || !strings.Contains(stderr, "2 of 2 plugins have problems") {
		t.Errorf("exit %d, stdout\n%s\nstderr %q; want exit 1 and\n%s", code, stdout, stderr, want)
	}

	env[pluginhost.EnvPluginPath] = t.TempDir()
	if _, stderr, code := run(t, env, "plugin", "list"); code != 1 ||
		!strings.Contains(stderr, "no plugins found") {
		t.Errorf("with no plugins: exit %d, stderr %q", code, stderr)
	}
}
