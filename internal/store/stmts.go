package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxStatements bounds the statements a stmtCache keeps: ent writes one text per query shape,
// but an IN list makes one per length.
const maxStatements = 512

// stmtCache runs queries on a pool with each query text prepared once and kept: on SQLite
// (modernc) parsing a statement cost as much as running it, and ent sends the same text
// for every read of the same shape. Beyond maxStatements texts, queries run unprepared.
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// newStmtCache returns db behind a statement cache.
func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}} }

func (s *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	s.mu.RLock()
	st, ok := s.stmts[query]
	full := len(s.stmts) >= maxStatements
	s.mu.RUnlock()
	if ok || full {
		return st
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared query reports the error
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if held, ok := s.stmts[query]; ok {
		st.Close()
		return held
	}
	s.stmts[query] = st
	return st
}

// QueryContext runs a query, prepared once.
func (s *stmtCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.db.QueryContext(ctx, query, args...)
}

// ExecContext runs a statement, prepared once.
func (s *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.db.ExecContext(ctx, query, args...)
}
