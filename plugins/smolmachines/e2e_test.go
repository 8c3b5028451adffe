package main

// End-to-end tests of the smolmachines backend: the built bottle and
// plugin binaries, with the fake smolvm of fake_smolvm_test.go first on
// PATH.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bot-bottle/bottle/internal/e2e"
)

var bins *e2e.Binaries

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "smolvm" {
		os.Exit(fakeSmolvm(os.Args[1:]))
	}
	os.Exit(e2e.Main(m, &bins))
}

// world is a sandbox with the fake smolvm installed and one bottle.
type world struct {
	*e2e.Sandbox
	slug, vm, stateDir, fakeHome string
}

func newWorld(t *testing.T, vm fakeMachine) *world {
	t.Helper()
	w := &world{Sandbox: e2e.NewSandbox(t, bins), slug: e2e.RandomSlug("vm")}
	w.vm = "bot-bottle-" + w.slug
	w.fakeHome = t.TempDir()
	w.InstallFake("smolvm")
	w.Env = append(w.Env, envFakeHome+"="+w.fakeHome)
	w.stateDir = w.NewBottleState(w.slug, e2e.PythonMetadata(w.slug, "smolmachines"))
	if vm.State != "" {
		vm.Name = w.vm
		w.setMachines(vm)
	}
	return w
}

func (w *world) setMachines(machines ...fakeMachine) {
	w.T.Helper()
	byName := map[string]fakeMachine{}
	for _, m := range machines {
		byName[m.Name] = m
	}
	data, _ := json.Marshal(byName)
	e2e.MustWrite(w.T, filepath.Join(w.fakeHome, "machines.json"), string(data))
}

func (w *world) machine() fakeMachine {
	w.T.Helper()
	var machines map[string]fakeMachine
	data, err := os.ReadFile(filepath.Join(w.fakeHome, "machines.json"))
	if err != nil || json.Unmarshal(data, &machines) != nil {
		w.T.Fatalf("read fake machines: %v", err)
	}
	return machines[w.vm]
}

var tmpName = regexp.MustCompile(`\.committed-smolmachine\.tmp-[0-9a-f]+`)

// calls returns the smolvm command lines run so far, with the random
// part of temporary names replaced by <tmp>.
func (w *world) calls() []string {
	data, _ := os.ReadFile(filepath.Join(w.fakeHome, "calls.log"))
	text := strings.ReplaceAll(string(data), w.stateDir, "<state>")
	text = tmpName.ReplaceAllString(text, "<tmp>")
	return strings.Split(strings.TrimSpace(text), "\n")
}

func (w *world) assertCalls(want ...string) {
	w.T.Helper()
	if got := w.calls(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		w.T.Errorf("smolvm calls:\n%s\nwant:\n%s", strings.Join(got, "\n"),
			strings.Join(want, "\n"))
	}
}

