// Package review is the operators' queue of manual review tasks: subjects that automation
// could not decide (attempts exhausted, biometrics declined). Operators list, claim and
// resolve them; the subject's own domain acts on the decision.
package review

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/ent/reviewtask"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
)

// Decisions.
const (
	Approve = "approve"
	Reject  = "reject"
)

// Task is a review task.
type Task struct {
	ID, SubaccountID, SubjectType, SubjectID, Reason, Priority, Status string
	ClaimedBy, Resolution, Notes, ResolvedBy                           string
	CreatedAt                                                          time.Time
	ClaimedAt, ResolvedAt                                              *time.Time
}

// Resolver acts on a decision about a subject, e.g. marks a customer verified on approval.
// It must be idempotent: a resolution whose bookkeeping fails is retried.
type Resolver func(ctx context.Context, subjectID, decision, notes string) error

// Service runs the queue.
type Service struct {
	store     *store.Store
	resolvers map[string]Resolver
}

// NewService returns a Service with a resolver per subject type.
func NewService(st *store.Store, resolvers map[string]Resolver) *Service {
	return &Service{store: st, resolvers: resolvers}
}

// List returns tasks, urgent and oldest first, optionally by status and subject type,
// within the caller's subaccounts.
func (s *Service) List(ctx context.Context, status, subjectType string, limit int) ([]Task, error) {
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 1000:
		return nil, apperr.Invalid("page_size", "must be between 1 and 1000")
	}
	var preds []predicate.ReviewTask
	if status != "" {
		if reviewtask.StatusValidator(reviewtask.Status(status)) != nil {
			return nil, apperr.Invalid("status", "must be open, resolving or resolved")
		}
		preds = append(preds, reviewtask.StatusEQ(reviewtask.Status(status)))
	}
	if subjectType != "" {
		preds = append(preds, reviewtask.SubjectType(subjectType))
	}
	// The database orders and limits: urgent, then high, then normal; oldest first.
	byPriority := func(sel *entsql.Selector) {
		sel.OrderExpr(entsql.Expr("CASE " + sel.C(reviewtask.FieldPriority) + " WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"))
	}
	rows, err := s.store.Reader.ReviewTask.Query().Where(preds...).
		Order(byPriority, ent.Asc(reviewtask.FieldCreatedAt), ent.Asc(reviewtask.FieldID)).
		Limit(limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Task, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Claim assigns an open task to the calling operator; a task claimed by someone else is a
// conflict.
func (s *Service) Claim(ctx context.Context, id string) (Task, error) {
	me, key := operator(ctx), holder(ctx)
	var out Task
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		t, err := s.get(ctx, tx.ReviewTask, id)
		if err != nil {
			return err
		}
		switch {
		case t.Status == reviewtask.StatusResolving:
			return apperr.FailedPrecondition("review task %s is being resolved; reload it in a moment", id)
		case t.Status != reviewtask.StatusOpen:
			return apperr.FailedPrecondition("review task %s is already resolved", id)
		case !claimable(t, key):
			return apperr.Conflict("review task %s is claimed by %s", id, t.ClaimedBy)
		}
		if t, err = t.Update().SetClaimedBy(me).SetClaimedByKeyID(key).SetClaimedAt(time.Now().UTC()).Save(ctx); err != nil {
			return err
		}
		out = fromRow(t)
		return nil
	})
	return out, err
}

// resolveStale is how long a resolution holds its task: one older than that was abandoned
// (its replica died while the resolver ran), and the task may be resolved again.
const resolveStale = 2 * time.Minute

