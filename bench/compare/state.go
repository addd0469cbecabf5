package main

// S7 and S8: channel state events, Herald only (Centrifugo OSS sends none). A webhook
// receiver in this process records every event; the checks are the contract's: after
// dropping redeliveries of one id, each channel alternates occupied (odd gen) and vacated
// (even gen), starting with occupied.

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type stateEvent struct {
	Channel, Type, ID, Reason string
	Gen                       uint64
	At                        time.Time
}

type stateReceiver struct {
	ln     net.Listener
	srv    *http.Server
	notify chan struct{}
	delay  time.Duration // each request is answered this long after it arrived (S11)

	mu       sync.Mutex
	events   []stateEvent
	requests int
}

func newStateReceiver() (*stateReceiver, error) { return newSlowStateReceiver(0) }

// newSlowStateReceiver answers every request `delay` after it arrived; the events count as
// received only then, as a backend would commit them.
func newSlowStateReceiver(delay time.Duration) (*stateReceiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &stateReceiver{ln: ln, notify: make(chan struct{}, 1), delay: delay}
	mux := http.NewServeMux()
	mux.HandleFunc("/state", r.handle)
	r.srv = &http.Server{Handler: mux}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *stateReceiver) URL() string { return "http://" + r.ln.Addr().String() + "/state" }
func (r *stateReceiver) Close()      { _ = r.srv.Close() }

func (r *stateReceiver) handle(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Events []struct {
			Channel string `json:"channel"`
			Type    string `json:"type"`
			Gen     uint64 `json:"gen"`
			ID      string `json:"id"`
			Reason  string `json:"reason"`
		} `json:"events"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	now := time.Now()
	r.mu.Lock()
	r.requests++
	for _, e := range body.Events {
		r.events = append(r.events, stateEvent{e.Channel, e.Type, e.ID, e.Reason, e.Gen, now})
	}
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"result":{}}`))
}

func (r *stateReceiver) snapshot() ([]stateEvent, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stateEvent(nil), r.events...), r.requests
}