func TestCommitRunningVM(t *testing.T) {
	w := newWorld(t, fakeMachine{State: "running", PID: 4242, Disk: "agent notes"})
	before := e2e.Snapshot(t, w.stateDir)

	res := w.Bottle(nil, "commit", "--yes", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	artifact := filepath.Join(w.stateDir, "committed-smolmachine.smolmachine")
	if res.Stdout != artifact+"\n" {
		t.Errorf("stdout = %q, want the artifact path %q", res.Stdout, artifact)
	}
	w.assertCalls(
		"smolvm machine ls --json",
		"smolvm machine stop --name "+w.vm,
		"smolvm pack create --from-vm "+w.vm+" -o <state>/<tmp>")

	content := "SMOLMACHINE v1\nvm=" + w.vm + "\ndisk=agent notes\n"
	sum := sha256.Sum256([]byte(content))
	e2e.AssertContains(t, "stderr", res.Stderr,
		"must be stopped to be packed, which ends the agent's session in it. "+
			"Stop it? [y/N]: yes (--yes)\n",
		fmt.Sprintf("packed committed-smolmachine.smolmachine (%d B, sha256 %s)\n",
			len(content), hex.EncodeToString(sum[:])),
		w.vm+" is stopped now; bring the bottle back with `smolvm machine start --name "+
			w.vm+"`\n",
		"to resume from this snapshot: bottle resume "+w.slug+"\n",
		"to export for migration: cp "+artifact+" "+w.slug+".smolmachine\n")

	want := before
	want["/committed-smolmachine.smolmachine"] = content
	want["/committed-smolmachine"] = e2e.Snapshot(t, w.stateDir)["/committed-smolmachine"]
	want["/committed-image"] = artifact + "\n"
	want["/.preserve"] = ""
	e2e.AssertUnchanged(t, w.stateDir, want)
	if info, err := os.Stat(filepath.Join(w.stateDir, "committed-smolmachine")); err != nil ||
		info.Mode().Perm() != 0o755 {
		t.Errorf("launcher: %v, %v; want an executable file", info, err)
	}
	if got := w.machine().State; got != "stopped" {
		t.Errorf("VM is %s after the commit, want stopped", got)
	}
}

func TestCommitStoppedVMAsksNothing(t *testing.T) {
	w := newWorld(t, fakeMachine{State: "stopped", Disk: "d", Mounts: 2})

	res := w.Bottle(nil, "commit", w.slug)

	if res.Code != 0 {
		t.Fatalf("exit code %d:\n%s", res.Code, res.Stderr)
	}
	w.assertCalls("smolvm machine ls --json",
		"smolvm pack create --from-vm "+w.vm+" -o <state>/<tmp>")
	if strings.Contains(res.Stderr, "[y/N]") || strings.Contains(res.Stderr, "is stopped now") {
		t.Errorf("asked or told about a stop that did not happen:\n%s", res.Stderr)
	}
	e2e.AssertContains(t, "stderr", res.Stderr, "warning: the VM has 2 mount(s); "+
		"mounted host directories are not part of the artifact")
}

func TestCommitRunningVMDeclined(t *testing.T) {
	w := newWorld(t, fakeMachine{State: "running", PID: 4242, Disk: "d"})
	before := e2e.Snapshot(t, w.stateDir)

	shown, code := w.AnswerOnTerminal(nil, "Stop it? [y/N]: ", "n\n", "commit", w.slug)

	if code != 0 {
		t.Errorf("exit code %d, want 0; terminal showed:\n%s", code, shown)
	}
	e2e.AssertContains(t, "terminal", shown,
		"commit of "+w.slug+" cancelled: nothing was changed")
	w.assertCalls("smolvm machine ls --json")
	if got := w.machine().State; got != "running" {
		t.Errorf("VM is %s after a declined commit, want running", got)
	}
	e2e.AssertUnchanged(t, w.stateDir, before)
}

func TestCommitRunningVMConfirmedOnTerminal(t *testing.T) {
	w := newWorld(t, fakeMachine{State: "running", PID: 4242, Disk: "d"})

	shown, code := w.AnswerOnTerminal(nil, "Stop it? [y/N]: ", "y\n", "commit", w.slug)

	if code != 0 {
		t.Fatalf("exit code %d; terminal showed:\n%s", code, shown)
	}
	e2e.AssertContains(t, "terminal", shown, "is stopped now")
	if got := w.machine().State; got != "stopped" {
		t.Errorf("VM is %s, want stopped", got)
	}
}

// Every refusal and failure leaves the VM as it was, the state as it
// was, and no temporary file behind.
func TestCommitFailures(t *testing.T) {
	tests := []struct {
		name      string
		vm        fakeMachine
		env       []string
		args      []string
		wantCalls []string // after `machine ls --json`
		wantState string   // of the VM afterwards
		wantErr   []string
	}{{
		name:    "no such VM",
		wantErr: []string{"no smolvm machine bot-bottle-", "hint: the bottle is not running"},
	}, {
		name:    "smolvm not installed",
		env:     []string{"PATH=/nonexistent"},
		wantErr: []string{"list smolvm machines", "hint: install smolvm"},
	}, {
		name:    "smolvm cannot list machines",
		vm:      fakeMachine{State: "running"},
		env:     []string{envFakeFail + "=ls"},
		wantErr: []string{"Error: config operation failed: open database: database is locked"},
	}, {
		name:      "running VM without a terminal or --yes",
		vm:        fakeMachine{State: "running", PID: 1},
		wantState: "running",
		wantErr:   []string{"no terminal to answer on", "pass --yes"},
	}, {
		name:      "failed VM",
		vm:        fakeMachine{State: "failed"},
		args:      []string{"--yes"},
		wantState: "failed",
		wantErr:   []string{"has failed", "hint: start it again with `smolvm machine start"},
	}, {
		name:      "unreachable VM",
		vm:        fakeMachine{State: "unreachable", PID: 7},
		args:      []string{"--yes"},
		wantState: "unreachable",
		wantErr:   []string{"is unreachable", "hint: stop it with `smolvm machine stop"},
	}, {
		name:      "VM never started",
		vm:        fakeMachine{State: "created"},
		args:      []string{"--yes"},
		wantState: "created",
		wantErr:   []string{"never started"},
	}, {
		name:      "stop fails",
		vm:        fakeMachine{State: "running", PID: 1},
		args:      []string{"--yes"},
		env:       []string{envFakeFail + "=stop"},
		wantCalls: []string{"smolvm machine stop --name <vm>"},
		wantState: "running",
		wantErr:   []string{"timed out waiting for VM to stop"},
	}, {
		name: "disk full half way through the pack",
		vm:   fakeMachine{State: "running", PID: 1},
		args: []string{"--yes"},
		env:  []string{envFakeFail + "=pack-disk-full"},
		wantCalls: []string{"smolvm machine stop --name <vm>",
			"smolvm pack create --from-vm <vm> -o <state>/<tmp>",
			"smolvm machine start --name <vm>"},
		wantState: "running",
		wantErr:   []string{"No space left on device (os error 28)"},
	}, {
		name: "pack fails",
		vm:   fakeMachine{State: "running", PID: 1},
		args: []string{"--yes"},
		env:  []string{envFakeFail + "=pack"},
		wantCalls: []string{"smolvm machine stop --name <vm>",
			"smolvm pack create --from-vm <vm> -o <state>/<tmp>",
			"smolvm machine start --name <vm>"},
		wantState: "running",
		wantErr:   []string{"qemu-img convert failed"},
	}, {
		name: "pack fails and the restart too",
		vm:   fakeMachine{State: "running", PID: 1},
		args: []string{"--yes"},
		env:  []string{envFakeFail + "=pack,start"},
		wantCalls: []string{"smolvm machine stop --name <vm>",
			"smolvm pack create --from-vm <vm> -o <state>/<tmp>",
			"smolvm machine start --name <vm>"},
		wantState: "stopped",
		wantErr: []string{"qemu-img convert failed", "restarting bot-bottle-",
			"failed too", "hint: start it with `smolvm machine start --name bot-bottle-"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.vm)
			// A previous commit's files must survive a failed one.
			e2e.MustWrite(t, filepath.Join(w.stateDir, "committed-smolmachine.smolmachine"), "old")
			e2e.MustWrite(t, filepath.Join(w.stateDir, "committed-image"), "old\n")
			before := e2e.Snapshot(t, w.stateDir)

			res := w.Bottle(tt.env, append(append([]string{"commit"}, tt.args...), w.slug)...)

			if res.Code != 1 || res.Stdout != "" {
				t.Errorf("exit code %d, stdout %q; want 1 and nothing", res.Code, res.Stdout)
			}
			e2e.AssertContains(t, "stderr", res.Stderr, tt.wantErr...)
			e2e.AssertUnchanged(t, w.stateDir, before)
			if tt.vm.State == "" || strings.HasPrefix(tt.name, "smolvm") {
				return
			}
			want := []string{"smolvm machine ls --json"}
			for _, c := range tt.wantCalls {
				want = append(want, strings.ReplaceAll(c, "<vm>", w.vm))
			}
			w.assertCalls(want...)
			if got := w.machine().State; got != tt.wantState {
				t.Errorf("VM is %s afterwards, want %s", got, tt.wantState)
			}
		})
	}
}
