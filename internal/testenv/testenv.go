// Package testenv gives integration tests real parts: a database per test in every dialect
// under test (a SQLite file always; PostgreSQL when IDGATE_TEST_POSTGRES_URL is set, as
// `make test` does), and a stripe-mock process.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/store"
)

// DB is one empty database for one test.
type DB struct {
	Dialect string // "sqlite" or "postgres"
	URL     string // a DATABASE_URL
}

// Databases returns a fresh, empty database per dialect under test. In CI (CI=true) a
// missing PostgreSQL fails the test instead of quietly testing SQLite alone.
func Databases(t testing.TB) []DB {
	t.Helper()
	dbs := []DB{{Dialect: "sqlite", URL: "sqlite:" + filepath.Join(t.TempDir(), "idgate.db")}}
	admin := os.Getenv("IDGATE_TEST_POSTGRES_URL")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("IDGATE_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL")
		}
		t.Log("IDGATE_TEST_POSTGRES_URL is not set: testing SQLite only (make test runs PostgreSQL too)")
		return dbs
	}
	return append(dbs, DB{Dialect: "postgres", URL: NewPostgresDB(t, admin)})
}

// NewPostgresDB creates a database on the server at admin and drops it after the test.
func NewPostgresDB(t testing.TB, admin string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "idgate_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse IDGATE_TEST_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

var (
	mockOnce sync.Once
	mockURL  string
	mockErr  error
)

// StripeMock returns the base URL of a stripe-mock started once per test binary (it is
// stateless, so tests share it). The binary is $STRIPE_MOCK_BIN, ./bin/stripe-mock of the
// module, or stripe-mock on PATH; `make test` installs it.
func StripeMock(t testing.TB) string {
	t.Helper()
	mockOnce.Do(func() { mockURL, mockErr = startStripeMock() })
	if mockErr != nil {
		t.Fatalf("stripe-mock: %v (run the tests with `make test`, which installs it)", mockErr)
	}
	return mockURL
}

func startStripeMock() (string, error) {
	bin, err := findStripeMock()
	if err != nil {
		return "", err
	}
	httpPort, httpsPort := freePort(), freePort()
	cmd := exec.Command(bin, "-http-addr", fmt.Sprintf("127.0.0.1:%d", httpPort), "-https-addr", fmt.Sprintf("127.0.0.1:%d", httpsPort))
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("did not listen on %s within 30s", addr)
}

func findStripeMock() (string, error) {
	if p := os.Getenv("STRIPE_MOCK_BIN"); p != "" {
		return p, nil
	}
	dir, _ := os.Getwd()
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if p := filepath.Join(dir, "bin", "stripe-mock"); fileExists(p) {
				return p, nil
			}
			break
		}
	}
	return exec.LookPath("stripe-mock")
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeAddr is a loopback address with a port nothing listens on now, for a process the
// test starts.
func FreeAddr() string { return fmt.Sprintf("127.0.0.1:%d", freePort()) }

// Context returns a context that ends with the test or after a minute.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// System returns Context(t) carrying idgate's own actor (auth.System), which sees every
// subaccount: for tests that seed rows or call domain code outside a request.
func System(t testing.TB) context.Context { return auth.WithActor(Context(t), auth.System) }

// Store opens db, applies the migrations and closes it after the test.
func Store(t testing.TB, db DB) *store.Store {
	t.Helper()
	ctx := Context(t)
	st, err := store.Open(ctx, db.URL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return st
}
