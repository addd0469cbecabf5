// Channel state events across nodes: herald processes on the Redis engine sharing one
// redis-server (the suite's own, cluster_test.go) and one state store, a webhook recorder
// (state_events_test.go), real WebSocket clients. One occupied when two nodes subscribe, one
// vacated when the last subscriber leaves on the other node, vacated with reason node_lost
// within node_lease + delay after `kill -9` of a node, and churn over both nodes checked by
// the invariant checker (strict alternation, growing gens, final state = who is subscribed).
package compat

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// The node lease of the test nodes: short, so that the kill test waits little, yet not 1 s:
// on a loaded CI machine (ctest -j2 beside the sanitizers) both nodes once stalled past that.
const stateNodeLease = 2 * time.Second

// startRedisStateNode runs a herald on the Redis engine whose namespace "st" sends state
// events to rec; `redis` is where the engine's Redis is (address, or cluster_address), nodes
// started with the same prefix and Redis share their channel state.
func startRedisStateNode(t *testing.T, rec *stateRecorder, prefix string, redis map[string]any) *Server {
	t.Helper()
	cfg := stateConfig(rec)
	r := map[string]any{
		"prefix": prefix,
		"channel_state": map[string]any{
			"vacated_event_delay": stateDelay.String(),
			"num_partitions":      8,
			"node_lease":          stateNodeLease.String(),
		},
	}
	for k, v := range redis {
		r[k] = v
	}
	cfg["engine"] = map[string]any{"type": "redis", "redis": r}
	s, err := startServer("state-redis-"+unique(""), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dumpLogOnFailure(t, s)
	return s
}

// stateNodes are nodes on one store; those still running are stopped (SIGTERM) at the end,
// and must stop cleanly.
type stateNodes struct {
	nodes  []*Server
	killed map[*Server]bool
}

// redisStateNodes: n nodes on the suite's redis-server.
func redisStateNodes(t *testing.T, rec *stateRecorder, n int) *stateNodes {
	if os.Getenv("HERALD_BIN") == "" {
		t.Skip("HERALD_BIN is not set")
	}
	redisOnce.Do(startRedis)
	if redisErr != nil {
		t.Skip("no redis-server: ", redisErr)
	}
	return redisStateNodesOn(t, rec, n, map[string]any{"address": redisAddr})
}

// redisStateNodesOn: n nodes on the Redis that `redis` names (see startRedisStateNode).
func redisStateNodesOn(t *testing.T, rec *stateRecorder, n int, redis map[string]any) *stateNodes {
	prefix := unique("cs")
	sn := &stateNodes{killed: map[*Server]bool{}}
	for i := 0; i < n; i++ {
		sn.nodes = append(sn.nodes, startRedisStateNode(t, rec, prefix, redis))
	}
	t.Cleanup(func() {
		for _, s := range sn.nodes {
			if sn.killed[s] {
				os.RemoveAll(s.dir)
				continue
			}
			if err := s.stop(); err != nil {
				t.Error(err)
			}
		}
	})
	return sn
}

// kill9 ends a node with SIGKILL: no goodbye to Redis, its leases lapse.
func (sn *stateNodes) kill9(t *testing.T, s *Server) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	sn.killed[s] = true
}

func TestStateEventsRedisTwoNodes(t *testing.T) {
	rec := newStateRecorder(t)
	sn := redisStateNodes(t, rec, 2)
	a, b := sn.nodes[0], sn.nodes[1]

	t.Run("subscribers on both nodes: one occupied; last leaves on the other: one vacated", func(t *testing.T) {
		ch := unique("st:two")
		ca, cb := newStateClient(t, a), newStateClient(t, b)
		ca.do(t, "subscribe", ch)
		cb.do(t, "subscribe", ch)
		evs := rec.waitUnique(t, ch, 1, 5*time.Second)
		if evs[0].Type != "occupied" {
			t.Fatalf("first event %+v, want occupied", evs[0])
		}
		// Both nodes see both subscribers (presence is in Redis).
		for _, s := range []*Server{a, b} {
			if n := presenceCount(t, s, ch); n != 2 {
				t.Fatalf("presence of %s on %s: %d clients, want 2", ch, s.Name, n)
			}
		}
		ca.do(t, "unsubscribe", ch)
		time.Sleep(stateDelay + 500*time.Millisecond)
		if got := dedupGen(rec.of(ch)); len(got) != 1 {
			t.Fatalf("events %+v, want the occupied only (a subscriber is left on %s)", got, b.Name)
		}
		left := time.Now()
		cb.do(t, "unsubscribe", ch)
		evs = rec.waitUnique(t, ch, 2, stateDelay+5*time.Second)
		if evs[1].Type != "vacated" || evs[1].Reason != "unsubscribe" {
			t.Fatalf("second event %+v, want vacated (unsubscribe)", evs[1])
		}
		if waited := evs[1].arrived.Sub(left); waited < stateDelay-100*time.Millisecond {
			t.Fatalf("vacated %v after the last subscriber left, want >= %v", waited, stateDelay)
		}
		time.Sleep(500 * time.Millisecond)
		if got := dedupGen(rec.of(ch)); len(got) != 2 {
			t.Fatalf("events %+v, want exactly occupied, vacated", got)
		}
		checkAlternation(t, ch, evs)
	})

	t.Run("resubscribe on the other node within the delay cancels vacated", func(t *testing.T) {
		ch := unique("st:move")
		ca, cb := newStateClient(t, a), newStateClient(t, b)
		ca.do(t, "subscribe", ch)
		rec.waitUnique(t, ch, 1, 5*time.Second)
		ca.do(t, "unsubscribe", ch)
		time.Sleep(stateDelay / 3)
		cb.do(t, "subscribe", ch)
		time.Sleep(stateDelay + 700*time.Millisecond)
		if got := dedupGen(rec.of(ch)); len(got) != 1 {
			t.Fatalf("events %+v, want the first occupied only", got)
		}
	})
}

