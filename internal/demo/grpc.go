package demo

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"google.golang.org/grpc"

	"github.com/weft-gateway/weft/internal/demo/inventory"
)

// grpcServer runs the inventory service.
type grpcServer struct {
	log  zerolog.Logger
	addr string
	svc  *inventory.Server
	srv  *grpc.Server
	done chan struct{}
	once sync.Once
}

func startInventory(ctx context.Context, addr string, products int, fault Fault, log zerolog.Logger) (*grpcServer, error) {
	source, err := fs.ReadFile(Config(), InventoryProto)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	files, err := inventory.Files(ctx, string(source))
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	svc, err := inventory.NewServer(files, products)
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: start inventory upstream on %s: %w", addr, err)
	}
	g := grpc.NewServer(faultyGRPC(fault)...)
	svc.Register(g, files)
	s := &grpcServer{log: log, addr: ln.Addr().String(), svc: svc, srv: g, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := g.Serve(ln); err != nil {
			log.Error().Err(err).Str("upstream", "inventory").Msg("demo upstream stopped")
		}
	}()
	log.Info().Str("addr", s.addr).Str("upstream", "inventory").Msg("demo upstream listening")
	return s, nil
}

func (s *grpcServer) close() error {
	if s == nil {
		return nil
	}
	s.once.Do(func() {
		stopped := make(chan struct{})
		go func() { s.srv.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(shutdownTimeout):
			s.srv.Stop()
		}
		<-s.done
		s.log.Info().Str("addr", s.addr).Str("upstream", "inventory").Msg("demo upstream stopped")
	})
	return nil
}

// Inventory is a running inventory service on its own, for harnesses that
// run the demo's upstreams piecemeal (the load benchmark).
type Inventory struct{ s *grpcServer }

// StartInventory starts the inventory service on addr (port 0 picks a free
// port) with products generated products after the seed ones.
func StartInventory(ctx context.Context, log zerolog.Logger, addr string, products int) (*Inventory, error) {
	s, err := startInventory(ctx, addr, products, "", log)
	if err != nil {
		return nil, err
	}
	return &Inventory{s: s}, nil
}

// Addr is the service's address, host:port.
func (i *Inventory) Addr() string { return i.s.addr }

// Close stops the service gracefully.
func (i *Inventory) Close() error { return i.s.close() }
