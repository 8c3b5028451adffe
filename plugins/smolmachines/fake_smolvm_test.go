package main

// A fake of the smolvm CLI (modelled on smolvm 1.12), built into this
// package's test binary: run under the name "smolvm" (a symlink placed
// first on PATH), the test binary behaves as smolvm does for the
// commands the plugin uses. Machines live in a JSON file under
// $FAKE_SMOLVM_HOME; every invocation is appended to calls.log there.
//
// Modelled: machine states (created, running, stopped, failed,
// unreachable, frozen) and how stop, start and pack change them; the
// launcher and .smolmachine files pack writes; the documented messages,
// with their "Error: " prefix on stderr, and exit codes (0, 1, and 2 for
// usage errors). $FAKE_SMOLVM_FAIL, a comma-separated list, makes steps
// fail as the real tool can: "ls", "stop", "start", "pack", or
// "pack-disk-full" (half an artifact written, then ENOSPC).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bot-bottle/bottle/internal/e2e/fakecli"
)

const (
	envFakeHome = "FAKE_SMOLVM_HOME"
	envFakeFail = "FAKE_SMOLVM_FAIL"
	fakeVersion = "smolvm 1.12.0"
)

// fakeMachine is one VM. Disk stands for the VM's disk: pack copies it
// into the artifact, so tests can tell which VM an artifact came from.
type fakeMachine struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	PID    int    `json:"pid,omitempty"`
	Mounts int    `json:"mounts"`
	Disk   string `json:"disk"`
}

// fakeSmolvm runs one smolvm command and returns its exit code.
func fakeSmolvm(args []string) int {
	home := os.Getenv(envFakeHome)
	fakecli.LogCall(home, "smolvm", args)
	machines, err := loadMachines(home)
	if err != nil {
		return fail("config operation failed: open database: %v", err)
	}
	code := dispatch(machines, args)
	if err := saveMachines(home, machines); err != nil {
		return fail("config operation failed: save database: %v", err)
	}
	return code
}

func dispatch(machines map[string]*fakeMachine, args []string) int {
	cmd := strings.Join(args[:min(2, len(args))], " ")
	switch {
	case len(args) == 1 && args[0] == "--version":
		fmt.Println(fakeVersion)
		return 0
	case cmd == "machine ls":
		return fakeList(machines, args[2:])
	case cmd == "machine stop":
		return fakeStop(machines, fakecli.Flag(args, "--name"))
	case cmd == "machine start":
		return fakeStart(machines, fakecli.Flag(args, "--name"))
	case cmd == "machine create":
		return fakeCreate(machines, fakecli.Flag(args, "--name"), fakecli.Flag(args, "--from"))
	case cmd == "machine delete":
		return fakeDelete(machines, fakecli.Flag(args, "--name"), slices.Contains(args, "--force"))
	case cmd == "pack create":
		return fakePack(machines, fakecli.Flag(args, "--from-vm"), fakecli.Flag(args, "-o"))
	}
	fmt.Fprintf(os.Stderr, "error: unrecognized subcommand '%s'\n\nUsage: smolvm <COMMAND>\n",
		strings.Join(args, " "))
	return 2
}

func fakeList(machines map[string]*fakeMachine, rest []string) int {
	if fakecli.Failing(envFakeFail, "ls") {
		return fail("config operation failed: open database: database is locked")
	}
	if !slices.Contains(rest, "--json") {
		fmt.Println("NAME STATE")
	}
	type record struct {
		Name       string   `json:"name"`
		State      string   `json:"state"`
		CPUs       int      `json:"cpus"`
		MemoryMiB  int      `json:"memory_mib"`
		PID        *int     `json:"pid"`
		Mounts     int      `json:"mounts"`
		Ports      int      `json:"ports"`
		CreatedAt  int64    `json:"created_at"`
		Image      string   `json:"image"`
		Entrypoint []string `json:"entrypoint"`
		Cmd        []string `json:"cmd"`
		Ephemeral  bool     `json:"ephemeral"`
		Network    bool     `json:"network"`
	}
	records := []record{}
	for _, name := range sortedNames(machines) {
		m := machines[name]
		r := record{Name: m.Name, State: m.State, CPUs: 4, MemoryMiB: 8192, Mounts: m.Mounts,
			CreatedAt: 1767225600, Image: "alpine:latest", Entrypoint: []string{},
			Cmd: []string{}, Network: true}
		if m.PID != 0 {
			r.PID = &m.PID
		}
		records = append(records, r)
	}
	out, _ := json.MarshalIndent(records, "", "  ")
	fmt.Println(string(out))
	return 0
}

func fakeStop(machines map[string]*fakeMachine, name string) int {
	m, ok := machines[name]
	if !ok {
		return fail("vm not found: %s", name)
	}
	if fakecli.Failing(envFakeFail, "stop") {
		return fail("agent operation failed: stop: timed out waiting for VM to stop")
	}
	switch m.State {
	case "running":
		fmt.Printf("Stopping machine '%s'...\n", name)
	case "unreachable":
		fmt.Printf("Machine '%s' is unreachable (PID %d alive but agent unresponsive); "+
			"cleaning up.\n", name, m.PID)
	default:
		fmt.Printf("Machine '%s' is not running (state: %s)\n", name, m.State)
		return 0
	}
	m.State, m.PID = "stopped", 0
	fmt.Printf("Stopped machine: %s\n", name)
	return 0
}

