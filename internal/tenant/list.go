package tenant

import (
	"context"
	"fmt"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/predicate"
	"github.com/idgate/idgate/ent/subaccount"
	"github.com/idgate/idgate/internal/store"
)

// List returns a page of the subaccounts the caller may see, newest first, and the token of
// the next page ("" on the last).
func (s *Service) List(ctx context.Context, pageSize int, pageToken string) ([]Subaccount, string, error) {
	size, err := store.PageSize(pageSize)
	if err != nil {
		return nil, "", err
	}
	const order = "created_at desc"
	after, err := store.ParseKeyset(order, pageToken)
	if err != nil {
		return nil, "", err
	}
	q := s.store.Reader.Subaccount.Query().Limit(size + 1)
	if after != nil {
		q = q.Where(predicate.Subaccount(after.After(subaccount.FieldCreatedAt, true)))
	}
	for _, o := range store.Ordered(subaccount.FieldCreatedAt, true) {
		q = q.Order(o)
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("list subaccounts: %w", err)
	}
	rows, next := store.Cut(rows, size, func(r *ent.Subaccount) store.Keyset {
		return store.Keyset{Order: order, At: &r.CreatedAt, ID: r.ID}
	})
	out := make([]Subaccount, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, next, nil
}