// Resolve records the decision. The task is claimed for it first (open → resolving, by a
// conditional update), so of two simultaneous resolutions one acts and the other is
// refused; then the subject's resolver acts and the task closes. If the resolver fails,
// the claim is released and the task can be resolved again.
func (s *Service) Resolve(ctx context.Context, id, decision, notes string) (Task, error) {
	switch {
	case decision != Approve && decision != Reject:
		return Task{}, apperr.Invalid("decision", "must be approve or reject")
	case strings.TrimSpace(notes) == "":
		return Task{}, apperr.Invalid("notes", "are required: say how the subject was reviewed")
	case utf8.RuneCountInString(notes) > 2000:
		return Task{}, apperr.Invalid("notes", "must be at most 2000 characters")
	}
	t, err := s.get(ctx, s.store.Ent.ReviewTask, id)
	if err != nil {
		return Task{}, err
	}
	me, key := operator(ctx), holder(ctx)
	ctx = auth.WithNote(ctx, notes)
	t, err = t.Update().Where(claimableBy(key), reviewtask.Or(reviewtask.StatusEQ(reviewtask.StatusOpen),
		reviewtask.And(reviewtask.StatusEQ(reviewtask.StatusResolving), reviewtask.UpdatedAtLT(time.Now().Add(-resolveStale))))).
		SetStatus(reviewtask.StatusResolving).Save(ctx)
	if ent.IsNotFound(err) {
		return Task{}, s.unresolvable(ctx, id)
	}
	if err != nil {
		return Task{}, err
	}
	if r := s.resolvers[t.SubjectType]; r != nil {
		if err := r(ctx, t.SubjectID, decision, notes); err != nil {
			if rerr := t.Update().Where(reviewtask.StatusEQ(reviewtask.StatusResolving)).SetStatus(reviewtask.StatusOpen).Exec(ctx); rerr != nil {
				err = fmt.Errorf("%w (and releasing the task: %v)", err, rerr) // it is released after resolveStale
			}
			return Task{}, fmt.Errorf("act on review of %s %s: %w", t.SubjectType, t.SubjectID, err)
		}
	}
	t, err = t.Update().Where(reviewtask.StatusEQ(reviewtask.StatusResolving)).SetStatus(reviewtask.StatusResolved).
		SetResolution(decision).SetNotes(notes).SetResolvedBy(me).SetResolvedAt(time.Now().UTC()).Save(ctx)
	if ent.IsNotFound(err) {
		return Task{}, apperr.FailedPrecondition("review task %s was resolved meanwhile", id)
	}
	if err != nil {
		return Task{}, err
	}
	return fromRow(t), nil
}

// unresolvable says why the task cannot be claimed for a resolution now.
func (s *Service) unresolvable(ctx context.Context, id string) error {
	t, err := s.get(ctx, s.store.Ent.ReviewTask, id)
	switch {
	case err != nil:
		return err
	case t.Status == reviewtask.StatusResolved:
		return apperr.FailedPrecondition("review task %s is already resolved", id)
	case !claimable(t, holder(ctx)):
		return apperr.Conflict("review task %s is claimed by %s", id, t.ClaimedBy)
	default:
		return apperr.FailedPrecondition("review task %s is being resolved; reload it in a moment", id)
	}
}

func (s *Service) get(ctx context.Context, client *ent.ReviewTaskClient, id string) (*ent.ReviewTask, error) {
	if id == "" {
		return nil, apperr.Invalid("id", "is required")
	}
	t, err := client.Get(ctx, id)
	return t, store.MapError(err, "review task "+id)
}

// holder is whose claim a task is: the caller's key (or "system").
func holder(ctx context.Context) string {
	if id := auth.ActorFrom(ctx).ID; id != "" {
		return id
	}
	return "system"
}

// claimable reports whether the holder key may claim or resolve t: it is unclaimed, or
// theirs (by claimed_by_key_id, or on older tasks claimed_by, which held the key id).
func claimable(t *ent.ReviewTask, key string) bool {
	if t.ClaimedByKeyID != "" {
		return t.ClaimedByKeyID == key
	}
	return t.ClaimedBy == "" || t.ClaimedBy == key
}

// claimableBy is claimable as a condition of an update.
func claimableBy(key string) predicate.ReviewTask {
	return reviewtask.Or(reviewtask.ClaimedByKeyID(key),
		reviewtask.And(reviewtask.ClaimedByKeyID(""), reviewtask.ClaimedByIn("", key)))
}

// operator is the caller's name, for claimed_by and resolved_by (auth.Actor.Label).
func operator(ctx context.Context) string {
	if l := auth.ActorFrom(ctx).Label(); l != "" {
		return l
	}
	return "system"
}

func fromRow(r *ent.ReviewTask) Task {
	return Task{
		ID: r.ID, SubaccountID: r.SubaccountID, SubjectType: r.SubjectType, SubjectID: r.SubjectID, Reason: r.Reason,
		Priority: string(r.Priority), Status: string(r.Status), ClaimedBy: r.ClaimedBy, Resolution: r.Resolution,
		Notes: r.Notes, ResolvedBy: r.ResolvedBy, CreatedAt: r.CreatedAt, ClaimedAt: r.ClaimedAt, ResolvedAt: r.ResolvedAt,
	}
}
