// Server-side processes of a run: Herald or Centrifugo started from one generated config, and
// redis-server for S6. Each is pinned with taskset, dies with this process (Pdeathsig), and is
// stopped with SIGTERM (killed after a bound) when its run ends.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	apiKey       = "bench-api-key"
	startTimeout = 30 * time.Second
	stopTimeout  = 30 * time.Second
	keptLines    = 40
)

// Proc is one process started by the harness.
type Proc struct {
	Name string
	Pid  int
	Port int
	cmd  *exec.Cmd
	dir  string
	done chan struct{}

	mu    sync.Mutex
	tail  []string
	warns []string
}

var (
	liveMu sync.Mutex
	live   = map[*Proc]bool{} // what the watchdog and signals must not leave behind
)

// killAll ends every process still running (watchdog, signals).
func killAll() {
	liveMu.Lock()
	defer liveMu.Unlock()
	for p := range live {
		_ = p.cmd.Process.Kill()
	}
}

// freePort asks the kernel for a free loopback port (Centrifugo cannot report a port 0 bind,
// so both servers get a port picked beforehand).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverConfig is the one Centrifugo v6 config both servers read: anonymous clients may
// subscribe to "bench:*", no history, no presence, JSON protocol, loopback only.
func serverConfig(port int, redisAddr string) map[string]any {
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"http_api":    map[string]any{"key": apiKey},
		"log":         map[string]any{"level": "info"},
		"usage_stats": map[string]any{"disabled": true},
		"client": map[string]any{
			"allow_anonymous_connect_without_token": true,
			"ping_interval":                         "25s",
			"pong_timeout":                          "8s",
		},
		"channel": map[string]any{
			"namespaces": []map[string]any{{
				"name":                          "bench",
				"allow_subscribe_for_client":    true,
				"allow_subscribe_for_anonymous": true,
			}},
		},
	}
	if redisAddr != "" {
		cfg["engine"] = map[string]any{"type": "redis",
			"redis": map[string]any{"address": "redis://" + redisAddr}}
	}
	return cfg
}

// childEnv drops the variables either server reads as config overrides.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERALD_") && !strings.HasPrefix(kv, "CENTRIFUGO_") {
			env = append(env, kv)
		}
	}
	return env
}

// startProc runs `taskset -c cpu argv...` in a fresh directory (taskset execs: the pid is the
// program's) and collects its output.
func startProc(name, cpu, dir string, argv ...string) (*Proc, error) {
	p := &Proc{Name: name, dir: dir, done: make(chan struct{})}
	if cpu != "" {
		argv = append([]string{"taskset", "-c", cpu}, argv...)
	}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = dir
	p.cmd.Env = childEnv()
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r, w := io.Pipe()
	p.cmd.Stdout = w
	p.cmd.Stderr = w
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p.Pid = p.cmd.Process.Pid
	liveMu.Lock()
	live[p] = true
	liveMu.Unlock()
	go p.read(r)
	go func() {
		_ = p.cmd.Wait()
		w.Close()
	}()
	return p, nil
}

func (p *Proc) read(r io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > keptLines {
			p.tail = p.tail[1:]
		}
		if isWarning(line) && len(p.warns) < 20 {
			p.warns = append(p.warns, line)
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// expectedNotices are warnings the shared config causes by design: Centrifugo's notice that
// a `go install` build is not a release build, and Herald's that it ignores usage_stats (kept
// in the config so that Centrifugo never tries to send its usage report).
var expectedNotices = []string{
	"running a development build of Centrifugo",
	`problem="usage_stats: Centrifugo option not supported by Herald; ignored"`,
}

// isWarning: a log line at level warn or error, in Herald's logfmt or Centrifugo's JSON, other
// than the expected notices.
func isWarning(line string) bool {
	for _, n := range expectedNotices {
		if strings.Contains(line, n) {
			return false
		}
	}
	for _, w := range []string{"level=warn", "level=error", "level=critical", `"level":"warn"`, `"level":"error"`, `"level":"fatal"`} {
		if strings.Contains(line, w) {
			return true
		}
	}
	return false
}

func (p *Proc) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return syscall.Kill(p.Pid, 0) == nil
	}
}

func (p *Proc) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

func (p *Proc) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.warns...)
}

// Stop sends SIGTERM and waits; a process that does not stop in time is killed. It reports
// how the process ended when that was not a clean exit.
func (p *Proc) Stop() error {
	defer func() {
		liveMu.Lock()
		delete(live, p)
		liveMu.Unlock()
		if p.dir != "" {
			os.RemoveAll(p.dir)
		}
	}()
	if !p.Alive() {
		<-p.done
		return fmt.Errorf("%s had exited before the end of its run: %v", p.Name, p.cmd.ProcessState)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %v of SIGTERM: killed", p.Name, stopTimeout)
	}
	if st := p.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("%s exited with %v after SIGTERM", p.Name, st)
	}
	return nil
}

// Server kinds.
const (
	Herald     = "herald"
	Centrifugo = "centrifugo"
)

// startServer starts one node of kind on a free port and waits until its server API answers.
func startServer(kind, bin, cpu, redisAddr string) (*Proc, error) {
	return startServerWith(kind, bin, cpu, redisAddr, nil)
}

// startServerWith is startServer with `tweak` applied to the generated config first.
func startServerWith(kind, bin, cpu, redisAddr string, tweak func(map[string]any)) (*Proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-"+kind+"-")
	if err != nil {
		return nil, err
	}
	cfg := serverConfig(port, redisAddr)
	if tweak != nil {
		tweak(cfg)
	}
	text, _ := json.MarshalIndent(cfg, "", "  ")
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		return nil, err
	}
	var argv []string
	if kind == Herald {
		argv = []string{bin, "-c", path}
	} else {
		argv = []string{bin, "--config", path}
	}
	p, err := startProc(kind, cpu, dir, argv...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p.Port = port
	if err := p.await(func() bool { return apiAnswers(port) }); err != nil {
		return nil, err
	}
	return p, nil
}

// await polls ready until it holds, for at most startTimeout; a process that exits or never
// gets ready is stopped and its log tail returned in the error.
func (p *Proc) await(ready func() bool) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if !p.Alive() {
			err := p.Stop()
			return fmt.Errorf("%s exited at start (%v):\n%s", p.Name, err, p.Tail())
		}
		if ready() {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = p.Stop()
	return fmt.Errorf("%s: not ready on port %d within %v:\n%s", p.Name, p.Port, startTimeout,
		p.Tail())
}

// apiCall posts {} to /api/<method> and decodes the answer.
func apiCall(port int, method string) (map[string]any, bool) {
	req, _ := http.NewRequest(http.MethodPost,
		"http://127.0.0.1:"+strconv.Itoa(port)+"/api/"+method, bytes.NewReader([]byte("{}")))
	req.Header.Set("X-API-Key", apiKey)
	c := http.Client{Timeout: time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return nil, false
	}
	return out, true
}

// apiAnswers: POST /api/info answers 200 with JSON.
func apiAnswers(port int) bool {
	_, ok := apiCall(port, "info")
	return ok
}

// startRedis runs a throw-away redis-server on a free loopback port: no persistence.
func startRedis(bin, cpu string) (*Proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-redis-")
	if err != nil {
		return nil, err
	}
	p, err := startProc("redis-server", cpu, dir, bin, "--port", strconv.Itoa(port), "--bind",
		"127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p.Port = port
	if err := p.await(func() bool {
		c, err := net.DialTimeout("tcp", p.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Proc) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }
