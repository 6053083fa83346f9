package server

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestEveryMethodHasARole fails when an RPC is added without deciding who may call it.
func TestEveryMethodHasARole(t *testing.T) {
	s, gateway := newGRPCServer(slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(), newHealthServer(nil), &authenticator{}, sessionLimits{}, services{
		admin: &adminServer{}, onboarding: &onboardingServer{}, identity: &identityServer{}, risk: &riskServer{}, webhook: &webhookServer{}, sandbox: &sandboxServer{},
	}, nil)
	n := 0
	for name, info := range s.GetServiceInfo() {
		for _, m := range info.Methods {
			full := "/" + name + "/" + m.Name
			n++
			_, listed := methodRoles[full]
			if !listed && !slices.Contains(public, full) {
				t.Errorf("%s has no entry in methodRoles (server/authz.go): decide which roles may call it", full)
			}
		}
	}
	// The JSON gateway's channel serves every idgate service the gRPC server does, through
	// the same interceptors (so the same roles).
	for name, info := range s.GetServiceInfo() {
		if !strings.HasPrefix(name, "idgate.") {
			continue // health, reflection: gRPC only
		}
		if g, ok := gateway.GetServiceInfo()[name]; !ok || len(g.Methods) != len(info.Methods) {
			t.Errorf("%s is not registered on the gateway's channel as on the gRPC server", name)
		}
	}
	if n < 20 {
		t.Fatalf("only %d methods registered; the test is not seeing the services", n)
	}
	for m := range methodRoles {
		if slices.Contains(public, m) {
			t.Errorf("%s is both public and in methodRoles", m)
		}
	}
}
