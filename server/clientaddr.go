package server

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/fullstorydev/grpchan/inprocgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// A caller's address keys the limits that apply before and without authentication (failed
// authentications, bad webhook signatures), so it is what the caller cannot forge: the TCP
// peer, or what a configured trusted proxy says it saw. One interceptor resolves it for
// every call; the JSON gateway resolves it from the HTTP request and hands it over on its
// in-process channel.

// clientIPKey carries the HTTP client's address from the gateway to the gRPC server.
// Callers cannot set it: the gateway refuses the header that would map to it, and the
// gRPC side believes it only on the gateway's in-process channel.
const clientIPKey = "x-idgate-client-ip"

// proxies are the trusted proxies (IDGATE_TRUSTED_PROXIES) whose X-Forwarded-For is
// believed.
type proxies []netip.Prefix

func (p proxies) trusted(ip netip.Addr) bool {
	for _, pr := range p {
		if pr.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the address a request came from, given its TCP peer and the X-Forwarded-For
// values it carried: the peer itself unless it is a trusted proxy; then, walking the hops
// from the right (each added by the proxy after it), the first that is not a trusted proxy.
func (p proxies) clientIP(peerIP netip.Addr, forwarded []string) string {
	ip := peerIP.Unmap()
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && p.trusted(ip); i-- {
		next, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // what a trusted proxy did not write: keep the proxy's address
		}
		ip = next.Unmap()
	}
	return ip.String()
}

// httpClientIP is clientIP for an HTTP request.
func (p proxies) httpClientIP(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return p.clientIP(ap.Addr(), r.Header.Values("X-Forwarded-For"))
}

type clientAddrKey struct{}

// resolveClientAddr returns ctx carrying the caller's address.
func (p proxies) resolveClientAddr(ctx context.Context) context.Context {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return ctx
	}
	var addr string
	if inprocgrpc.ClientContext(ctx) != nil { // the gateway's in-process channel
		if v := metadata.ValueFromIncomingContext(ctx, clientIPKey); len(v) > 0 {
			addr = v[len(v)-1] // the gateway's own value comes last
		}
	} else if ap, err := netip.ParseAddrPort(pr.Addr.String()); err == nil {
		addr = p.clientIP(ap.Addr(), metadata.ValueFromIncomingContext(ctx, "x-forwarded-for"))
	} else {
		addr = pr.Addr.String()
	}
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// clientAddr is the caller's address as resolveClientAddr found it.
func clientAddr(ctx context.Context) string {
	addr, _ := ctx.Value(clientAddrKey{}).(string)
	return addr
}

func (p proxies) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	return next(p.resolveClientAddr(ctx), req)
}

func (p proxies) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	return next(srv, &contextStream{ServerStream: ss, ctx: p.resolveClientAddr(ss.Context())})
}

type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }
