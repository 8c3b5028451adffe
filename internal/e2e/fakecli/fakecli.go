// Package fakecli holds what the fakes of backend command-line tools
// share: reading flags, recording each invocation, failing on request,
// and keeping the fake's world in a JSON file.
package fakecli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Flag returns the value after the first name in args, or "".
func Flag(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// Last returns the last argument, or "".
func Last(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[len(args)-1]
}

// Failing reports whether step is in the comma-separated list held by
// the environment variable env.
func Failing(env, step string) bool {
	return slices.Contains(strings.Split(os.Getenv(env), ","), step)
}

// LogCall appends the command line to calls.log in home, one line per
// invocation, so tests can assert the exact sequence of commands.
func LogCall(home, program string, args []string) {
	f, err := os.OpenFile(filepath.Join(home, "calls.log"),
		os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, strings.TrimSpace(program+" "+strings.Join(args, " ")))
}

// Load reads the JSON file at path into v; a missing file leaves v as
// it is.
func Load(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Save writes v to path as JSON, atomically as a real tool's database
// would: a fake killed mid-write by a cancelled call must not leave
// half a file for the next one.
func Save(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
