package shared

import (
	"context"
	"sync"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pluginv1 "github.com/bot-bottle/bottle/plugin/shared/proto/v1"
	"github.com/bot-bottle/bottle/state"
)

// BackendPlugin is the go-plugin glue for Backend, gRPC only. The host
// uses it with a nil Impl; a plugin's Serve sets Impl.
type BackendPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Backend

	// calls counts the calls in flight, so that the process outlives a
	// call the host cancelled until it has undone its work.
	calls sync.WaitGroup
}

// GRPCServer registers the plugin side of the Backend service.
func (p *BackendPlugin) GRPCServer(broker *plugin.GRPCBroker, s *grpc.Server) error {
	pluginv1.RegisterBackendServer(s,
		&backendServer{impl: p.Impl, broker: broker, calls: &p.calls})
	return nil
}

// GRPCClient returns the host side: a Backend that calls the plugin.
func (p *BackendPlugin) GRPCClient(
	_ context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn,
) (any, error) {
	return &backendClient{rpc: pluginv1.NewBackendClient(conn), broker: broker}, nil
}

// backendClient is the host's view of a plugin's Backend.
type backendClient struct {
	rpc    pluginv1.BackendClient
	broker *plugin.GRPCBroker
}

func (c *backendClient) Info(ctx context.Context) (*Info, error) {
	resp, err := c.rpc.Info(ctx, &pluginv1.InfoRequest{})
	if err != nil {
		return nil, fromStatus(err)
	}
	return &Info{
		Name:         resp.Name,
		Version:      resp.Version,
		Capabilities: resp.Capabilities,
	}, nil
}

func (c *backendClient) Freeze(ctx context.Context, req *FreezeRequest) (*FreezeResult, error) {
	brokerID, stop := c.servePrompter(req.Prompter)
	defer stop()

	resp, err := c.rpc.Freeze(ctx, &pluginv1.FreezeRequest{
		Bottle:           bottleToProto(req.Bottle),
		PrompterBrokerId: brokerID,
	})
	if err != nil {
		return nil, fromStatus(err)
	}
	return &FreezeResult{
		Artifact:    resp.Artifact,
		ArtifactID:  resp.ArtifactId,
		SizeBytes:   resp.SizeBytes,
		ExportHint:  resp.ExportHint,
		Warnings:    resp.Warnings,
		Notes:       resp.Notes,
		BackendData: resp.BackendData,
	}, nil
}

// Resume calls the plugin's Resume. A plugin built before Resume existed
// answers Unimplemented, which arrives as ErrUnsupported.
func (c *backendClient) Resume(ctx context.Context, req *ResumeRequest) (*ResumeResult, error) {
	brokerID, stop := c.servePrompter(req.Prompter)
	defer stop()

	resp, err := c.rpc.Resume(ctx, &pluginv1.ResumeRequest{
		Bottle:           bottleToProto(req.Bottle),
		Artifact:         req.Artifact,
		BackendData:      req.BackendData,
		Replace:          req.Replace,
		PrompterBrokerId: brokerID,
	})
	if err != nil {
		return nil, fromStatus(err)
	}
	return &ResumeResult{ReachHint: resp.ReachHint, Warnings: resp.Warnings,
		Notes: resp.Notes}, nil
}

// servePrompter offers the host's Prompter to the plugin on a broker
// connection for the length of one call. The plugin dials it only if it
// has something to ask.
func (c *backendClient) servePrompter(p Prompter) (id uint32, stop func()) {
	if p == nil {
		return 0, func() {}
	}
	var (
		mu      sync.Mutex
		server  *grpc.Server
		stopped bool
	)
	id = c.broker.NextId()
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		mu.Lock()
		defer mu.Unlock()
		server = grpc.NewServer(opts...)
		pluginv1.RegisterPrompterServer(server, &prompterServer{impl: p})
		if stopped { // the call ended before the plugin dialled
			server.Stop()
		}
		return server
	})
	return id, func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		if server != nil {
			server.Stop()
		}
	}
}

// backendServer is the plugin side, calling the backend's Impl.
type backendServer struct {
	pluginv1.UnimplementedBackendServer
	impl   Backend
	broker *plugin.GRPCBroker
	calls  *sync.WaitGroup
}

