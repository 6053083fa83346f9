package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"modernc.org/sqlite"
)

// StatementCacheSize is how many prepared statements each SQLite connection keeps. The SQL
// that ent and the job queue send takes a few hundred distinct forms; modernc's driver
// parses a statement afresh on every call, which was the largest single cost of a job on
// SQLite (BENCHMARKS.md). PostgreSQL needs no such cache: pgx keeps one per connection.
const StatementCacheSize = 512

// sqliteConnector opens SQLite connections that keep their most recently used prepared
// statements, keyed by query text, and run a query again with its statement instead of
// parsing it again.
type sqliteConnector struct{ dsn string }

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := (&sqlite.Driver{}).Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn, StatementCacheSize)
}

func (sqliteConnector) Driver() driver.Driver { return &sqlite.Driver{} }

// inner is what modernc's connection implements and database/sql uses.
type inner interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is one SQLite connection with its statements. database/sql uses a connection
// from one goroutine at a time, and so does this cache. A statement is busy while its rows
// are open; running the same query meanwhile (a query nested in another's iteration)
// prepares a statement of its own for that call.
type cachingConn struct {
	inner
	stmts *simplelru.LRU[string, *cachedStmt]
}

type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy    bool // its rows are open
	evicted bool // left the cache while busy: close it when its rows close
}

func newCachingConn(conn driver.Conn, size int) (*cachingConn, error) {
	in, ok := conn.(inner)
	if !ok {
		conn.Close()
		return nil, errors.New("store: the SQLite driver's connection lacks an interface the statement cache needs")
	}
	c := &cachingConn{inner: in}
	c.stmts, _ = simplelru.NewLRU(size, func(_ string, s *cachedStmt) {
		if s.busy {
			s.evicted = true
			return
		}
		s.stmt.Close()
	})
	return c, nil
}

// cached returns the query's statement, preparing it on first use, or nil when it is busy.
func (c *cachingConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts.Get(query); ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &cachedStmt{stmt: st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})}
	c.stmts.Add(query, s)
	return s, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.inner.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.inner.QueryContext(ctx, query, args)
	}
	r, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{rows: r.(sqliteRows), s: s}, nil
}

// Close closes the connection's statements, then the connection.
func (c *cachingConn) Close() error {
	c.stmts.Purge()
	return c.inner.Close()
}

// sqliteRows is what modernc's rows implement and database/sql uses.
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// cachedRows gives its statement back to the cache when closed.
type cachedRows struct {
	rows sqliteRows
	s    *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.rows.Close() // resets the statement for its next use
	r.s.busy = false
	if r.s.evicted {
		err = errors.Join(err, r.s.stmt.Close())
	}
	return err
}

func (r *cachedRows) Columns() []string              { return r.rows.Columns() }
func (r *cachedRows) Next(dest []driver.Value) error { return r.rows.Next(dest) }
func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	return r.rows.ColumnTypeDatabaseTypeName(i)
}
func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) { return r.rows.ColumnTypeLength(i) }
func (r *cachedRows) ColumnTypeNullable(i int) (bool, bool) {
	return r.rows.ColumnTypeNullable(i)
}
func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	return r.rows.ColumnTypePrecisionScale(i)
}
func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type { return r.rows.ColumnTypeScanType(i) }
