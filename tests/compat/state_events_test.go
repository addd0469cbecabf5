// Channel state events end to end: the real herald binary (memory engine), real WebSocket
// clients (the raw client) and a webhook receiver that records every request, checking
// docs/channel-state-events.md: occupied on the first subscriber only, vacated after the
// last leaves plus the delay, a resubscribe within the delay cancels it, strict alternation
// under churn of many channels (several seeds), and the final state matching who is
// subscribed (by the test's own books and by the presence API).
package compat

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The vacated delay of the test server: short, so that the tests wait little, but far above
// the time a subscribe or an unsubscribe takes on loopback.
const stateDelay = time.Second

type stateEvent struct {
	Channel string `json:"channel"`
	Type    string `json:"type"`
	TimeMs  int64  `json:"time_ms"`
	Gen     uint64 `json:"gen"`
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	arrived time.Time
}

// stateRecorder is the backend: it records every event it is sent and answers success.
type stateRecorder struct {
	mu       sync.Mutex
	events   []stateEvent
	requests int
	srv      *httptest.Server
}

func newStateRecorder(t *testing.T) *stateRecorder {
	r := &stateRecorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct {
			Events []stateEvent `json:"events"`
		}
		if req.Method != http.MethodPost || json.NewDecoder(req.Body).Decode(&body) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		now := time.Now()
		r.mu.Lock()
		r.requests++
		for _, e := range body.Events {
			e.arrived = now
			r.events = append(r.events, e)
		}
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"result":{}}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// of returns the events of channel received so far, in order.
func (r *stateRecorder) of(channel string) []stateEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []stateEvent
	for _, e := range r.events {
		if e.Channel == channel {
			out = append(out, e)
		}
	}
	return out
}

