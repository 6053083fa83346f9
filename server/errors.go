package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// unaryErrors is the one place domain errors become gRPC status codes (and, through the
// gateway, HTTP statuses). Errors without a kind are internal: the client gets a generic
// message with the request id, and the cause goes to the log.
func unaryErrors(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
		resp, err := next(ctx, req)
		if err == nil {
			return resp, nil
		}
		return nil, toStatus(ctx, log, info.FullMethod, err)
	}
}

var kindCodes = map[apperr.Kind]codes.Code{
	apperr.KindInvalid:            codes.InvalidArgument,
	apperr.KindNotFound:           codes.NotFound,
	apperr.KindConflict:           codes.AlreadyExists,
	apperr.KindFailedPrecondition: codes.FailedPrecondition,
	apperr.KindPermissionDenied:   codes.PermissionDenied,
	apperr.KindUnauthenticated:    codes.Unauthenticated,
	apperr.KindExhausted:          codes.ResourceExhausted,
	apperr.KindUnavailable:        codes.Unavailable,
}

// unavailableRetry is how long a caller is told to wait when a dependency (the database,
// Stripe, a KYC provider) cannot serve.
const unavailableRetry = 5 * time.Second

// exhausted is ResourceExhausted with a RetryInfo saying when to try again; the gateway
// turns it into HTTP 429 with Retry-After.
func exhausted(msg string, retryAfter time.Duration) error {
	return retryable(codes.ResourceExhausted, fmt.Sprintf("%s; retry after %s", msg, retryAfter.Round(time.Second)), retryAfter)
}

// retryable is a status with a RetryInfo: the gateway adds Retry-After from it.
func retryable(code codes.Code, msg string, retryAfter time.Duration) error {
	st := status.New(code, msg)
	if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)}); err == nil {
		st = d
	}
	return st.Err()
}

func toStatus(ctx context.Context, log *slog.Logger, method string, err error) error {
	if _, ok := status.FromError(err); ok {
		return err
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case ctx.Err() == nil && apperr.KindOf(err) == apperr.KindInternal && store.Unavailable(err):
		// A database outage is neither the caller's fault nor a bug: try again.
		log.WarnContext(ctx, "database unavailable", "method", method, "request_id", requestID(ctx), "err", err)
		return retryable(codes.Unavailable, "the database cannot be reached; try again", unavailableRetry)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		log.ErrorContext(ctx, "internal error", "method", method, "request_id", requestID(ctx), "err", err)
		return status.Errorf(codes.Internal, "internal error; quote request id %s when reporting it", requestID(ctx))
	}
	if ae.Err != nil {
		log.WarnContext(ctx, "request failed", "method", method, "request_id", requestID(ctx), "err", err)
	}
	if ae.Kind == apperr.KindUnavailable || ae.RetryAfter > 0 {
		// The gateway answers it with Retry-After.
		return retryable(kindCodes[ae.Kind], ae.Msg, cmp.Or(ae.RetryAfter, unavailableRetry))
	}
	st := status.New(kindCodes[ae.Kind], ae.Msg)
	if ae.Kind == apperr.KindInvalid && ae.Field != "" {
		if d, derr := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			// The message names the field; the violation says it in its own field.
			{Field: ae.Field, Description: strings.TrimPrefix(ae.Msg, ae.Field+": ")},
		}}); derr == nil {
			st = d
		}
	}
	return st.Err()
}
