// Command agent stands in for an AI agent inside a test bottle. It is
// built static and is the only file of a FROM-scratch image, so tests
// and the demo need no registry.
//
//	agent write <path> <text>   write text to path, then wait for a signal
//	agent put <path> <text>     write text to path, and exit
//	agent cat <path>            print the file at path
//	agent env <name>            print an environment variable
//	agent pwd                   print the working directory
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: agent write|put <path> <text> | cat <path> | env <name> | pwd")
	}
	switch {
	case args[0] == "write" && len(args) == 3:
		if err := run([]string{"put", args[1], args[2]}); err != nil {
			return err
		}
		waitForSignal()
		return nil
	case args[0] == "put" && len(args) == 3:
		if err := os.MkdirAll(filepath.Dir(args[1]), 0o755); err != nil {
			return err
		}
		return os.WriteFile(args[1], []byte(args[2]), 0o644)
	case args[0] == "cat" && len(args) == 2:
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(data)
		return err
	case args[0] == "env" && len(args) == 2:
		fmt.Println(os.Getenv(args[1]))
		return nil
	case args[0] == "pwd" && len(args) == 1:
		dir, err := os.Getwd()
		fmt.Println(dir)
		return err
	}
	return fmt.Errorf("unknown command %q", args)
}

// waitForSignal keeps the container running until docker stops it. As
// PID 1 the agent gets no default signal handling, so it asks for it.
func waitForSignal() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