// wait returns the events of channel once there are n, failing after timeout.
func (r *stateRecorder) wait(t *testing.T, channel string, n int, timeout time.Duration) []stateEvent {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := r.of(channel)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d events after %v, want %d: %+v", channel, len(got), timeout, n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stateConfig is the suite's "main" config plus the namespace "st", which keeps presence and
// sends channel state events to rec; the caller sets the engine.
func stateConfig(rec *stateRecorder) map[string]any {
	cfg := configs["main"]()
	ch := cfg["channel"].(map[string]any)
	ch["namespaces"] = append(ch["namespaces"].([]map[string]any), map[string]any{
		"name":                          "st",
		"presence":                      true,
		"state_proxy_enabled":           true,
		"allow_subscribe_for_client":    true,
		"allow_presence_for_subscriber": true,
	})
	ch["proxy"] = map[string]any{"state": map[string]any{"endpoint": rec.srv.URL + "/state"}}
	return cfg
}

// startStateServer runs a herald of its own whose namespace "st" sends state events to rec.
func startStateServer(t *testing.T, rec *stateRecorder) *Server {
	t.Helper()
	if clusterMode() {
		t.Skip("this server runs the memory engine; state_events_redis_test.go covers the Redis engine")
	}
	if os.Getenv("HERALD_BIN") == "" {
		t.Skip("HERALD_BIN is not set")
	}
	cfg := stateConfig(rec)
	cfg["engine"] = map[string]any{
		"type": "memory",
		"memory": map[string]any{"channel_state": map[string]any{
			"vacated_event_delay": stateDelay.String(), "num_partitions": 8,
		}},
	}
	s, err := startServer("state-"+unique(""), cfg)
	if err != nil {
		t.Fatal(err)
	}
	dumpLogOnFailure(t, s)
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// stateClient is one connection with a command counter.
type stateClient struct {
	c  *rawClient
	id uint32
}

func newStateClient(t *testing.T, s *Server) *stateClient {
	return &stateClient{c: connectedRaw(t, s, unique("u")), id: 1}
}

func (sc *stateClient) do(t *testing.T, method, channel string) {
	t.Helper()
	sc.id++
	if r := sc.c.call(sc.id, method, map[string]any{"channel": channel}); r.errCode != 0 {
		t.Fatalf("%s %s: %s", method, channel, r.raw)
	}
}

// checkAlternation asserts strict alternation starting with occupied, growing gens (odd =
// occupied, even = vacated), ids "<partition>-<gen>" of one partition, reasons on vacated.
func checkAlternation(t *testing.T, channel string, evs []stateEvent) {
	t.Helper()
	partition := ""
	for i, e := range evs {
		want := "occupied"
		if i%2 == 1 {
			want = "vacated"
		}
		if e.Type != want {
			t.Fatalf("%s: event %d is %s, want %s: %+v", channel, i, e.Type, want, evs)
		}
		if (e.Gen%2 == 1) != (e.Type == "occupied") {
			t.Fatalf("%s: gen %d on %s", channel, e.Gen, e.Type)
		}
		if i > 0 && e.Gen <= evs[i-1].Gen {
			t.Fatalf("%s: gen %d after %d", channel, e.Gen, evs[i-1].Gen)
		}
		p, gen, ok := strings.Cut(e.ID, "-")
		if !ok || gen != strconv.FormatUint(e.Gen, 10) || (partition != "" && p != partition) {
			t.Fatalf("%s: id %q with gen %d (partition %q)", channel, e.ID, e.Gen, partition)
		}
		partition = p
		if (e.Type == "vacated") != (e.Reason != "") {
			t.Fatalf("%s: reason %q on %s", channel, e.Reason, e.Type)
		}
		if e.TimeMs <= 0 {
			t.Fatalf("%s: time_ms %d", channel, e.TimeMs)
		}
	}
}

func presenceCount(t *testing.T, s *Server, channel string) int {
	t.Helper()
	var res struct {
		Presence map[string]any `json:"presence"`
	}
	if err := json.Unmarshal(api(t, s, "presence", map[string]any{"channel": channel}), &res); err != nil {
		t.Fatal(err)
	}
	return len(res.Presence)
}

func TestStateEventsLifecycle(t *testing.T) {
	rec := newStateRecorder(t)
	s := startStateServer(t, rec)

	t.Run("occupied once, vacated after the delay", func(t *testing.T) {
		ch := unique("st:a")
		c1, c2 := newStateClient(t, s), newStateClient(t, s)
		c1.do(t, "subscribe", ch)
		evs := rec.wait(t, ch, 1, 5*time.Second)
		if evs[0].Type != "occupied" {
			t.Fatalf("first event %+v, want occupied", evs[0])
		}
		c2.do(t, "subscribe", ch) // a second subscriber: nothing
		if presenceCount(t, s, ch) != 2 {
			t.Fatalf("presence of %s: want 2 clients", ch)
		}
		c1.do(t, "unsubscribe", ch)
		time.Sleep(300 * time.Millisecond)
		if got := rec.of(ch); len(got) != 1 {
			t.Fatalf("events %+v, want the occupied only", got)
		}
		left := time.Now()
		c2.c.ws.Close() // the last one goes: disconnect
		evs = rec.wait(t, ch, 2, stateDelay+5*time.Second)
		if evs[1].Type != "vacated" || evs[1].Reason != "disconnect" {
			t.Fatalf("second event %+v, want vacated (disconnect)", evs[1])
		}
		if waited := evs[1].arrived.Sub(left); waited < stateDelay-100*time.Millisecond {
			t.Fatalf("vacated %v after the last subscriber left, want >= %v", waited, stateDelay)
		}
		checkAlternation(t, ch, evs)
	})

	t.Run("unsubscribe is the reason", func(t *testing.T) {
		ch := unique("st:u")
		c := newStateClient(t, s)
		c.do(t, "subscribe", ch)
		c.do(t, "unsubscribe", ch)
		evs := rec.wait(t, ch, 2, stateDelay+5*time.Second)
		if evs[1].Reason != "unsubscribe" {
			t.Fatalf("vacated %+v, want reason unsubscribe", evs[1])
		}
	})

	t.Run("resubscribe within the delay cancels vacated", func(t *testing.T) {
		ch := unique("st:b")
		c := newStateClient(t, s)
		c.do(t, "subscribe", ch)
		rec.wait(t, ch, 1, 5*time.Second)
		c.do(t, "unsubscribe", ch)
		time.Sleep(stateDelay / 3)
		c.do(t, "subscribe", ch)
		time.Sleep(stateDelay + 700*time.Millisecond)
		if got := rec.of(ch); len(got) != 1 {
			t.Fatalf("events %+v, want the first occupied only", got)
		}
		if presenceCount(t, s, ch) != 1 {
			t.Fatalf("presence of %s: want 1 client", ch)
		}
	})

	t.Run("info counts", func(t *testing.T) {
		var info struct {
			Nodes []struct {
				ChannelState *struct {
					Emitted     uint64 `json:"emitted"`
					Delivered   uint64 `json:"delivered"`
					Dropped     uint64 `json:"dropped"`
					QueueLength int64  `json:"queue_length"`
				} `json:"channel_state"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal(api(t, s, "info", map[string]any{}), &info); err != nil {
			t.Fatal(err)
		}
		cs := info.Nodes[0].ChannelState
		rec.mu.Lock()
		received := uint64(len(rec.events))
		rec.mu.Unlock()
		if cs == nil || cs.Emitted < received || cs.Delivered < received || cs.Dropped != 0 ||
			cs.QueueLength != 0 {
			t.Fatalf("info channel_state %+v, want emitted and delivered >= %d, none waiting",
				cs, received)
		}
	})
}

// Many channels, many clients, random subscribes, unsubscribes and disconnects; then quiet.
// Per channel the events alternate, and the last one says whether someone is subscribed.
func TestStateEventsChurn(t *testing.T) {
	rec := newStateRecorder(t)
	s := startStateServer(t, rec)
	for _, seed := range []int64{1, 7, 2024} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			runStateChurn(t, rec, []*Server{s}, seed, "st:churn", 1500*time.Millisecond, false)
		})
	}
}

// runStateChurn drives 8 clients, each on a node drawn from `nodes`, through 400 random
// subscribes, unsubscribes and reconnects over 24 channels (seeded), lets every pending
// vacated fire (`settle` beyond the delay), then checks each channel's events: strict
// alternation, the last one matching the test's books, and every node's presence API
// agreeing. `dedup` drops redeliveries of a gen first (a takeover may repeat a batch).
func runStateChurn(t *testing.T, rec *stateRecorder, nodes []*Server, seed int64, name string,
	settle time.Duration, dedup bool) {
	rng := rand.New(rand.NewSource(seed))
	prefix := unique(name) + "-"
	const nChannels, nClients, steps = 24, 8, 400
	clients := make([]*stateClient, nClients)
	subs := make([]map[string]bool, nClients) // the test's books: who is in what
	node := func() *Server { return nodes[rng.Intn(len(nodes))] }
	for i := range clients {
		clients[i] = newStateClient(t, node())
		subs[i] = map[string]bool{}
	}
	defer func() {
		for _, c := range clients {
			c.c.ws.Close()
		}
	}()
	for step := 0; step < steps; step++ {
		i := rng.Intn(nClients)
		ch := prefix + strconv.Itoa(rng.Intn(nChannels))
		switch op := rng.Intn(10); {
		case op < 5:
			if !subs[i][ch] {
				clients[i].do(t, "subscribe", ch)
				subs[i][ch] = true
			}
		case op < 9:
			if subs[i][ch] {
				clients[i].do(t, "unsubscribe", ch)
				delete(subs[i], ch)
			}
		default: // the connection goes, a new one takes its place
			clients[i].c.ws.Close()
			clients[i] = newStateClient(t, node())
			subs[i] = map[string]bool{}
		}
		if rng.Intn(40) == 0 {
			time.Sleep(time.Duration(rng.Intn(int(stateDelay/time.Millisecond)*3/2)) * time.Millisecond)
		}
	}
	// Quiet: every pending vacated fires (and the closed connections are gone). Then the
	// events and the presence must agree with the books; a node whose lease lapsed on a
	// loaded machine writes its presence again, so they are polled until they agree (or the
	// deadline passes), never accepted on a first look that disagrees.
	time.Sleep(stateDelay + settle)
	subscribedTo := func(ch string) bool {
		for i := range subs {
			if subs[i][ch] {
				return true
			}
		}
		return false
	}
	events := func(ch string) []stateEvent {
		evs := rec.of(ch)
		if dedup {
			evs = dedupGen(evs)
		}
		return evs
	}
	mismatch := func() string {
		for n := 0; n < nChannels; n++ {
			ch := prefix + strconv.Itoa(n)
			evs := events(ch)
			subscribed := subscribedTo(ch)
			if lastOccupied := len(evs) > 0 && evs[len(evs)-1].Type == "occupied"; lastOccupied != subscribed {
				return fmt.Sprintf("%s: last event occupied=%v, subscribed=%v: %+v", ch,
					lastOccupied, subscribed, evs)
			}
			for _, s := range nodes {
				if got := presenceCount(t, s, ch) > 0; got != subscribed {
					return fmt.Sprintf("%s: presence on %s says subscribed=%v, books say %v", ch,
						s.Name, got, subscribed)
				}
			}
		}
		return ""
	}
	deadline := time.Now().Add(2*stateDelay + 10*time.Second)
	for m := mismatch(); m != ""; m = mismatch() {
		if time.Now().After(deadline) {
			t.Fatal(m)
		}
		time.Sleep(100 * time.Millisecond)
	}
	total := 0
	for n := 0; n < nChannels; n++ {
		ch := prefix + strconv.Itoa(n)
		evs := events(ch)
		total += len(evs)
		checkAlternation(t, ch, evs)
	}
	rec.mu.Lock()
	t.Logf("%d events over %d channels; %d requests so far", total, nChannels, rec.requests)
	rec.mu.Unlock()
	if total < nChannels {
		t.Fatalf("only %d events over %d channels: the churn did not churn", total, nChannels)
	}
}
