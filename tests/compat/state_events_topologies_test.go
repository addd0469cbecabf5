// Channel state events, publications and presence on the other Redis topologies, with three
// herald processes each: two redis-servers sharded client-side (engine.redis.address with
// two entries) and a three-master Redis Cluster built here (engine.redis.cluster_address).
// Channels spread over the shards / slots; each topology gets one occupied and one vacated
// per channel across nodes, a publication on one node reaching subscribers on the others, the
// channels API counting every node's clients, and a churn over the three nodes checked by
// the invariant checker.
package compat

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freeRedisPort: a loopback port free now whose cluster bus port (+10000) is free too.
func freeRedisPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 50; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port+10000 > 65535 {
			continue
		}
		if bus, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000)); err == nil {
			bus.Close()
			return port
		}
	}
	t.Fatal("no free port pair for a redis-server")
	return 0
}

// startTestRedis runs a redis-server of this test (killed at its end) and returns its address.
func startTestRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server on PATH: ", err)
	}
	port := freeRedisPort(t)
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(10 * time.Second)
	for !pingRedis(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer PING within 10 s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr
}

// startTestRedisCluster builds a Redis Cluster of `masters` servers (no replicas) with
// `redis-cli --cluster create` and waits until every server says the cluster is ok with all
// slots assigned. Returns the servers' addresses.
func startTestRedisCluster(t *testing.T, masters int) []string {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("no redis-cli on PATH: ", err)
	}
	var addrs []string
	for i := 0; i < masters; i++ {
		addrs = append(addrs, startTestRedis(t, "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"))
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range addrs {
		host, port, _ := net.SplitHostPort(a)
		for {
			out, _ := exec.Command(cli, "-h", host, "-p", port, "cluster", "info").Output()
			info := string(out)
			if strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_slots_assigned:16384") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redis cluster not ok on %s within 20 s:\n%s", a, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return addrs
}

func TestStateEventsRedisTopologies(t *testing.T) {
	if os.Getenv("HERALD_BIN") == "" {
		t.Skip("HERALD_BIN is not set")
	}
	topologies := []struct {
		name  string
		redis func(t *testing.T) map[string]any
	}{
		{"two shards", func(t *testing.T) map[string]any {
			return map[string]any{"address": []string{startTestRedis(t), startTestRedis(t)}}
		}},
		{"redis cluster", func(t *testing.T) map[string]any {
			return map[string]any{"cluster_address": startTestRedisCluster(t, 3)}
		}},
	}
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			rec := newStateRecorder(t)
			sn := redisStateNodesOn(t, rec, 3, topo.redis(t))
			a, b, c := sn.nodes[0], sn.nodes[1], sn.nodes[2]
			// Enough channels that both shards / several slots hold some.
			const nChannels = 6

			t.Run("occupied and vacated across nodes, publications cross", func(t *testing.T) {
				base := unique("st:topo")
				var chans []string
				for i := 0; i < nChannels; i++ {
					chans = append(chans, base+"-"+strconv.Itoa(i))
				}
				ca, cb, cc := newStateClient(t, a), newStateClient(t, b), newStateClient(t, c)
				for _, ch := range chans {
					ca.do(t, "subscribe", ch)
					cb.do(t, "subscribe", ch)
					cc.do(t, "subscribe", ch)
				}
				for i, ch := range chans {
					if evs := rec.waitUnique(t, ch, 1, 5*time.Second); evs[0].Type != "occupied" {
						t.Fatalf("%s: first event %+v, want occupied", ch, evs[0])
					}
					for _, s := range sn.nodes {
						if n := presenceCount(t, s, ch); n != 3 {
							t.Fatalf("presence of %s on %s: %d clients, want 3", ch, s.Name, n)
						}
					}
					data := fmt.Sprintf(`{"n":%d}`, i)
					api(t, b, "publish", map[string]any{"channel": ch, "data": map[string]any{"n": i}})
					for _, sc := range []*stateClient{ca, cc} {
						if got := sc.c.pub(ch); got != data {
							t.Fatalf("%s: a client of another node got %s, want %s", ch, got, data)
						}
					}
				}
				// The channels API surveys every node: each channel with its three clients
				// (a node knows the others from their announcements, hence the polling).
				deadline := time.Now().Add(15 * time.Second)
				for {
					var res struct {
						Channels map[string]struct {
							NumClients int `json:"num_clients"`
						} `json:"channels"`
					}
					raw := api(t, c, "channels", map[string]any{"pattern": base + "-*"})
					if err := json.Unmarshal(raw, &res); err != nil {
						t.Fatal(err)
					}
					all := len(res.Channels) == nChannels
					for _, v := range res.Channels {
						all = all && v.NumClients == 3
					}
					if all {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("channels on %s: %s, want %d channels with 3 clients each", c.Name,
							raw, nChannels)
					}
					time.Sleep(100 * time.Millisecond)
				}
				for _, ch := range chans {
					ca.do(t, "unsubscribe", ch)
					cb.do(t, "unsubscribe", ch)
					cc.do(t, "unsubscribe", ch)
				}
				for _, ch := range chans {
					evs := rec.waitUnique(t, ch, 2, stateDelay+5*time.Second)
					if evs[1].Type != "vacated" || evs[1].Reason != "unsubscribe" {
						t.Fatalf("%s: second event %+v, want vacated (unsubscribe)", ch, evs[1])
					}
					checkAlternation(t, ch, evs)
				}
			})

			t.Run("churn", func(t *testing.T) {
				runStateChurn(t, rec, sn.nodes, 7, "st:tchurn", 2500*time.Millisecond, true)
			})
		})
	}
}
