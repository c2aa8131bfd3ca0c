package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tenderdesk/internal/auth"
	"tenderdesk/internal/web/apitest"
)

// The tests in this file run the real binary, built once per test run
// without -race: the server then runs at its real speed even when the
// tests themselves run under the race detector (which slows the pure-Go
// SQLite some twenty times).

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	// Full-cost argon2id takes seconds per hash under -race; the hashes
	// record their cost, so logins still check them properly.
	auth.HashCost = auth.Cost{Time: 1, MemoryKiB: 64, Threads: 1}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds cmd/tenderdesk from the module root (found with go env
// GOMOD) and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		if binDir, buildErr = os.MkdirTemp("", "tenderdesk-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "tenderdesk")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/tenderdesk")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/tenderdesk: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer collects a process's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is `tenderdesk serve` running as a child process.
type proc struct {
	t      *testing.T
	bin    string
	dsn    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{}
	err    error // Wait's result, after exited is closed
	*desk        // HTTP client for it (desk.App is nil)
}

func deskEnv() []string {
	return append(os.Environ(), "TENDERDESK_ADMIN_PASSWORD="+adminPassword, "TENDERDESK_LOG_LEVEL=warn")
}

// serve starts the binary on dsn and a free port, waits for it to listen
// and gives it an administrator's token (made with `token create`).
func serve(t *testing.T, dsn string) *proc { t.Helper(); return serveWith(t, dsn) }

// serveWith is serve with more flags for `tenderdesk serve`.
func serveWith(t *testing.T, dsn string, flags ...string) *proc {
	t.Helper()
	p := &proc{t: t, bin: binary(t), dsn: dsn, stderr: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(p.bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn}, flags...)...)
	p.cmd.Env = deskEnv()
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "tenderdesk listening on "); ok {
				listening <- addr
			}
		}
	}()
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
	})
	var base string
	select {
	case base = <-listening:
	case <-p.exited:
		t.Fatalf("tenderdesk serve exited before listening: %v\n%s", p.err, p.stderr)
	case <-time.After(2 * time.Minute):
		t.Fatalf("tenderdesk serve did not listen\n%s", p.stderr)
	}
	p.desk = &desk{t: t, Base: base, hc: apitest.Client(t)}
	t.Cleanup(p.hc.CloseIdleConnections)
	p.Admin = strings.TrimSpace(p.cli(0, "token", "create", "--login", "admin", "--label", "e2e"))
	return p
}

// cli runs a tenderdesk command on the same database and asserts its exit
// code; it returns stdout.
func (p *proc) cli(code int, args ...string) string {
	p.t.Helper()
	cmd := exec.Command(p.bin, append(args, "--db", p.dsn)...)
	cmd.Env = deskEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	if got != code {
		p.t.Fatalf("tenderdesk %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, &stdout, &stderr)
	}
	return stdout.String()
}

// signal sends sig and waits for the process to end; it returns the exit
// code (-1 when killed by a signal).
func (p *proc) stop(sig syscall.Signal) int {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(2 * time.Minute):
		p.t.Fatalf("tenderdesk serve did not stop on %v\n%s", sig, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}
