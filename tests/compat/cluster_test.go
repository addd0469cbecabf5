// Cluster mode: with HERALD_COMPAT_REDIS_CLUSTER set, every config starts TWO herald nodes on
// the Redis engine, sharing one redis-server that the suite starts itself. SDK clients connect
// to the first node and the server API talks to the second, so publications, presence,
// history, recovery and server commands all cross nodes through Redis.
package compat

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	redisOnce sync.Once
	redisCmd  *exec.Cmd
	redisAddr string
	redisErr  error
	redisDir  string
)

func clusterMode() bool { return os.Getenv("HERALD_COMPAT_REDIS_CLUSTER") != "" }

// startConfigured starts one node, or in cluster mode two nodes on one Redis.
func startConfigured(name string, cfg map[string]any) (*Server, error) {
	if !clusterMode() {
		return startServer(name, cfg)
	}
	redisOnce.Do(startRedis)
	if redisErr != nil {
		return nil, redisErr
	}
	cfg["engine"] = map[string]any{
		"type": "redis",
		// A prefix per config: the processes of different configs do not see each other.
		"redis": map[string]any{"address": redisAddr, "prefix": "compat-" + name},
	}
	ws, err := startServer(name+"-ws", cfg)
	if err != nil {
		return nil, err
	}
	api, err := startServer(name+"-api", cfg)
	if err != nil {
		_ = ws.stop()
		return nil, err
	}
	api.ws = ws
	return api, nil
}

func startRedis() {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		redisErr = fmt.Errorf("cluster mode needs redis-server on PATH: %w", err)
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		redisErr = err
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	redisDir, _ = os.MkdirTemp("", "herald-compat-redis-")
	redisCmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", redisDir)
	if err := redisCmd.Start(); err != nil {
		redisErr = err
		return
	}
	redisAddr = "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if pingRedis(redisAddr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	redisErr = fmt.Errorf("redis-server on %s did not answer PING within 10 s", redisAddr)
}

func pingRedis(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

func stopRedis() {
	if redisCmd != nil && redisCmd.Process != nil {
		_ = redisCmd.Process.Kill()
		_ = redisCmd.Wait()
	}
	if redisDir != "" {
		os.RemoveAll(redisDir)
	}
}
