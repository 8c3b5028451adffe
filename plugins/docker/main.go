// Command bottle-plugin-docker is bottle's backend for Docker bottles.
// bottle starts it; run by hand it only says so.
package main

import "github.com/bot-bottle/bottle/plugin/shared"

func main() {
	shared.Serve(newBackend)
}