// waitFor waits until done(events) holds or the deadline passes.
func (r *stateReceiver) waitFor(limit time.Duration, done func([]stateEvent) bool) []stateEvent {
	deadline := time.Now().Add(limit)
	for {
		evs, _ := r.snapshot()
		if done(evs) || time.Now().After(deadline) {
			return evs
		}
		select {
		case <-r.notify:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

type stateCheck struct {
	Unique, Redelivered, OrderViolations, Channels, Occupied int
	First, Last                                              time.Time
}

func checkEvents(evs []stateEvent) stateCheck {
	var c stateCheck
	seen := map[string]bool{}
	last := map[string]stateEvent{}
	for _, e := range evs {
		if seen[e.ID] {
			c.Redelivered++
			continue
		}
		seen[e.ID] = true
		c.Unique++
		if c.First.IsZero() || e.At.Before(c.First) {
			c.First = e.At
		}
		if e.At.After(c.Last) {
			c.Last = e.At
		}
		prev, had := last[e.Channel]
		wantType := "occupied"
		if had && prev.Type == "occupied" {
			wantType = "vacated"
		}
		odd := e.Gen%2 == 1
		if e.Type != wantType || odd != (e.Type == "occupied") || (had && e.Gen <= prev.Gen) {
			c.OrderViolations++
		}
		last[e.Channel] = e
	}
	c.Channels = len(last)
	for _, e := range last {
		if e.Type == "occupied" {
			c.Occupied++
		}
	}
	return c
}

// stateConfig turns on state events for namespace "st" towards url; with Redis, the options
// sit under engine.redis.channel_state (defaults), else under engine.memory.
func stateConfig(cfg map[string]any, url, vacatedDelay string) {
	ch := cfg["channel"].(map[string]any)
	ch["namespaces"] = append(ch["namespaces"].([]map[string]any), map[string]any{
		"name": "st", "presence": true, "state_proxy_enabled": true,
		"allow_subscribe_for_client": true, "allow_subscribe_for_anonymous": true,
	})
	ch["proxy"] = map[string]any{"state": map[string]any{"endpoint": url}}
	cs := map[string]any{}
	if vacatedDelay != "" {
		cs["vacated_event_delay"] = vacatedDelay
	}
	if eng, ok := cfg["engine"].(map[string]any); ok {
		eng["redis"].(map[string]any)["channel_state"] = cs
	} else {
		cfg["engine"] = map[string]any{"type": "memory", "memory": map[string]any{"channel_state": cs}}
	}
}

// s7VacatedDelay keeps each vacated event inside the measured window (the default 5 s would
// push the last ones past it); the delay's timers still run for every channel.
const s7VacatedDelay = "100ms"

// stateScenario runs fn reps times (Herald only) and records each run as scenario() does.
func (b *Bench) stateScenario(s string, reps int, fn func(rep int) *Run) {
	fmt.Printf("\n[%s %s] (Herald only: Centrifugo OSS has no channel state events)\n",
		strings.ToUpper(s), scenarioTitle[s])
	for rep := 1; rep <= reps; rep++ {
		start := time.Now()
		r := fn(rep)
		r.Seconds = time.Since(start).Seconds()
		b.record(r)
	}
}

// churnOnce (S7): clients subscribe and unsubscribe channels of their own as fast as the
// server answers; each cycle is one occupied and one vacated event. Every event must arrive,
// in order per channel.
func (b *Bench) churnOnce(rep int) *Run { return b.churnRun("s7", rep, 0) }

// s11EndpointDelay is S11's webhook endpoint: every request takes this long, so the churn
// makes events faster than the endpoint takes them.
const s11EndpointDelay = 100 * time.Millisecond

// slowEndpointOnce (S11): S7's churn against an endpoint that answers each request after
// s11EndpointDelay. The node's queue (info's channel_state) is sampled while it grows and
// drains; every event must still arrive, in order per channel.
func (b *Bench) slowEndpointOnce(rep int) *Run { return b.churnRun("s11", rep, s11EndpointDelay) }

// queueSampler polls info's channel_state every 200 ms and keeps the maxima.
type queueSampler struct {
	port                        int
	stop                        chan struct{}
	done                        chan struct{}
	maxQueue, maxOldestMs, drop float64
	samples                     int
}

func startQueueSampler(port int) *queueSampler {
	q := &queueSampler{port: port, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			q.sample()
			select {
			case <-q.stop:
				return
			case <-t.C:
			}
		}
	}()
	return q
}

func (q *queueSampler) sample() {
	res, ok := apiCall(q.port, "info")
	if !ok {
		return
	}
	q.samples++
	get := func(k string) float64 {
		v, _ := lookup(res, "result.nodes.0.channel_state."+k)
		return v
	}
	q.maxQueue = max(q.maxQueue, get("queue_length"))
	q.maxOldestMs = max(q.maxOldestMs, get("oldest_undelivered_ms"))
	q.drop = get("dropped")
}

func (q *queueSampler) Stop() {
	close(q.stop)
	<-q.done
}

// churnRun is S7's churn (scenario s7) or S11's (s11: endpoint answering after delay, the
// queue sampled).
func (b *Bench) churnRun(scenario string, rep int, delay time.Duration) *Run {
	p := b.cfg.Params
	r := &Run{Scenario: scenario, Server: Herald, Rep: rep}
	rec, err := newSlowStateReceiver(delay)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	defer rec.Close()
	srv, err := startServerWith(Herald, b.cfg.Herald, b.cfg.ServerCPU, "", func(c map[string]any) {
		stateConfig(c, rec.URL(), s7VacatedDelay)
	})
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	a := []string{"churn", "--clients", itoa(p.S7Clients), "--channel", "st:churn",
		"--warmup", ftoa(p.S7Warmup), "--duration", ftoa(p.S7Duration), "--port", itoa(srv.Port),
		"--server-pid", itoa(srv.Pid), "--server-cpu", firstCPU(b.cfg.ServerCPU),
		"--loader-cpu", firstCPU(b.cfg.LoaderCPU)}
	r.Args = a
	var sampler *queueSampler
	if delay > 0 {
		sampler = startQueueSampler(srv.Port)
	}
	res, stderr, err := runLoader(b.cfg, a)
	churnEnd := time.Now()
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	if res == nil {
		res = map[string]any{}
	}
	subscribed, _ := lookup(res, "subscribed")
	expected := 2 * int(subscribed)
	evs := rec.waitFor(60*time.Second, func(evs []stateEvent) bool {
		return checkEvents(evs).Unique >= expected
	})
	if sampler != nil {
		sampler.Stop()
		res["endpoint_delay_ms"] = float64(delay.Milliseconds())
		res["max_queue_length"] = sampler.maxQueue
		res["max_oldest_undelivered_ms"] = sampler.maxOldestMs
		res["dropped"] = sampler.drop
		res["info_samples"] = float64(sampler.samples)
	}
	c := checkEvents(evs)
	_, requests := rec.snapshot()
	res["events_expected"] = float64(expected)
	res["events_unique"] = float64(c.Unique)
	res["events_redelivered"] = float64(c.Redelivered)
	res["order_violations"] = float64(c.OrderViolations)
	res["webhook_requests"] = float64(requests)
	if requests > 0 {
		res["events_per_request"] = float64(c.Unique+c.Redelivered) / float64(requests)
	}
	cycles, _ := lookup(res, "cycles_per_s")
	res["events_generated_per_s"] = 2 * cycles
	if span := c.Last.Sub(c.First).Seconds(); span > 0 {
		res["events_per_s"] = float64(c.Unique) / span
	}
	// 0 when the last event was in before the loader had finished (it waits for its own
	// last unsubscribe replies and closes its clients first).
	res["settle_s"] = max(0, c.Last.Sub(churnEnd).Seconds())
	if c.Unique < expected {
		r.Problems = append(r.Problems, fmt.Sprintf("%d of %d events never arrived (60 s)",
			expected-c.Unique, expected))
	}
	if c.OrderViolations > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d events out of order", c.OrderViolations))
	}
	if c.Occupied > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d channels left occupied", c.Occupied))
	}
	b.finishStateRun(r, res, stderr, srv)
	return r
}

