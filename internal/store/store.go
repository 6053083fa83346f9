// Package store opens idgate's database (SQLite or PostgreSQL), applies its migrations and
// runs transactions that ent and the job queue share.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"modernc.org/sqlite" // database/sql driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/migrations"
	_ "github.com/idgate/idgate/ent/runtime" // the schema's defaults, hooks and interceptors (tenancy)
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/config"
)

// Store is the database. On SQLite, writes go through one connection (SQLite has one writer
// and the job queue needs it that way) while reads use a separate pool of read-only
// connections, which WAL lets run beside the writer. On PostgreSQL both are one pool.
type Store struct {
	Dialect string // config.DialectSQLite or config.DialectPostgres

	db   *sql.DB
	read *sql.DB
	// Ent writes and reads through the writer; Reader only reads.
	Ent    *ent.Client
	Reader *ent.Client
}

// Open connects to databaseURL (see config.ParseDatabaseURL), creating the SQLite file's
// directory when needed.
func Open(ctx context.Context, databaseURL string, maxConns int) (*Store, error) {
	d, target, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	s := &Store{Dialect: d}
	switch d {
	case config.DialectSQLite:
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		s.db = sql.OpenDB(sqliteConnector{sqliteDSN(target, false)})
		s.db.SetMaxOpenConns(1)
		s.read = sql.OpenDB(sqliteConnector{sqliteDSN(target, true)})
		s.read.SetMaxOpenConns(maxConns)
		s.read.SetMaxIdleConns(maxConns)
	case config.DialectPostgres:
		if s.db, err = sql.Open("pgx", withConnectTimeout(target)); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.db.SetMaxOpenConns(maxConns)
		s.db.SetMaxIdleConns(maxConns)
		s.read = s.db
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s database: %w", d, err)
	}
	s.Ent = ent.NewClient(ent.Driver(entsql.OpenDB(s.entDialect(), s.db)))
	s.Reader = ent.NewClient(ent.Driver(entsql.OpenDB(s.entDialect(), s.read)))
	return s, nil
}

// withConnectTimeout bounds how long a new PostgreSQL connection may take (5 s unless the
// URL says otherwise), so that while the database host is unreachable calls answer
// Unavailable instead of hanging.
func withConnectTimeout(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// Times as SQLite's own text format in UTC ("2006-01-02 15:04:05.999999999+00:00"), so
	// that comparing and ordering them as text is comparing and ordering the instants. The
	// driver's default is time.Time.String, which carries the monotonic reading of a
	// time.Now ("… m=+1.56"): a row's stored time then sorts after the same instant parsed
	// back from a page token, and ascending keyset pages repeated their last row.
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Take the write lock at BEGIN so a transaction never fails half-way on SQLITE_BUSY.
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func (s *Store) entDialect() string {
	if s.Dialect == config.DialectPostgres {
		return dialect.Postgres
	}
	return dialect.SQLite
}

// DB is the writer pool, for the job queue's driver.
func (s *Store) DB() *sql.DB { return s.db }

// PrepareRead prepares a read-only query on the reader pool, for the few hot paths that
// skip ent. Write "?" placeholders; they become $1, $2 ... on PostgreSQL.
func (s *Store) PrepareRead(ctx context.Context, query string) (*sql.Stmt, error) {
	if s.Dialect == config.DialectPostgres {
		var b strings.Builder
		n := 0
		for _, r := range query {
			if r == '?' {
				n++
				fmt.Fprintf(&b, "$%d", n)
				continue
			}
			b.WriteRune(r)
		}
		query = b.String()
	}
	return s.read.PrepareContext(ctx, query)
}

// Ping checks that the database answers, for health checks.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	return s.read.PingContext(ctx)
}

// Close closes the pools.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.read != s.db {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Tx is one transaction seen two ways: through ent, and as the *sql.Tx that the job queue
// inserts into, so a state change and the jobs it causes commit together.
type Tx struct {
	*ent.Client
	SQL      *sql.Tx
	postgres bool
}

// Locked makes q lock the rows it reads until tx ends (SELECT ... FOR UPDATE), so that
// read-then-write sequences on one row run one after the other. SQLite needs no lock: its
// write transactions begin immediate, so they already run one at a time.
func Locked[Q interface{ ForUpdate(...entsql.LockOption) Q }](tx Tx, q Q) Q {
	if tx.postgres {
		return q.ForUpdate()
	}
	return q
}

// InTx runs fn in a transaction, committing when it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx Tx) error) (err error) {
	tx, err := s.Ent.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(Tx{Client: tx.Client(), SQL: tx.SQLTx(), postgres: s.Dialect == config.DialectPostgres}); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// migrationLockID serialises start-up migrations of several replicas on PostgreSQL.
const migrationLockID = 0x1d6a7e

// Migrate applies idgate's versioned migrations and the job queue's, idempotently.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	if s.Dialect == config.DialectPostgres {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID) //nolint:errcheck // released with the connection anyway
	}

	gooseDialect, dir := goose.DialectSQLite3, "sqlite"
	if s.Dialect == config.DialectPostgres {
		gooseDialect, dir = goose.DialectPostgres, "postgres"
	}
	fsys, err := fs.Sub(migrations.FS, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(gooseDialect, s.db, fsys)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "source", r.Source.Path, "duration", r.Duration)
	}

	var m *rivermigrate.Migrator[*sql.Tx]
	if s.Dialect == config.DialectPostgres {
		m, err = rivermigrate.New(riverdatabasesql.New(s.db), nil)
	} else {
		m, err = rivermigrate.New(riversqlite.New(s.db), nil)
	}
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("applied job queue migration", "version", v.Version)
	}
	return nil
}

// MapError turns storage errors (ent's, and a hand-written read's sql.ErrNoRows) into the
// domain's: noun names what was looked for ("customer cust_123"). Other errors are
// returned wrapped.
func MapError(err error, noun string) error {
	switch {
	case err == nil:
		return nil
	case ent.IsNotFound(err) || errors.Is(err, sql.ErrNoRows): // through ent, or a hand-written read
		return apperr.NotFound("%s not found", noun)
	case ent.IsConstraintError(err):
		return apperr.Conflict("%s already exists", noun)
	default:
		return fmt.Errorf("%s: %w", noun, err)
	}
}

// Unavailable reports whether err says that the database cannot be reached or cannot
// serve now, rather than that the request or the code is wrong: the caller should answer
// Unavailable and try again later. PostgreSQL: a failed connect (refused, reset, timed
// out), a connection lost or closed, the server shutting down or starting (SQLSTATE class
// 08, 57P01-57P03, 53300 too many connections). SQLite, which has no server to lose: the
// file locked beyond busy_timeout, or an I/O, disk-full or cannot-open error.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connect *pgconn.ConnectError
	var pg *pgconn.PgError
	var netErr *net.OpError
	var lite *sqlite.Error
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pg):
		return strings.HasPrefix(pg.Code, "08") || slices.Contains([]string{"57P01", "57P02", "57P03", "53300"}, pg.Code)
	case errors.As(err, &lite):
		switch lite.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns prefix + "_" + 26 random characters (130 bits), e.g. "cust_8x2k...".
func NewID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + strings.ToLower(idEncoding.EncodeToString(b[:]))
}
