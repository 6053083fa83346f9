package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/emptypb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
)

// webhookRoutes serve the webhook endpoints' HTTP routes (POST, the body as the payload)
// as the gateway does, in fewer steps: the gateway matches every request against every
// route's pattern, builds gRPC metadata from every header and answers through protojson;
// a delivery needs four metadata keys and answers {}. That was about a tenth of intake's
// CPU (BENCHMARKS.md, session 14). The call still goes through the in-process channel, so
// through every interceptor, and errors are written by the gateway's own error handler.
// Each route's method and path are read from the proto's google.api.http rule, so they
// cannot drift from the gateway's; TestWebhookRoutesAnswerAsTheGateway compares answers.
// One difference, on purpose: a Grpc-Timeout request header (which Stripe never sends) sets
// no deadline here: a delivery ends when its batch commits or its client goes away.
func webhookRoutes(mux *http.ServeMux, gw *runtime.ServeMux, conn grpc.ClientConnInterface, trusted proxies) error {
	svc := idgatev1.File_idgate_v1_webhook_proto.Services().ByName("WebhookService")
	for name, request := range map[protoreflect.Name]func(string) proto.Message{
		"HandleStripeWebhook":        func(p string) proto.Message { return &idgatev1.HandleStripeWebhookRequest{Payload: p} },
		"HandleStripeConnectWebhook": func(p string) proto.Message { return &idgatev1.HandleStripeConnectWebhookRequest{Payload: p} },
	} {
		m := svc.Methods().ByName(name)
		var rule *annotations.HttpRule
		if m != nil {
			rule, _ = proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule)
		}
		if rule.GetPost() == "" || rule.GetBody() != "payload" {
			return fmt.Errorf("webhook route %s: no POST rule with the payload as body", name)
		}
		method := "/" + string(svc.FullName()) + "/" + string(name)
		mux.Handle("POST "+rule.GetPost(), webhookRoute(gw, conn, trusted, method, request))
	}
	return nil
}

// webhookMetadata are the request headers a delivery's interceptors and handler read.
var webhookMetadata = []string{"authorization", "stripe-signature", "x-request-id"}

func webhookRoute(gw *runtime.ServeMux, conn grpc.ClientConnInterface, trusted proxies, method string, request func(string) proto.Message) http.Handler {
	// The gateway has one marshaler for every content type (rawBodyMarshaler), in and out.
	_, out := runtime.MarshalerForRequest(gw, &http.Request{Header: http.Header{}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var payload string
		// The generated gateway handler's decoding and error, word for word.
		if err := out.NewDecoder(r.Body).Decode(&payload); err != nil && !errors.Is(err, io.EOF) {
			runtime.HTTPError(ctx, gw, out, w, r, status.Errorf(codes.InvalidArgument, "%v", err))
			return
		}
		md := metadata.MD{clientIPKey: {trusted.httpClientIP(r)}}
		for _, k := range webhookMetadata {
			if v := r.Header.Values(k); len(v) > 0 {
				md[k] = v
			}
		}
		var sm runtime.ServerMetadata
		resp := new(emptypb.Empty)
		err := conn.Invoke(metadata.NewOutgoingContext(ctx, md), method, request(payload), resp, grpc.Header(&sm.HeaderMD), grpc.Trailer(&sm.TrailerMD))
		ctx = runtime.NewServerMetadataContext(ctx, sm)
		if err != nil {
			runtime.HTTPError(ctx, gw, out, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(ctx, gw, out, w, r, resp)
	})
}
