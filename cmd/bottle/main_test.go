// End-to-end tests of the host: the bottle binary, built fresh by
// TestMain, driving plugins that misbehave on purpose. The test binary
// doubles as such a plugin (see fakeplugin_test.go). Each backend's own
// end-to-end tests live with its plugin.
package main_test

import (
	"os"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

var bins *e2e.Binaries

func TestMain(m *testing.M) {
	if mode := os.Getenv(envFakePlugin); mode != "" {
		serveFakePlugin(mode) // this process was started as a plugin
		return
	}
	os.Exit(e2e.Main(m, &bins))
}
