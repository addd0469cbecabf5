// The harness starts real herald processes (HERALD_BIN) on port 0, one per distinct config,
// shared by the tests of this package and stopped in TestMain.
package compat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	apiKey     = "compat-api-key"
	hmacSecret = "compat-hmac-secret-0123456789abcdef"
	// Inbound WebSocket message limit of every test server: small, so that an oversized frame
	// is cheap to send, yet far above any command the SDK sends here.
	messageSizeLimit = 1024
	startTimeout     = 20 * time.Second
	stopTimeout      = 15 * time.Second
)

// Server is one running herald process.
type Server struct {
	Name   string
	Port   int
	cmd    *exec.Cmd
	dir    string
	mu     sync.Mutex
	log    strings.Builder // everything herald wrote to stderr
	dumped int             // bytes of log already shown by dumpLogOnFailure
	done   chan struct{}   // closed when stderr reaches EOF
	// Cluster mode (cluster_test.go): the node WebSocket clients connect to, while the server
	// API goes to this one, so every publication and command crosses nodes through Redis.
	ws *Server
}

// Addr is host:port of the HTTP server.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// WSURL is the WebSocket endpoint, with an optional query ("cf_protocol=protobuf").
func (s *Server) WSURL(query string) string {
	if s.ws != nil {
		return s.ws.WSURL(query)
	}
	u := "ws://" + s.Addr() + "/connection/websocket"
	if query != "" {
		u += "?" + query
	}
	return u
}

// Log returns herald's stderr so far (for failure messages).
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

var (
	serversMu    sync.Mutex
	servers      = map[string]*Server{}
	serverErrors = map[string]error{} // a config that failed to start is not retried
)

var startedLine = regexp.MustCompile(`msg="herald started".* port=(\d+)`)

// startServer runs HERALD_BIN with cfg written to a temp dir and waits for the "herald started"
// log line, which carries the bound port.
func startServer(name string, cfg map[string]any) (s *Server, err error) {
	bin := os.Getenv("HERALD_BIN")
	dir, err := os.MkdirTemp("", "herald-compat-"+name+"-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	text, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		return nil, err
	}
	s = &Server{Name: name, dir: dir, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "-c", path)
	s.cmd.Stdout = io.Discard
	s.cmd.Env = childEnv()
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	portCh := make(chan int, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log.WriteString(line + "\n")
			s.mu.Unlock()
			if m := startedLine.FindStringSubmatch(line); m != nil {
				p, _ := strconv.Atoi(m[1])
				select {
				case portCh <- p:
				default:
				}
			}
		}
	}()
	select {
	case p := <-portCh:
		s.Port = p
		return s, nil
	case <-s.done:
		_ = s.cmd.Wait()
		return nil, fmt.Errorf("herald (%s) exited before starting:\n%s", name, s.Log())
	case <-time.After(startTimeout):
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		return nil, fmt.Errorf("herald (%s) printed no \"herald started\" line:\n%s", name, s.Log())
	}
}

// childEnv is this process's environment without HERALD_* variables: herald reads those as
// config overrides (HERALD_BIN among them), and the test configs must be the whole truth.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERALD_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop sends SIGTERM and waits; a node that does not drain in time is killed.
func (s *Server) stop() error {
	defer os.RemoveAll(s.dir)
	if s.ws != nil {
		if err := s.ws.stop(); err != nil {
			return err
		}
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	select {
	case err := <-exited:
		return err
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-exited
		return fmt.Errorf("herald (%s) did not stop within %v after SIGTERM", s.Name, stopTimeout)
	}
}

// server returns the shared server for a config name (see configs_test.go), starting it on
// first use. Skips the test when HERALD_BIN is not set.
func server(t *testing.T, name string) *Server {
	t.Helper()
	if os.Getenv("HERALD_BIN") == "" {
		t.Skip("HERALD_BIN is not set: point it at a built herald binary " +
			"(HERALD_BIN=build/cmd/herald go test ./...)")
	}
	serversMu.Lock()
	defer serversMu.Unlock()
	if s, ok := servers[name]; ok {
		dumpLogOnFailure(t, s)
		return s
	}
	if err, failed := serverErrors[name]; failed {
		t.Fatalf("herald (%s) could not start earlier: %v", name, err)
	}
	cfg, ok := configs[name]
	if !ok {
		t.Fatalf("no config named %q", name)
	}
	s, err := startConfigured(name, cfg())
	if err != nil {
		serverErrors[name] = err
		t.Fatal(err)
	}
	servers[name] = s
	dumpLogOnFailure(t, s)
	return s
}

// dumpLogOnFailure prints, when t fails, what herald logged since the last dump: the server
// side of the story, once even when nested tests fail together.
func dumpLogOnFailure(t *testing.T, s *Server) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		s.mu.Lock()
		log := s.log.String()[s.dumped:]
		s.dumped += len(log)
		s.mu.Unlock()
		if log == "" {
			return
		}
		if len(log) > 6000 {
			log = "...\n" + log[len(log)-6000:]
		}
		t.Logf("herald (%s) log:\n%s", s.Name, log)
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	serversMu.Lock()
	for _, s := range servers {
		if err := s.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "compat:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	serversMu.Unlock()
	stopRedis()
	os.Exit(code)
}
