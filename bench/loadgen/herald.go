// The herald process under test: started with a generated config on 127.0.0.1, port 0, pinned
// with taskset; its RSS and CPU time are read from /proc.
package main

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
	"time"
)

const (
	apiKey         = "bench-api-key"
	startTimeout   = 20 * time.Second
	stopTimeout    = 20 * time.Second
	keptLogLines   = 40
	benchNamespace = "bench"
)

var startedLine = regexp.MustCompile(`msg="herald started".* port=(\d+)`)

// heraldConfig is a Centrifugo v6 config: anonymous clients may subscribe to "bench:*",
// no history, no presence, so that a delivery costs only the fan-out.
func heraldConfig(pingInterval, pongTimeout string) map[string]any {
	return map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": 0},
		"http_api":    map[string]any{"key": apiKey},
		"log":         map[string]any{"level": "info"},
		"client": map[string]any{
			"allow_anonymous_connect_without_token": true,
			"ping_interval":                         pingInterval,
			"pong_timeout":                          pongTimeout,
		},
		"channel": map[string]any{
			"namespaces": []map[string]any{{
				"name":                          benchNamespace,
				"allow_subscribe_for_client":    true,
				"allow_subscribe_for_anonymous": true,
			}},
		},
	}
}

// Herald is one running herald process.
type Herald struct {
	Port int
	Pid  int
	cmd  *exec.Cmd
	dir  string
	done chan struct{} // closed when its stderr reaches EOF

	mu    sync.Mutex
	tail  []string // the last keptLogLines lines of its log
	warns int      // log lines at level warn or error
}

// startHerald runs `taskset -c cpu bin -c config.json` (taskset execs, so the pid is
// herald's) and waits for the "herald started" line, which carries the bound port.
func startHerald(bin, cpu string, cfg map[string]any) (*Herald, error) {
	dir, err := os.MkdirTemp("", "herald-bench-")
	if err != nil {
		return nil, err
	}
	text, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		return nil, err
	}
	h := &Herald{dir: dir, done: make(chan struct{})}
	if cpu != "" {
		h.cmd = exec.Command("taskset", "-c", cpu, bin, "-c", path)
	} else {
		h.cmd = exec.Command(bin, "-c", path)
	}
	h.cmd.Stdout = io.Discard
	// If loadgen dies in any way, so does herald (taskset execs it: the setting carries over).
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	h.cmd.Env = childEnv()
	stderr, err := h.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := h.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	h.Pid = h.cmd.Process.Pid
	portCh := make(chan int, 1)
	go h.readLog(stderr, portCh)
	select {
	case h.Port = <-portCh:
		return h, nil
	case <-h.done:
		_ = h.cmd.Wait()
		return nil, fmt.Errorf("herald exited before starting:\n%s", h.Tail())
	case <-time.After(startTimeout):
		h.Kill()
		return nil, fmt.Errorf("herald printed no \"herald started\" line:\n%s", h.Tail())
	}
}

func (h *Herald) readLog(r io.Reader, portCh chan<- int) {
	defer close(h.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		h.mu.Lock()
		h.tail = append(h.tail, line)
		if len(h.tail) > keptLogLines {
			h.tail = h.tail[1:]
		}
		if strings.Contains(line, "level=warn") || strings.Contains(line, "level=error") {
			h.warns++
		}
		h.mu.Unlock()
		if m := startedLine.FindStringSubmatch(line); m != nil {
			p, _ := strconv.Atoi(m[1])
			select {
			case portCh <- p:
			default:
			}
		}
	}
}

// childEnv drops HERALD_* variables: herald reads them as config overrides.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERALD_") {
			env = append(env, kv)
		}
	}
	return env
}

// Tail is the end of herald's log.
func (h *Herald) Tail() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.tail, "\n")
}

// Warnings counts log lines at level warn or error so far.
func (h *Herald) Warnings() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.warns
}

func (h *Herald) Addr() string    { return "127.0.0.1:" + strconv.Itoa(h.Port) }
func (h *Herald) WSURL() string   { return "ws://" + h.Addr() + "/connection/websocket" }
func (h *Herald) BaseURL() string { return "http://" + h.Addr() }

// Alive reports whether the process has not exited.
func (h *Herald) Alive() bool {
	select {
	case <-h.done:
		return false
	default:
		return syscall.Kill(h.Pid, 0) == nil
	}
}

// Stop sends SIGTERM and waits; a node that does not drain in time is killed.
func (h *Herald) Stop() error {
	defer os.RemoveAll(h.dir)
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- h.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("herald exited with %v", err)
		}
		return nil
	case <-time.After(stopTimeout):
		_ = h.cmd.Process.Kill()
		<-exited
		return fmt.Errorf("herald did not stop within %v after SIGTERM", stopTimeout)
	}
}

// Kill ends the process at once (watchdog and start failures).
func (h *Herald) Kill() {
	_ = h.cmd.Process.Kill()
	_ = h.cmd.Wait()
	os.RemoveAll(h.dir)
}

// Memory is what /proc/<pid>/status says about resident memory, in KiB.
type Memory struct {
	RSS, Anon, File int64
}

func (h *Herald) Memory() (Memory, error) {
	text, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", h.Pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, line := range strings.Split(string(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.RSS = v
		case "RssAnon:":
			m.Anon = v
		case "RssFile:":
			m.File = v
		}
	}
	if m.RSS == 0 {
		return m, fmt.Errorf("no VmRSS in /proc/%d/status", h.Pid)
	}
	return m, nil
}

// CPUTime is herald's user+system CPU time so far (utime+stime of /proc/<pid>/stat).
func (h *Herald) CPUTime() time.Duration {
	text, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.Pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields are counted after its closing parenthesis.
	s := string(text)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports here.
const clockTicks = 100
