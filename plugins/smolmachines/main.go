// Command bottle-plugin-smolmachines is bottle's backend for bottles
// that run as smolvm microVMs. bottle starts it; run by hand it only
// says so.
package main

import "github.com/bot-bottle/bottle/plugin/shared"

func main() {
	shared.Serve(newBackend)
}
