package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/idgate/idgate/internal/apperr"
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

// exhausted is ResourceExhausted with a RetryInfo saying when to try again; the gateway
// turns it into HTTP 429 with Retry-After.
func exhausted(msg string, retryAfter time.Duration) error {
	st := status.New(codes.ResourceExhausted, fmt.Sprintf("%s; retry after %s", msg, retryAfter.Round(time.Second)))
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
	st := status.New(kindCodes[ae.Kind], ae.Msg)
	if ae.RetryAfter > 0 { // the gateway answers it with Retry-After
		if d, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(ae.RetryAfter)}); derr == nil {
			st = d
		}
	}
	if ae.Kind == apperr.KindInvalid && ae.Field != "" {
		if d, derr := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: ae.Field, Description: ae.Msg},
		}}); derr == nil {
			st = d
		}
	}
	return st.Err()
}
