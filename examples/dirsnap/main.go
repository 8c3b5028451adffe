// Command bottle-plugin-dirsnap is an example of a third-party bottle
// backend, built in a module of its own against bottle's shared plugin
// package only. Its bottles are plain directories; freezing one makes a
// .tar.gz of it. Install it on bottle's plugin path, and bottles whose
// metadata says "backend": "dirsnap" use it.
package main

import "github.com/bot-bottle/bottle/plugin/shared"

func main() {
	shared.Serve(newBackend)
}
