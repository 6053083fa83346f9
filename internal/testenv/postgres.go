package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// Postgres is a PostgreSQL cluster of one test's own, which the test may stop and start
// again (a database outage, a restart) while idgate runs against it. Its URL stays the
// same across restarts.
type Postgres struct {
	// URL is the administrative database; NewDB makes a fresh one beside it.
	URL string

	bin, dir string
	port     int
	as       []string // runs a command as the cluster's owner
}

// RestartablePostgres initialises and starts a throwaway cluster from the Debian
// postgresql server binaries (as scripts/with-postgres.sh does) and removes it after the
// test. Without the binaries the test is skipped, or fails in CI (CI=true).
func RestartablePostgres(t testing.TB) *Postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(bins, func(a, b string) int { return pgMajor(a) - pgMajor(b) })
	if len(bins) == 0 || !fileExists(filepath.Join(bins[len(bins)-1], "initdb")) {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
		}
		t.Skip("no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)")
	}
	// Not t.TempDir: the cluster's owner must reach the directory, and the test's
	// temporary directories are private to the test's user.
	dir, err := os.MkdirTemp("", "idgate-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Postgres{bin: bins[len(bins)-1], dir: dir, port: freePort()}
	if os.Getuid() == 0 {
		// PostgreSQL refuses to run as root.
		if err := os.Chown(dir, 65534, 65534); err != nil { // nobody
			t.Fatal(err)
		}
		p.as = []string{"runuser", "-u", "nobody", "--"}
	}
	t.Cleanup(func() {
		_ = p.pgCtl("stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if out, err := p.command("initdb", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	p.Start(t)
	return p
}

// NewDB creates an empty database on the cluster, dropped after the test.
func (p *Postgres) NewDB(t testing.TB) DB {
	t.Helper()
	return DB{Dialect: "postgres", URL: NewPostgresDB(t, p.URL)}
}

// Start starts the cluster and waits until it accepts connections.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", p.dir, p.port)
	if err := p.pgCtl("start", "-w", "-l", filepath.Join(p.dir, "server.log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "server.log"))
		t.Fatalf("start PostgreSQL: %v\n%s", err, log)
	}
}

// Stop shuts the cluster down as an operator's restart does (pg_ctl stop -m fast): open
// sessions are ended with admin_shutdown and new connections are refused until Start.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	if err := p.pgCtl("stop", "-w", "-m", "fast"); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

func (p *Postgres) pgCtl(args ...string) error {
	out, err := p.command("pg_ctl", append([]string{"-D", p.data()}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w: %s", args[0], err, out)
	}
	return nil
}

func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	argv := append(slices.Clone(p.as), append([]string{filepath.Join(p.bin, name)}, args...)...)
	return exec.Command(argv[0], argv[1:]...)
}

// pgMajor is the major version in /usr/lib/postgresql/<major>/bin.
func pgMajor(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}
