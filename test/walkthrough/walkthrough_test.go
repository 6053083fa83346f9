//go:build walkthrough

package walkthrough

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/testenv"
)

// TestWalkthrough starts scripts/run.sh, what `make run` starts (bin/idgate with its
// sandbox, and stripe-mock), on a fresh database of each dialect and free ports, runs
// scripts/walkthrough.sh against it, then presses Ctrl-C: SIGINT to the process group, as a
// terminal sends it, after which run.sh, idgate and stripe-mock must all have exited.
// `make walkthrough` builds bin/idgate and bin/stripe-mock first.
func TestWalkthrough(t *testing.T) {
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the walkthrough needs %s: apt-get install %s", tool, tool)
		}
	}
	for _, bin := range []string{"idgate", "stripe-mock"} {
		if _, err := os.Stat(filepath.Join(abs, "bin", bin)); err != nil {
			t.Fatalf("bin/%s is missing: run `make walkthrough`, which builds it", bin)
		}
	}
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) { walkthrough(t, abs, db) })
	}
}

func walkthrough(t *testing.T, repo string, db testenv.DB) {
	dir := t.TempDir()
	addr := map[string]string{
		"IDGATE_HTTP_ADDR": testenv.FreeAddr(), "IDGATE_GRPC_ADDR": testenv.FreeAddr(),
		"IDGATE_SANDBOX_ADDR": testenv.FreeAddr(),
		"STRIPE_MOCK_ADDR":    testenv.FreeAddr(), "STRIPE_MOCK_HTTPS_ADDR": testenv.FreeAddr(),
	}
	env := cleanEnv(repo)
	for k, v := range addr {
		env = append(env, k+"="+v)
	}
	env = append(env, "DATABASE_URL="+db.URL, "IDGATE_DATA_KEY_FILE="+filepath.Join(dir, "idgate-data.key"),
		"STRIPE_MOCK_LOG="+filepath.Join(dir, "stripe-mock.log"))

	run := exec.Command(filepath.Join(repo, "scripts", "run.sh"))
	run.Dir, run.Env = repo, env
	var log testenv.Buffer
	run.Stdout, run.Stderr = &log, &log
	// Its own process group, as a terminal's foreground job: Ctrl-C reaches every process in it.
	run.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := run.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- run.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped { // the test failed before Ctrl-C: leave nothing running
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-exited
		}
	})

	base := "http://" + addr["IDGATE_HTTP_ADDR"]
	client := &http.Client{Timeout: time.Second}
	testenv.Eventually(t, "make run ready ("+base+"/readyz)", func() bool {
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("scripts/run.sh exited before it was ready (%v):\n%s", err, log.String())
		default:
		}
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	script := exec.CommandContext(ctx, filepath.Join(repo, "scripts", "walkthrough.sh"))
	script.Dir = repo
	script.Env = append(cleanEnv(repo), "IDGATE_URL="+base, "IDGATE_GRPC_ADDR="+addr["IDGATE_GRPC_ADDR"],
		"SANDBOX_URL=http://"+addr["IDGATE_SANDBOX_ADDR"])
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/walkthrough.sh failed (%v):\n%s\n--- make run's log:\n%s", err, out, tail(log.String(), 60))
	}
	if !bytes.Contains(out, []byte("walkthrough: every call answered as expected")) {
		t.Fatalf("scripts/walkthrough.sh ended without its last line:\n%s", out)
	}
	t.Logf("walkthrough: %d lines of answers", bytes.Count(out, []byte("\n")))

	// Ctrl-C. idgate stops gracefully; run.sh stops stripe-mock and waits for it.
	if err := syscall.Kill(-pgid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("after Ctrl-C, scripts/run.sh exited with %v:\n%s", err, tail(log.String(), 30))
		}
	case <-time.After(time.Minute): // idgate's drain is 15 s at most: a hang is the finding
		t.Fatalf("scripts/run.sh still running a minute after Ctrl-C:\n%s", tail(log.String(), 30))
	}
	if left := members(pgid); len(left) > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		t.Fatalf("after Ctrl-C and run.sh's exit, its processes are still running: %s", strings.Join(left, ", "))
	}
	if err := syscall.Kill(-pgid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process group %d still has members after Ctrl-C (kill: %v)", pgid, err)
	}
	for _, want := range []string{"run: stripe-mock on http://" + addr["STRIPE_MOCK_ADDR"], "shutting down"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("make run's log lacks %q:\n%s", want, tail(log.String(), 30))
		}
	}
}

// cleanEnv is this process's environment without what would point make run elsewhere (a
// Stripe key, another database, another idgate's settings), and with the repository's bin
// first on PATH (grpcurl, when there).
func cleanEnv(repo string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "IDGATE_") || strings.HasPrefix(k, "STRIPE_") || k == "DATABASE_URL" || k == "PATH" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PATH="+filepath.Join(repo, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// members names the processes still in process group pgid, from /proc.
func members(pgid int) []string {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces, so read after the last ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 2 && f[2] == fmt.Sprint(pgid) {
			out = append(out, s[:i+1])
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
