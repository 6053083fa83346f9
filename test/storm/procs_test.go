//go:build storm

package storm

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
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
	httpAddr, grpcAddr := testenv.FreeAddr(), testenv.FreeAddr()
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
func (r *replica) start(t *testing.T) {
	t.Helper()
	log, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.bin)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = r.env, r.dir, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start %s: %v", r.name, err)
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
}

// waitReady waits until /readyz answers 200, and fails the test if the process exits first.
func (r *replica) waitReady(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	exited := r.exited
	r.mu.Unlock()
	client := &http.Client{Timeout: time.Second}
	testenv.Eventually(t, r.name+" ready", func() bool {
		select {
		case <-exited:
			t.Fatalf("%s exited before it was ready:\n%s", r.name, r.tail(30))
		default:
		}
		resp, err := client.Get(r.HTTP + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
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
func (r *replica) restart(t *testing.T, sig syscall.Signal) window {
	t.Helper()
	w := window{replica: r.HTTP, what: r.name + " " + sig.String(), sig: sig, from: time.Now()}
	r.stop(sig)
	r.start(t)
	r.waitReady(t)
	w.to = time.Now()
	return w
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
