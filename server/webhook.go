package server

import (
	"context"

	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/webhook"
)

type webhookServer struct {
	idgatev1.UnimplementedWebhookServiceServer
	intake *webhook.Intake
	events *webhook.Lister
}

var _ idgatev1.WebhookServiceServer = (*webhookServer)(nil)

func (s *webhookServer) HandleStripeWebhook(ctx context.Context, body *httpbody.HttpBody) (*emptypb.Empty, error) {
	return s.receive(ctx, webhook.EndpointPlatform, body)
}

func (s *webhookServer) HandleStripeConnectWebhook(ctx context.Context, body *httpbody.HttpBody) (*emptypb.Empty, error) {
	return s.receive(ctx, webhook.EndpointConnect, body)
}

func (s *webhookServer) receive(ctx context.Context, ep webhook.Endpoint, body *httpbody.HttpBody) (*emptypb.Empty, error) {
	var sig string
	if v := metadata.ValueFromIncomingContext(ctx, "stripe-signature"); len(v) > 0 {
		sig = v[0]
	}
	if _, err := s.intake.Receive(ctx, ep, body.GetData(), sig); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *webhookServer) ListWebhookEvents(ctx context.Context, req *idgatev1.ListWebhookEventsRequest) (*idgatev1.ListWebhookEventsResponse, error) {
	recs, next, err := s.events.List(ctx, req.GetState(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListWebhookEventsResponse{NextPageToken: next, Events: make([]*idgatev1.WebhookEvent, len(recs))}
	for i, r := range recs {
		out.Events[i] = &idgatev1.WebhookEvent{
			Id: r.ID, Type: r.Type, Account: r.Account, Livemode: r.Livemode, ApiVersion: r.APIVersion,
			State: r.State, Outcome: r.Outcome, Attempts: int32(r.Attempts), LastError: r.LastError,
			CreatedAt: timestamppb.New(r.Created), ReceivedAt: timestamppb.New(r.ReceivedAt),
		}
		if r.ProcessedAt != nil {
			out.Events[i].ProcessedAt = timestamppb.New(*r.ProcessedAt)
		}
	}
	return out, nil
}
