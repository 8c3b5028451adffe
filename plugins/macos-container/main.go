// Command bottle-plugin-macos-container is bottle's backend for bottles
// that run as Linux containers on macOS under Apple's `container` tool.
// bottle starts it; run by hand it only says so.
package main

import "github.com/bot-bottle/bottle/plugin/shared"

func main() {
	shared.Serve(newBackend)
}