func (s *backendServer) Info(ctx context.Context, _ *pluginv1.InfoRequest) (
	*pluginv1.InfoResponse, error,
) {
	info, err := s.impl.Info(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.InfoResponse{
		Name:         info.Name,
		Version:      info.Version,
		Capabilities: info.Capabilities,
	}, nil
}

func (s *backendServer) Freeze(ctx context.Context, req *pluginv1.FreezeRequest) (
	*pluginv1.FreezeResponse, error,
) {
	s.calls.Add(1)
	defer s.calls.Done()
	prompter := &brokerPrompter{broker: s.broker, id: req.PrompterBrokerId}
	defer prompter.close()

	res, err := s.impl.Freeze(ctx, &FreezeRequest{
		Bottle:   bottleFromProto(req.Bottle),
		Prompter: prompter,
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.FreezeResponse{
		Artifact:    res.Artifact,
		ArtifactId:  res.ArtifactID,
		SizeBytes:   res.SizeBytes,
		ExportHint:  res.ExportHint,
		Warnings:    res.Warnings,
		Notes:       res.Notes,
		BackendData: res.BackendData,
	}, nil
}

func (s *backendServer) Resume(ctx context.Context, req *pluginv1.ResumeRequest) (
	*pluginv1.ResumeResponse, error,
) {
	resumer, ok := s.impl.(Resumer)
	if !ok {
		// As a plugin built before Resume existed answers.
		return nil, status.Error(codes.Unimplemented, "this plugin does not implement Resume")
	}
	s.calls.Add(1)
	defer s.calls.Done()
	prompter := &brokerPrompter{broker: s.broker, id: req.PrompterBrokerId}
	defer prompter.close()

	res, err := resumer.Resume(ctx, &ResumeRequest{
		Bottle:      bottleFromProto(req.Bottle),
		Artifact:    req.Artifact,
		BackendData: req.BackendData,
		Replace:     req.Replace,
		Prompter:    prompter,
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.ResumeResponse{ReachHint: res.ReachHint, Warnings: res.Warnings,
		Notes: res.Notes}, nil
}

// brokerPrompter is the plugin's Prompter: it dials the host's Prompter
// service on first use.
type brokerPrompter struct {
	broker *plugin.GRPCBroker
	id     uint32
	conn   *grpc.ClientConn
}

func (p *brokerPrompter) Confirm(ctx context.Context, question string) (bool, error) {
	if p.id == 0 {
		return false, Errorf(ErrFailedPrecondition,
			"cannot ask %q: the host offers no way to ask the user", question)
	}
	if p.conn == nil {
		conn, err := p.broker.Dial(p.id)
		if err != nil {
			return false, Errorf(ErrUnavailable, "reach the host to ask the user: %w", err)
		}
		p.conn = conn
	}
	resp, err := pluginv1.NewPrompterClient(p.conn).Confirm(ctx,
		&pluginv1.ConfirmRequest{Question: question})
	if err != nil {
		return false, fromStatus(err)
	}
	return resp.Yes, nil
}

func (p *brokerPrompter) close() {
	if p.conn != nil {
		p.conn.Close()
	}
}

// prompterServer is the host side of the Prompter service.
type prompterServer struct {
	pluginv1.UnimplementedPrompterServer
	impl Prompter
}

func (s *prompterServer) Confirm(ctx context.Context, req *pluginv1.ConfirmRequest) (
	*pluginv1.ConfirmResponse, error,
) {
	yes, err := s.impl.Confirm(ctx, req.Question)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.ConfirmResponse{Yes: yes}, nil
}

func bottleToProto(b Bottle) *pluginv1.Bottle {
	md := b.Metadata
	return &pluginv1.Bottle{
		Slug:     b.Slug,
		Name:     b.Name,
		StateDir: b.StateDir,
		Metadata: &pluginv1.Metadata{
			AgentName:      md.AgentName,
			Cwd:            md.Cwd,
			CopyCwd:        md.CopyCwd,
			StartedAt:      md.StartedAt,
			ComposeProject: md.ComposeProject,
			Backend:        md.Backend,
			Label:          md.Label,
			Color:          md.Color,
			BottleNames:    md.BottleNames,
			RawJson:        md.Raw,
		},
	}
}

func bottleFromProto(b *pluginv1.Bottle) Bottle {
	md := b.GetMetadata()
	return Bottle{
		Slug:     b.GetSlug(),
		Name:     b.GetName(),
		StateDir: b.GetStateDir(),
		Metadata: state.Metadata{
			AgentName:      md.GetAgentName(),
			Cwd:            md.GetCwd(),
			CopyCwd:        md.GetCopyCwd(),
			StartedAt:      md.GetStartedAt(),
			ComposeProject: md.GetComposeProject(),
			Backend:        md.GetBackend(),
			Label:          md.GetLabel(),
			Color:          md.GetColor(),
			BottleNames:    md.GetBottleNames(),
			Raw:            md.GetRawJson(),
		},
	}
}