// killOnce (S8): two nodes on one Redis with state events at their defaults (node lease 5 s,
// vacated_event_delay 5 s); clients on node B keep channel st:kill occupied; node B gets
// kill -9; the figure is the time until the vacated event (reason node_lost) arrives.
func (b *Bench) killOnce(rep int) *Run {
	p := b.cfg.Params
	r := &Run{Scenario: "s8", Server: Herald, Rep: rep}
	rec, err := newStateReceiver()
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	defer rec.Close()
	rd, err := startRedis(b.cfg.Redis, b.cfg.ServerCPU)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	defer func() { _ = rd.Stop() }()
	tweak := func(c map[string]any) { stateConfig(c, rec.URL(), "") }
	nodeA, err := startServerWith(Herald, b.cfg.Herald, b.cfg.ServerCPU, rd.Addr(), tweak)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	nodeB, err := startServerWith(Herald, b.cfg.Herald, b.cfg.ServerCPU, rd.Addr(), tweak)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		_ = nodeA.Stop()
		return r
	}
	// The loader holds its clients on node B (idle mode) while this goroutine watches.
	args := []string{"-c", b.cfg.LoaderCPU, b.cfg.Loader, "idle", "--channels", "one",
		"--channel", "st:kill", "--steps", itoa(p.S8Clients), "--idle", "120",
		"--port", itoa(nodeB.Port), "--server-pid", itoa(nodeB.Pid), "--max-runtime", "200"}
	r.Args = args[2:]
	loader := exec.Command("taskset", args...)
	loader.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var lerr syncBuffer
	loader.Stderr = &lerr
	if err := loader.Start(); err != nil {
		r.Problems = append(r.Problems, "loader: "+err.Error())
	}
	defer func() {
		if loader.Process != nil {
			_ = loader.Process.Kill()
			_ = loader.Wait()
		}
	}()
	occupied := func(evs []stateEvent) bool {
		for _, e := range evs {
			if e.Channel == "st:kill" && e.Type == "occupied" {
				return true
			}
		}
		return false
	}
	res := map[string]any{}
	if !occupied(rec.waitFor(60*time.Second, occupied)) {
		r.Problems = append(r.Problems, "no occupied event for st:kill within 60 s")
	} else {
		// Every client is in (the loader's log says so) before the kill.
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(lerr.String(), "idle clients ready") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		killed := time.Now()
		_ = syscall.Kill(nodeB.Pid, syscall.SIGKILL)
		vacated := func(evs []stateEvent) bool {
			for _, e := range evs {
				if e.Channel == "st:kill" && e.Type == "vacated" {
					return true
				}
			}
			return false
		}
		evs := rec.waitFor(90*time.Second, vacated)
		found := false
		for _, e := range evs {
			if e.Channel == "st:kill" && e.Type == "vacated" {
				found = true
				res["kill_to_vacated_s"] = e.At.Sub(killed).Seconds()
				res["reason"] = e.Reason
				if e.Reason != "node_lost" {
					r.Problems = append(r.Problems, "vacated with reason "+e.Reason+", not node_lost")
				}
				break
			}
		}
		if !found {
			r.Problems = append(r.Problems, "no vacated event within 90 s of kill -9")
		}
		c := checkEvents(evs)
		if c.OrderViolations > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%d events out of order", c.OrderViolations))
		}
	}
	res["node_lease_s"], res["vacated_event_delay_s"] = 5.0, 5.0
	_ = nodeB.Stop() // already dead: its "exited" error is the point of the run
	b.finishStateRun(r, res, lerr.String(), nodeA)
	return r
}

// finishStateRun stops the node that served the run and records what it logged.
func (b *Bench) finishStateRun(r *Run, res map[string]any, loaderLog string, srv *Proc) {
	if ps, ok := res["problems"].([]any); ok {
		for _, p := range ps {
			r.Problems = append(r.Problems, fmt.Sprint(p))
		}
	}
	if !srv.Alive() {
		r.Problems = append(r.Problems, srv.Name+" exited during the run")
	}
	if err := srv.Stop(); err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	for _, w := range srv.Warnings() {
		r.Problems = append(r.Problems, srv.Name+" logged: "+truncate(w, 300))
	}
	sort.Strings(r.Problems)
	if len(r.Problems) > 0 {
		r.ServerLog = srv.Tail()
		r.LoaderLogs = truncate(loaderLog, 4000)
	}
	r.Result = res
	r.Limit, r.Disturbed = judge(res)
}

// syncBuffer collects a child's output while other goroutines read it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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
