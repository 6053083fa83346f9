//go:build linux

package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/idgate/idgate/internal/testenv"
)

// TestHeaderFloodBeforeAuthentication: 30 connections each trying to send a 12 MB header,
// before any key is checked, on the gRPC port (HTTP/2), and 30 more on the HTTP port
// (HTTP/1.1).
// The server, a process of its own so that its memory is measured alone, stays under
// 300 MB at its peak and keeps serving. Without the header bounds it reached 1.6 GB.
//
// The database plays no part before authentication, so this runs on SQLite only.
func TestHeaderFloodBeforeAuthentication(t *testing.T) {
	const conns, headerBytes, maxRSS = 30, 12 << 20, 300 << 20
	bin := filepath.Join(t.TempDir(), "idgate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/idgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := startProcess(t, bin, "")
	before := p.memory(t)

	// Every connection sends its whole flood (or is cut off), then holds the connection
	// open while the server's memory is read, as an attacker would.
	block := hugeHeaderBlock(headerBytes)
	var sent sync.WaitGroup
	release := make(chan struct{})
	var held sync.WaitGroup
	for i := range 2 * conns {
		sent.Add(1)
		held.Add(1)
		go func() {
			defer held.Done()
			addr, flood := p.grpcAddr, floodHTTP2
			if i >= conns {
				addr, flood = p.httpAddr, floodHTTP1
			}
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				sent.Done()
				t.Errorf("connection %d: %v", i, err)
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			go func() { _, _ = bufio.NewReader(c).WriteTo(discard{}) }() // whatever the server answers
			flood(c, block, headerBytes)
			sent.Done()
			<-release
		}()
	}
	sent.Wait()
	during := p.memory(t)
	close(release)
	held.Wait()
	t.Logf("server memory: before %s; during the flood %s", before, during)
	if during.peak > maxRSS {
		t.Fatalf("the server's memory peaked at %d MB (VmHWM) under 2 × %d connections sending %d MB headers: want under %d MB",
			during.peak>>20, conns, headerBytes>>20, maxRSS>>20)
	}

	// And it still serves.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := healthpb.NewHealthClient(dial(t, p.grpcAddr, "")).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || h.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health check after the flood: %v %v", h, err)
	}
	resp, err := http.Get("http://" + p.httpAddr + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after the flood: %v %v", resp, err)
	}
	resp.Body.Close()
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// hugeHeaderBlock is an HPACK block of about n bytes of header fields, 8 KiB a field.
func hugeHeaderBlock(n int) []byte {
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/grpc.health.v1.Health/Check"},
		{":authority", "idgate"}, {"content-type", "application/grpc"}, {"te", "trailers"}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	value := strings.Repeat("0123456789abcdef", 512)
	for i := 0; i < n/len(value); i++ {
		_ = enc.WriteField(hpack.HeaderField{Name: "x-pad-" + strconv.Itoa(i), Value: value})
	}
	return buf.Bytes()
}

// floodHTTP2 sends the block as one request's headers: a HEADERS frame, then CONTINUATION
// frames, until it is all sent or the server closes the connection.
func floodHTTP2(c net.Conn, block []byte, _ int) {
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		return
	}
	fr := http2.NewFramer(c, nil)
	if fr.WriteSettings() != nil {
		return
	}
	const frame = 16 << 10
	for off := 0; off < len(block); off += frame {
		chunk, last := block[off:min(off+frame, len(block))], off+frame >= len(block)
		var err error
		if off == 0 {
			err = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: chunk, EndHeaders: last})
		} else {
			err = fr.WriteContinuation(1, last, chunk)
		}
		if err != nil {
			return
		}
	}
}

// floodHTTP1 sends a request whose header lines add up to n bytes.
func floodHTTP1(c net.Conn, _ []byte, n int) {
	w := bufio.NewWriterSize(c, 64<<10)
	fmt.Fprintf(w, "GET /v1/customers/cust_x HTTP/1.1\r\nHost: idgate\r\n")
	line := "X-Pad: " + strings.Repeat("0123456789abcdef", 512) + "\r\n"
	for sent := 0; sent < n; sent += len(line) {
		if _, err := w.WriteString(line); err != nil {
			return
		}
	}
	_, _ = w.WriteString("\r\n")
	_ = w.Flush()
}

// process is bin/idgate running in a process of its own.
type process struct {
	cmd                *exec.Cmd
	grpcAddr, httpAddr string
}

// startProcess runs bin over dbURL, or on its own SQLite database when dbURL is "".
func startProcess(t testing.TB, bin, dbURL string) *process {
	t.Helper()
	dir := t.TempDir()
	if dbURL == "" {
		dbURL = "sqlite:" + filepath.Join(dir, "idgate.db")
	}
	p := &process{grpcAddr: testenv.FreeAddr(), httpAddr: testenv.FreeAddr()}
	p.cmd = exec.Command(bin)
	p.cmd.Dir = dir
	p.cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"IDGATE_GRPC_ADDR=" + p.grpcAddr, "IDGATE_HTTP_ADDR=" + p.httpAddr,
		"DATABASE_URL=" + dbURL,
		"IDGATE_DATA_KEYS=" + dataKeyA, "IDGATE_LOG_LEVEL=warn",
	}
	var log bytes.Buffer
	p.cmd.Stdout, p.cmd.Stderr = &log, &log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = p.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("idgate's log:\n%s", log.String())
		}
	})
	client := &http.Client{Timeout: time.Second}
	testenv.Eventually(t, "idgate ready", func() bool {
		select {
		case <-exited:
			t.Fatalf("idgate exited before it was ready:\n%s", log.String())
		default:
		}
		resp, err := client.Get("http://" + p.httpAddr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// memory is what /proc says of a process's resident memory.
type memory struct{ now, peak, files int64 } // VmRSS, VmHWM, RssFile (mapped files) in bytes

func (m memory) String() string {
	return fmt.Sprintf("%d MB resident (peak %d MB)", m.now>>20, m.peak>>20)
}

func (p *process) memory(t testing.TB) memory {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	var m memory
	for _, line := range strings.Split(string(raw), "\n") {
		field, value, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		switch field {
		case "VmRSS":
			m.now = kb << 10
		case "VmHWM":
			m.peak = kb << 10
		case "RssFile":
			m.files = kb << 10
		}
	}
	if m.now == 0 || m.peak == 0 {
		t.Fatalf("no VmRSS/VmHWM in /proc/%d/status", p.cmd.Process.Pid)
	}
	return m
}
