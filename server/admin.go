package server

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/review"
)

type adminServer struct {
	idgatev1.UnimplementedAdminServiceServer
	keys    *auth.Keys
	log     *audit.Log
	reviews *review.Service
}

var _ idgatev1.AdminServiceServer = (*adminServer)(nil)

func (s *adminServer) CreateApiKey(ctx context.Context, req *idgatev1.CreateApiKeyRequest) (*idgatev1.CreateApiKeyResponse, error) {
	k, secret, err := s.keys.Create(ctx, auth.NewKey{Name: req.GetName(), Role: req.GetRole(), Subaccounts: req.GetSubaccountIds()})
	if err != nil {
		return nil, err
	}
	return &idgatev1.CreateApiKeyResponse{ApiKey: apiKeyPB(k), Secret: secret}, nil
}

func (s *adminServer) ListApiKeys(ctx context.Context, _ *idgatev1.ListApiKeysRequest) (*idgatev1.ListApiKeysResponse, error) {
	keys, err := s.keys.List(ctx)
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListApiKeysResponse{}
	for _, k := range keys {
		out.ApiKeys = append(out.ApiKeys, apiKeyPB(k))
	}
	return out, nil
}

func (s *adminServer) RevokeApiKey(ctx context.Context, req *idgatev1.RevokeApiKeyRequest) (*idgatev1.ApiKey, error) {
	k, err := s.keys.Revoke(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return apiKeyPB(k), nil
}

func (s *adminServer) CreateSession(ctx context.Context, _ *idgatev1.CreateSessionRequest) (*idgatev1.CreateSessionResponse, error) {
	ses, token, err := s.keys.CreateSession(ctx)
	if err != nil {
		return nil, err
	}
	return &idgatev1.CreateSessionResponse{Session: sessionPB(ses), Token: token}, nil
}

func (s *adminServer) GetCurrentSession(ctx context.Context, _ *idgatev1.GetCurrentSessionRequest) (*idgatev1.Session, error) {
	ses, err := s.keys.CurrentSession(ctx)
	if err != nil {
		return nil, err
	}
	return sessionPB(ses), nil
}

func (s *adminServer) RevokeCurrentSession(ctx context.Context, _ *idgatev1.RevokeCurrentSessionRequest) (*idgatev1.Session, error) {
	ses, err := s.keys.RevokeCurrentSession(ctx)
	if err != nil {
		return nil, err
	}
	return sessionPB(ses), nil
}

func sessionPB(s auth.Session) *idgatev1.Session {
	return &idgatev1.Session{
		Id: s.ID, ApiKeyId: s.KeyID, OperatorName: s.Name, Role: string(s.Role), SubaccountIds: s.Subaccounts,
		CreatedAt: timestamppb.New(s.CreatedAt), ExpiresAt: timestamppb.New(s.ExpiresAt), RevokedAt: ts(s.RevokedAt),
	}
}

func (s *adminServer) ListAuditEvents(ctx context.Context, req *idgatev1.ListAuditEventsRequest) (*idgatev1.ListAuditEventsResponse, error) {
	var since, until time.Time // zero: unbounded
	if req.GetSince() != nil {
		since = req.GetSince().AsTime()
	}
	if req.GetUntil() != nil {
		until = req.GetUntil().AsTime()
	}
	entries, err := s.log.List(ctx, req.GetSubjectId(), since, until, int(req.GetPageSize()))
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListAuditEventsResponse{}
	for _, e := range entries {
		changes, err := auditChanges(e.Changes)
		if err != nil {
			return nil, fmt.Errorf("audit event %s: %w", e.ID, err)
		}
		out.Events = append(out.Events, &idgatev1.AuditEvent{
			Id: e.ID, At: timestamppb.New(e.At), ActorType: e.ActorType, ActorId: e.ActorID, ActorRole: e.ActorRole, ActorName: e.ActorName,
			Action: e.Action, SubjectType: e.SubjectType, SubjectId: e.SubjectID, SubaccountId: e.SubaccountID,
			Changes: changes, Notes: e.Notes, RequestId: e.RequestID,
		})
	}
	return out, nil
}

// auditChanges is an entry's changes, stored as a JSON object, as the object itself ({}
// when nothing is stored).
func auditChanges(stored string) (*structpb.Struct, error) {
	changes := &structpb.Struct{}
	if stored == "" {
		return changes, nil
	}
	if err := protojson.Unmarshal([]byte(stored), changes); err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	return changes, nil
}

func (s *adminServer) ListReviewTasks(ctx context.Context, req *idgatev1.ListReviewTasksRequest) (*idgatev1.ListReviewTasksResponse, error) {
	tasks, err := s.reviews.List(ctx, req.GetStatus(), req.GetSubjectType(), int(req.GetPageSize()))
	if err != nil {
		return nil, err
	}
	out := &idgatev1.ListReviewTasksResponse{}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, reviewTaskPB(t))
	}
	return out, nil
}

func (s *adminServer) ClaimReviewTask(ctx context.Context, req *idgatev1.ClaimReviewTaskRequest) (*idgatev1.ReviewTask, error) {
	t, err := s.reviews.Claim(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return reviewTaskPB(t), nil
}

func (s *adminServer) ResolveReviewTask(ctx context.Context, req *idgatev1.ResolveReviewTaskRequest) (*idgatev1.ReviewTask, error) {
	t, err := s.reviews.Resolve(ctx, req.GetId(), req.GetDecision(), req.GetNotes())
	if err != nil {
		return nil, err
	}
	return reviewTaskPB(t), nil
}

func reviewTaskPB(t review.Task) *idgatev1.ReviewTask {
	return &idgatev1.ReviewTask{
		Id: t.ID, SubaccountId: t.SubaccountID, SubjectType: t.SubjectType, SubjectId: t.SubjectID, Reason: t.Reason,
		Priority: t.Priority, Status: t.Status, ClaimedBy: t.ClaimedBy, ClaimedAt: ts(t.ClaimedAt), Resolution: t.Resolution,
		Notes: t.Notes, ResolvedBy: t.ResolvedBy, ResolvedAt: ts(t.ResolvedAt), CreatedAt: timestamppb.New(t.CreatedAt),
	}
}

func apiKeyPB(k auth.Key) *idgatev1.ApiKey {
	return &idgatev1.ApiKey{
		Id: k.ID, Name: k.Name, Prefix: k.Prefix, Role: string(k.Role), SubaccountIds: k.Subaccounts,
		CreatedBy: k.CreatedBy, CreatedAt: timestamppb.New(k.CreatedAt), LastUsedAt: ts(k.LastUsedAt), RevokedAt: ts(k.RevokedAt),
	}
}
