package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/limit"
	"github.com/idgate/idgate/internal/webhook"
)

type webhookServer struct {
	idgatev1.UnimplementedWebhookServiceServer
	intake  *webhook.Intake
	events  *webhook.Lister
	badSigs *badSignatures
}

var _ idgatev1.WebhookServiceServer = (*webhookServer)(nil)

func (s *webhookServer) HandleStripeWebhook(ctx context.Context, req *idgatev1.HandleStripeWebhookRequest) (*emptypb.Empty, error) {
	return s.receive(ctx, webhook.EndpointPlatform, req.GetPayload())
}

func (s *webhookServer) HandleStripeConnectWebhook(ctx context.Context, req *idgatev1.HandleStripeConnectWebhookRequest) (*emptypb.Empty, error) {
	return s.receive(ctx, webhook.EndpointConnect, req.GetPayload())
}

func (s *webhookServer) receive(ctx context.Context, ep webhook.Endpoint, payload string) (*emptypb.Empty, error) {
	var sig string
	if v := metadata.ValueFromIncomingContext(ctx, "stripe-signature"); len(v) > 0 {
		sig = v[0]
	}
	if _, err := s.intake.Receive(ctx, ep, []byte(payload), sig); err != nil {
		if apperr.KindOf(err) == apperr.KindInvalid { // it failed verification
			return nil, s.badSigs.answer(ctx, ep, err)
		}
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// badSignatures answers deliveries that fail verification, which anyone can send: each is
// counted (idgate_webhook_bad_signatures_total, by endpoint), logged once per client address
// a minute with how many there were instead of a line each, and past the limit per client
// address answered 429 instead of 400. A delivery with a good signature is never refused.
type badSignatures struct {
	limit *limit.Keyed
	tally *limit.Tally
	total *prometheus.CounterVec
	log   *slog.Logger
}

func newBadSignatures(reg prometheus.Registerer, perMinute int, clk clock.Clock, log *slog.Logger) *badSignatures {
	b := &badSignatures{
		limit: limit.PerMinute(perMinute, perMinute, clk),
		tally: limit.NewTally(time.Minute, clk),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "idgate_webhook_bad_signatures_total",
			Help: "Webhook deliveries that failed signature verification, by endpoint.",
		}, []string{"endpoint"}),
		log: log,
	}
	reg.MustRegister(b.total)
	return b
}

func (b *badSignatures) answer(ctx context.Context, ep webhook.Endpoint, err error) error {
	addr := clientAddr(ctx)
	b.total.WithLabelValues(string(ep)).Inc()
	quietCall(ctx)
	if n, report := b.tally.Add(addr); report {
		b.log.WarnContext(ctx, "webhook deliveries failed verification", "client_addr", addr, "endpoint", string(ep), "count", n, "last_error", err.Error())
	}
	if ok, wait := b.limit.Allow(addr); !ok {
		return exhausted("too many webhook deliveries with a bad signature from this address", wait)
	}
	return err
}

func (s *webhookServer) ListWebhookEvents(ctx context.Context, req *idgatev1.ListWebhookEventsRequest) (*idgatev1.ListWebhookEventsResponse, error) {
	recs, next, err := s.events.List(ctx, req.GetState(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListWebhookEventsResponse{NextPageToken: next, Events: make([]*idgatev1.WebhookEvent, len(recs))}
	for i, r := range recs {
		out.Events[i] = webhookEventPB(r)
	}
	return out, nil
}

func (s *webhookServer) RetryWebhookEvent(ctx context.Context, req *idgatev1.RetryWebhookEventRequest) (*idgatev1.WebhookEvent, error) {
	r, err := s.intake.Retry(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return webhookEventPB(r), nil
}

func webhookEventPB(r webhook.Record) *idgatev1.WebhookEvent {
	out := &idgatev1.WebhookEvent{
		Id: r.ID, Type: r.Type, Account: r.Account, Livemode: r.Livemode, ApiVersion: r.APIVersion,
		State: r.State, Outcome: r.Outcome, Attempts: int32(r.Attempts), LastError: r.LastError,
		CreatedAt: timestamppb.New(r.Created), ReceivedAt: timestamppb.New(r.ReceivedAt),
	}
	if r.ProcessedAt != nil {
		out.ProcessedAt = timestamppb.New(*r.ProcessedAt)
	}
	return out
}