// kill -9 of the node holding a channel's last subscriber: vacated (node_lost) within the
// node lease (plus the round that notices it, a quarter of the lease) and the delay, not
// after presence_ttl.
func TestStateEventsRedisNodeKilled(t *testing.T) {
	rec := newStateRecorder(t)
	sn := redisStateNodes(t, rec, 2)
	a, b := sn.nodes[0], sn.nodes[1]
	ch := unique("st:kill")
	other := unique("st:alive")
	cb := newStateClient(t, b)
	cb.do(t, "subscribe", ch)
	ca := newStateClient(t, a)
	ca.do(t, "subscribe", other) // a channel of the survivor: stays occupied
	rec.waitUnique(t, ch, 1, 5*time.Second)
	rec.waitUnique(t, other, 1, 5*time.Second)
	killed := time.Now()
	sn.kill9(t, b)
	bound := stateNodeLease*5/4 + stateDelay + time.Second // + a poll and delivery
	evs := rec.waitUnique(t, ch, 2, bound+5*time.Second)
	took := evs[1].arrived.Sub(killed)
	t.Logf("vacated %v after kill -9 (node_lease %v, delay %v)", took, stateNodeLease, stateDelay)
	if evs[1].Type != "vacated" || evs[1].Reason != "node_lost" {
		t.Fatalf("second event %+v, want vacated (node_lost)", evs[1])
	}
	if took > bound {
		t.Fatalf("vacated %v after kill -9, want within %v", took, bound)
	}
	checkAlternation(t, ch, evs)
	if got := dedupGen(rec.of(other)); len(got) != 1 {
		t.Fatalf("%s (subscriber on the survivor): events %+v, want the occupied only", other, got)
	}
	if presenceCount(t, a, ch) != 0 || presenceCount(t, a, other) != 1 {
		t.Fatalf("presence after the kill: %s must be empty, %s must have its subscriber", ch, other)
	}
}

// Churn over two nodes: random subscribes, unsubscribes and reconnects, each client on a
// random node; then quiet. Per channel the events alternate with growing gens, and the last
// one says whether someone is subscribed (by the test's books and by the presence API of
// either node).
// A node frozen past its lease (SIGSTOP, as a stall on an overloaded machine): the other node
// removes its subscribers (vacated, node_lost). Running again, it finds its lease lapsed and
// writes its presence again at once: occupied again and the presence back within a lease
// round, not after client.presence_update_interval (27 s by default).
func TestStateEventsRedisStalledNodeComesBack(t *testing.T) {
	rec := newStateRecorder(t)
	sn := redisStateNodes(t, rec, 2)
	a, b := sn.nodes[0], sn.nodes[1]
	ch := unique("st:stall")
	cb := newStateClient(t, b)
	cb.do(t, "subscribe", ch)
	rec.waitUnique(t, ch, 1, 5*time.Second)

	if err := b.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := true
	defer func() {
		if stopped {
			_ = b.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	evs := rec.waitUnique(t, ch, 2, stateNodeLease*5/4+stateDelay+5*time.Second)
	if evs[1].Type != "vacated" || evs[1].Reason != "node_lost" {
		t.Fatalf("second event %+v, want vacated (node_lost)", evs[1])
	}
	if err := b.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stopped = false
	resumed := time.Now()
	evs = rec.waitUnique(t, ch, 3, stateNodeLease+5*time.Second)
	if evs[2].Type != "occupied" {
		t.Fatalf("third event %+v, want occupied", evs[2])
	}
	t.Logf("occupied again %v after the node resumed", evs[2].arrived.Sub(resumed))
	deadline := time.Now().Add(5 * time.Second)
	for presenceCount(t, a, ch) != 1 || presenceCount(t, b, ch) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("presence of %s not back on both nodes", ch)
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkAlternation(t, ch, evs)
}

func TestStateEventsRedisChurn(t *testing.T) {
	rec := newStateRecorder(t)
	sn := redisStateNodes(t, rec, 2)
	for _, seed := range []int64{3, 11, 2025} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			runStateChurn(t, rec, sn.nodes, seed, "st:rchurn", 2500*time.Millisecond, true)
		})
	}
}

// dedupGen drops redeliveries: an event whose gen was already seen for the channel (a batch
// repeated after a takeover carries the same gen and id).
func dedupGen(evs []stateEvent) []stateEvent {
	seen := map[uint64]bool{}
	var out []stateEvent
	for _, e := range evs {
		if seen[e.Gen] {
			continue
		}
		seen[e.Gen] = true
		out = append(out, e)
	}
	return out
}

// waitUnique is wait after dropping redeliveries (dedupGen).
func (r *stateRecorder) waitUnique(t *testing.T, channel string, n int, timeout time.Duration) []stateEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := dedupGen(r.of(channel))
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d events after %v, want %d: %+v", channel, len(got), timeout, n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
