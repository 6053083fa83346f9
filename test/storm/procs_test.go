//go:build storm

package storm

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// replica is one bin/idgate process, restartable on the same ports and log file.
type replica struct {
	name     string
	bin      string
	env      []string
	HTTP     string // http://127.0.0.1:port
	logPath  string
	dir      string // its working directory
	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the current process ends
	expected bool          // the current process is being stopped on purpose
}

// newReplica prepares a replica with settings (on top of its own listen addresses).
func newReplica(t *testing.T, name, bin string, settings map[string]string) *replica {
	t.Helper()
	dir := t.TempDir()
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "IDGATE_HTTP_ADDR=" + httpAddr, "IDGATE_GRPC_ADDR=" + grpcAddr}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	r := &replica{name: name, bin: bin, env: env, HTTP: "http://" + httpAddr, logPath: filepath.Join(dir, name+".log"), dir: dir}
	t.Cleanup(func() { r.stop(syscall.SIGKILL) })
	return r
}

// start starts the process; its log (stdout and stderr) is appended to the replica's file.
func (r *replica) start() error {
	log, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(r.bin)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = r.env, r.dir, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", r.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(exited)
	}()
	r.mu.Lock()
	r.cmd, r.exited, r.expected = cmd, exited, false
	r.mu.Unlock()
	return nil
}

// waitReady waits until /readyz answers 200; it gives up if the process exits first.
func (r *replica) waitReady(within time.Duration) error {
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	client := &http.Client{Timeout: time.Second}
	gone := false
	ready := poll(within, func() bool {
		select {
		case <-exited:
			gone = true
			return true
		default:
		}
		resp, err := client.Get(r.HTTP + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	switch {
	case gone:
		return fmt.Errorf("%s exited before it was ready:\n%s", r.name, r.tail(30))
	case !ready:
		return fmt.Errorf("%s not ready within %s:\n%s", r.name, within, r.tail(30))
	}
	return nil
}

// stop sends sig and waits for the process to end (SIGTERM: its graceful shutdown).
func (r *replica) stop(sig syscall.Signal) {
	r.mu.Lock()
	cmd, exited := r.cmd, r.exited
	r.expected = true
	r.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
	case <-time.After(30 * time.Second): // the shutdown timeout is 5s: a hang is a finding
		_ = cmd.Process.Kill()
		<-exited
	}
}

// restart stops the replica with sig, starts it again and waits until it is ready. It
// returns the window during which the replica was down.
func (r *replica) restart(sig syscall.Signal) (window, error) {
	w := window{replica: r.HTTP, what: r.name + " " + sig.String(), sig: sig, from: time.Now()}
	r.stop(sig)
	err := r.start()
	if err == nil {
		err = r.waitReady(time.Minute)
	}
	w.to = time.Now()
	return w, err
}

// died reports whether the process ended without being stopped on purpose.
func (r *replica) died() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.exited:
		return !r.expected
	default:
		return false
	}
}

// tail returns the last n lines of the replica's log at level WARN or ERROR (and any
// line that is not JSON, such as a panic).
func (r *replica) tail(n int) string {
	f, err := os.Open(r.logPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "{") && !strings.Contains(line, `"level":"WARN"`) && !strings.Contains(line, `"level":"ERROR"`) {
			continue
		}
		lines = append(lines, line)
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// window is a span during which a replica (or the database) was down on purpose.
type window struct {
	replica  string // its base URL, or "database"
	what     string
	sig      syscall.Signal // the signal that stopped the replica
	from, to time.Time
}

// postgres is a throwaway PostgreSQL cluster that the test can restart.
type postgres struct {
	bin, dir string
	port     int
	as       []string // run as nobody when the test runs as root
}

// startPostgres initialises and starts a cluster, removed after the test. Without the
// Debian server binaries the test is skipped, or fails in CI.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL server binaries (apt-get install postgresql)")
		}
		t.Skip("no PostgreSQL server binaries (apt-get install postgresql)")
	}
	sort.Strings(bins)
	p := &postgres{bin: filepath.Dir(bins[len(bins)-1])}
	var err error
	if p.dir, err = os.MkdirTemp("", "idgate-storm-pg-"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.ctl("stop", "-m", "immediate")
		os.RemoveAll(p.dir)
	})
	if os.Geteuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal(err)
		}
		var uid int
		fmt.Sscan(u.Uid, &uid)
		if err := os.Chown(p.dir, uid, -1); err != nil {
			t.Fatal(err)
		}
		p.as = []string{"runuser", "-u", "nobody", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if out, err := p.run(filepath.Join(p.bin, "initdb"), "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", p.dir, p.port)
	if err := p.ctl("start", "-o", opts); err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	return p
}

func (p *postgres) data() string { return filepath.Join(p.dir, "data") }

// URL is the DATABASE_URL of the cluster's postgres database.
func (p *postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// restart is `pg_ctl restart -m fast`: every connection is cut, and it returns once the
// server accepts connections again.
func (p *postgres) restart() error { return p.ctl("restart", "-m", "fast") }

func (p *postgres) ctl(args ...string) error {
	verb := args[0]
	args = append([]string{"-D", p.data(), "-l", filepath.Join(p.dir, "server.log"), "-w"}, args...)
	if out, err := p.run(filepath.Join(p.bin, "pg_ctl"), args...); err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", verb, err, out)
	}
	return nil
}

func (p *postgres) run(name string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, p.as...), name), args...)
	return exec.Command(argv[0], argv[1:]...).CombinedOutput()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// eventually polls cond until it holds, failing the test after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !poll(within, cond) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}

// poll checks cond every 50ms until it holds (true) or within has passed (false).
func poll(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