func fakeStart(machines map[string]*fakeMachine, name string) int {
	m, ok := machines[name]
	if !ok {
		return fail("vm not found: %s", name)
	}
	if fakecli.Failing(envFakeFail, "start") {
		return fail("agent operation failed: start: kernel panic in guest")
	}
	switch m.State {
	case "running":
		fmt.Printf("Machine '%s' already running (PID: %d)\n", name, m.PID)
		return 0
	case "frozen":
		return fail("agent operation failed: start: machine '%s' is frozen", name)
	}
	fmt.Fprintf(os.Stderr, "Starting machine '%s'...\n", name)
	m.State, m.PID = "running", 4242
	fmt.Printf("Machine '%s' running (PID: %d)\n", name, m.PID)
	return 0
}

// fakeCreate makes a VM from a .smolmachine file, which holds its disk.
func fakeCreate(machines map[string]*fakeMachine, name, from string) int {
	data, err := os.ReadFile(from)
	if err != nil {
		return fail("config operation failed: create from .smolmachine: file not found: %s", from)
	}
	if _, ok := machines[name]; ok {
		return fail("config operation failed: create machine: machine '%s' already exists "+
			"or is being created", name)
	}
	_, disk, _ := strings.Cut(string(data), "\ndisk=")
	machines[name] = &fakeMachine{Name: name, State: "created",
		Disk: strings.TrimSuffix(disk, "\n")}
	fmt.Printf("Extracting .smolmachine assets...\nCreated machine: %s\n  CPUs: 4, Memory: "+
		"8192 MiB\n\nUse 'smolvm machine start --name %s' to start the machine\n", name, name)
	return 0
}

// fakeDelete removes a stopped VM; without a terminal it wants --force.
func fakeDelete(machines map[string]*fakeMachine, name string, force bool) int {
	m, ok := machines[name]
	switch {
	case !ok:
		return fail("vm not found: %s", name)
	case !force:
		return fail("refusing to delete machine '%s' without confirmation: no terminal; "+
			"pass --force", name)
	case m.State == "running":
		return fail("invalid vm state: expected stopped, got running")
	}
	delete(machines, name)
	fmt.Printf("Deleted machine: %s\n", name)
	return 0
}

func fakePack(machines map[string]*fakeMachine, name, out string) int {
	if out == "" || name == "" {
		fmt.Fprintln(os.Stderr, "error: the following required arguments were not provided:\n"+
			"  --output <OUTPUT>")
		return 2
	}
	if strings.HasSuffix(out, ".smolmachine") {
		return fail("invalid output path '%s': give the launcher path without the "+
			".smolmachine extension; the .smolmachine file is written next to it", out)
	}
	m, ok := machines[name]
	switch {
	case !ok:
		return fail("agent operation failed: pack from VM: VM '%s' not found", name)
	case m.State == "running" || m.State == "unreachable":
		return fail("agent operation failed: pack from VM: VM '%s' is running. "+
			"Stop it first with: smolvm machine stop --name %s", name, name)
	case m.State == "created":
		return fail("agent operation failed: pack from VM: overlay disk not found at "+
			"/var/lib/smolvm/%s/overlay.qcow2. The VM may not have been started yet.", name)
	}
	return writePack(m, out)
}

func writePack(m *fakeMachine, out string) int {
	fmt.Printf("Packing VM '%s' snapshot...\nCollecting runtime libraries...\n", m.Name)
	artifact := "SMOLMACHINE v1\nvm=" + m.Name + "\ndisk=" + m.Disk + "\n"
	switch {
	case fakecli.Failing(envFakeFail, "pack"):
		return fail("agent operation failed: pack from VM: qemu-img convert failed")
	case fakecli.Failing(envFakeFail, "pack-disk-full"):
		os.WriteFile(out+".smolmachine", []byte(artifact[:len(artifact)/2]), 0o644)
		return fail("agent operation failed: pack from VM: write assets: " +
			"No space left on device (os error 28)")
	}
	launcher := "#!/bin/sh\nexec smolvm machine run --from \"$0.smolmachine\" \"$@\"\n"
	if err := os.WriteFile(out, []byte(launcher), 0o755); err != nil {
		return fail("pack: %v", err)
	}
	if err := os.WriteFile(out+".smolmachine", []byte(artifact), 0o644); err != nil {
		return fail("pack: %v", err)
	}
	fmt.Printf("Packed: %s (stub: 1KB, total: 1KB)\nAssets: %s.smolmachine (1KB compressed)\n\n"+
		"Run with: %s\nNote: Keep the .smolmachine file alongside the binary\n", out, out, out)
	return 0
}

func fail(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "Error: "+format+"\n", args...)
	return 1
}

func sortedNames(machines map[string]*fakeMachine) []string {
	var names []string
	for name := range machines {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func loadMachines(home string) (map[string]*fakeMachine, error) {
	machines := map[string]*fakeMachine{}
	return machines, fakecli.Load(filepath.Join(home, "machines.json"), &machines)
}

func saveMachines(home string, machines map[string]*fakeMachine) error {
	return fakecli.Save(filepath.Join(home, "machines.json"), machines)
}
