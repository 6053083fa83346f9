package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// ReadStatement is a read-only query for one of the few hot paths that skip ent (and so
// its interceptors: the caller applies tenancy to what it reads). It is prepared on the
// reader pool on first use; a prepare that failed (the database unreachable) is tried
// again on the next use instead of failing every use after it.
type ReadStatement struct {
	store *Store
	query string
	mu    sync.Mutex
	stmt  atomic.Pointer[sql.Stmt]
}

// ReadStatement returns query, with "?" placeholders (see PrepareRead), to be prepared
// when first used.
func (s *Store) ReadStatement(query string) *ReadStatement {
	return &ReadStatement{store: s, query: query}
}

// QueryRow runs the statement for one row.
func (r *ReadStatement) QueryRow(ctx context.Context, args ...any) (*sql.Row, error) {
	stmt, err := r.prepared(ctx)
	if err != nil {
		return nil, err
	}
	return stmt.QueryRowContext(ctx, args...), nil
}

func (r *ReadStatement) prepared(ctx context.Context) (*sql.Stmt, error) {
	if stmt := r.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if stmt := r.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	stmt, err := r.store.PrepareRead(ctx, r.query)
	if err != nil {
		return nil, err
	}
	r.stmt.Store(stmt)
	return stmt, nil
}
