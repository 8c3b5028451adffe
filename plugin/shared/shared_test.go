package shared

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/bot-bottle/bottle/state"
)

// scriptedBackend answers Freeze with whatever the test sets.
type scriptedBackend struct {
	freeze func(context.Context, *FreezeRequest) (*FreezeResult, error)
}

func (b *scriptedBackend) Info(context.Context) (*Info, error) {
	return &Info{Name: "scripted", Version: "1.2.3", Capabilities: []string{CapFreeze}}, nil
}

func (b *scriptedBackend) Freeze(ctx context.Context, req *FreezeRequest) (*FreezeResult, error) {
	return b.freeze(ctx, req)
}

// connect serves impl over real gRPC in this process, as go-plugin would
// across processes, and returns the host's view of it.
func connect(t *testing.T, impl Backend) Backend {
	t.Helper()
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		PluginName: &BackendPlugin{Impl: impl},
	})
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(Backend)
}

type answer struct {
	yes bool
	err error
}

func (a answer) Confirm(context.Context, string) (bool, error) { return a.yes, a.err }

func TestInfoCrossesTheBoundary(t *testing.T) {
	host := connect(t, &scriptedBackend{})
	info, err := host.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "scripted" || info.Version != "1.2.3" || !info.Has(CapFreeze) ||
		info.Has(CapResume) {
		t.Errorf("Info() = %+v", info)
	}
}

func TestFreezeCarriesTheBottleAndTheResult(t *testing.T) {
	var got Bottle
	host := connect(t, &scriptedBackend{freeze: func(_ context.Context, req *FreezeRequest) (
		*FreezeResult, error) {
		got = req.Bottle
		return &FreezeResult{Artifact: "img:latest", ArtifactID: "sha256:ab", SizeBytes: 42,
			ExportHint: "save it", Warnings: []string{"w"}, Notes: []string{"n"}}, nil
	}})
	sent := Bottle{Slug: "dev-abc12", Name: "bot-bottle-dev-abc12", StateDir: "/s/dev-abc12",
		Metadata: state.Metadata{AgentName: "dev", CopyCwd: true, Backend: "docker",
			BottleNames: []string{"a", "b"}, Raw: []byte(`{"agent_name":"dev","x":1}`)}}

	res, err := host.Freeze(context.Background(), &FreezeRequest{Bottle: sent, Prompter: answer{}})

	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", sent) {
		t.Errorf("plugin got bottle\n%+v\nwant\n%+v", got, sent)
	}
	want := FreezeResult{Artifact: "img:latest", ArtifactID: "sha256:ab", SizeBytes: 42,
		ExportHint: "save it", Warnings: []string{"w"}, Notes: []string{"n"}}
	if fmt.Sprintf("%+v", *res) != fmt.Sprintf("%+v", want) {
		t.Errorf("Freeze() = %+v, want %+v", *res, want)
	}
}

func TestErrorsKeepClassAndAdviceAcrossTheBoundary(t *testing.T) {
	classes := []error{ErrNotFound, ErrUnavailable, ErrCanceled, ErrFailedPrecondition,
		ErrInvalidArgument, ErrDeclined, ErrUnsupported}
	for _, class := range classes {
		t.Run(class.Error(), func(t *testing.T) {
			cause := errors.New("engine said no")
			host := connect(t, &scriptedBackend{freeze: func(context.Context, *FreezeRequest) (
				*FreezeResult, error) {
				return nil, WithAdvice(Errorf(class, "freeze x: %w", cause), "do this")
			}})

			_, err := host.Freeze(context.Background(), &FreezeRequest{Prompter: answer{}})

			if !errors.Is(err, class) {
				t.Errorf("errors.Is(%v, %v) = false", err, class)
			}
			if ClassOf(err) != class {
				t.Errorf("ClassOf() = %v, want %v", ClassOf(err), class)
			}
			if err.Error() != "freeze x: engine said no" {
				t.Errorf("message = %q", err)
			}
			if Advice(err) != "do this" {
				t.Errorf("Advice() = %q", Advice(err))
			}
			if errors.Is(err, ErrConnectionLost) {
				t.Error("an error the plugin returned reads as a lost connection")
			}
		})
	}
}

func TestUnclassifiedErrorStaysUnclassified(t *testing.T) {
	host := connect(t, &scriptedBackend{freeze: func(context.Context, *FreezeRequest) (
		*FreezeResult, error) {
		return nil, errors.New("something odd")
	}})
	_, err := host.Freeze(context.Background(), &FreezeRequest{Prompter: answer{}})
	if err == nil || err.Error() != "something odd" || ClassOf(err) != nil || Advice(err) != "" {
		t.Errorf("Freeze() error = %v (class %v)", err, ClassOf(err))
	}
}

func TestPrompterAnswersReachThePlugin(t *testing.T) {
	tests := []struct {
		name    string
		host    answer
		wantYes bool
		wantErr error
	}{
		{"yes", answer{yes: true}, true, nil},
		{"no", answer{yes: false}, false, nil},
		{"nobody to ask", answer{err: WithAdvice(
			Errorf(ErrFailedPrecondition, "no terminal"), "pass --yes")}, false,
			ErrFailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var yes bool
			var askErr error
			host := connect(t, &scriptedBackend{freeze: func(ctx context.Context,
				req *FreezeRequest) (*FreezeResult, error) {
				yes, askErr = req.Prompter.Confirm(ctx, "stop it?")
				return &FreezeResult{Artifact: "a"}, nil
			}})

			if _, err := host.Freeze(context.Background(),
				&FreezeRequest{Prompter: tt.host}); err != nil {
				t.Fatal(err)
			}
			if yes != tt.wantYes || !errors.Is(askErr, tt.wantErr) {
				t.Errorf("Confirm() = %v, %v; want %v, %v", yes, askErr, tt.wantYes, tt.wantErr)
			}
			if tt.wantErr != nil && Advice(askErr) != "pass --yes" {
				t.Errorf("advice lost on the way: %q", Advice(askErr))
			}
		})
	}
}

func TestCancellationReachesThePlugin(t *testing.T) {
	started := make(chan struct{})
	host := connect(t, &scriptedBackend{freeze: func(ctx context.Context, _ *FreezeRequest) (
		*FreezeResult, error) {
		close(started)
		<-ctx.Done()
		return nil, Errorf(ErrCanceled, "freeze: %w", ctx.Err())
	}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()

	_, err := host.Freeze(ctx, &FreezeRequest{Prompter: answer{}})

	if !errors.Is(err, ErrCanceled) {
		t.Errorf("Freeze() after cancel = %v, want ErrCanceled", err)
	}
}

func TestClassOfContextErrors(t *testing.T) {
	if ClassOf(fmt.Errorf("x: %w", context.Canceled)) != ErrCanceled ||
		ClassOf(context.DeadlineExceeded) != ErrCanceled {
		t.Error("context errors are not ErrCanceled")
	}
	if ClassOf(errors.New("plain")) != nil || WithAdvice(nil, "x") != nil {
		t.Error("plain errors got a class, or WithAdvice(nil) is not nil")
	}
}
