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
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
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

// restartRedis kills the suite's redis-server and starts it again on the same port (its data
// is gone: streams, metas and subscriptions alike).
func restartRedis(t *testing.T) {
	t.Helper()
	_ = redisCmd.Process.Kill()
	_ = redisCmd.Wait()
	port := redisAddr[strings.LastIndex(redisAddr, ":")+1:]
	redisCmd = exec.Command(redisCmd.Path, "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", redisDir)
	if err := redisCmd.Start(); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !pingRedis(redisAddr) {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not come back on %s", redisAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A Redis restart loses what PUB/SUB carried meanwhile: the nodes reconnect and resubscribe
// by themselves, positioned subscribers are told (2500) and the SDK resubscribes, and the
// publications keep coming — on a new stream, since Redis lost the old one.
func TestSDKClusterSurvivesRedisRestart(t *testing.T) {
	if !clusterMode() {
		t.Skip("cluster mode only (HERALD_COMPAT_REDIS_CLUSTER)")
	}
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		c := tokenClient(t, s, m, unique("u"))
		ch := unique("rec:restart-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		publish(t, s, ch, map[string]int{"n": 1})
		sub.nextPub(t, `{"n":1}`)

		restartRedis(t)
		// The new stream starts a new epoch: the subscriber learns it lost state (2500), the
		// SDK resubscribes (recovered: false, as Redis lost the history) and publications flow
		// again. Publish until one gets through, then the stream continues without a gap.
		deadline := time.Now().Add(2 * eventTimeout)
		n := 2
		for got := false; !got; n++ {
			if time.Now().After(deadline) {
				t.Fatalf("no publication reached the subscriber %v after the Redis restart",
					2*eventTimeout)
			}
			data := map[string]int{"n": n}
			if _, err := tryAPI(s, "publish", map[string]any{"channel": ch, "data": data}); err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			select {
			case p := <-sub.pubs:
				got = string(p.Data) == fmt.Sprintf(`{"n":%d}`, n)
			case <-time.After(500 * time.Millisecond):
			}
		}
		publish(t, s, ch, map[string]int{"n": n})
		sub.nextPub(t, fmt.Sprintf(`{"n":%d}`, n))
	})
}
