// Command bottle freezes running AI-agent sandboxes (bottles) into
// artifacts they can be resumed from, through backend plugins.
package main

import (
	"os"

	"github.com/bot-bottle/bottle/internal/cli"
)

func main() {
	os.Exit(cli.Main())
}
