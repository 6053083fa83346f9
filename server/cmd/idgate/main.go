// Command idgate serves idgate's gRPC API, its JSON gateway and its background jobs.
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/idgate/idgate/internal/config"
	"github.com/idgate/idgate/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "idgate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.Load()
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	srv, err := server.New(ctx, cfg, server.NewLogger(cfg, os.Stderr))
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}
