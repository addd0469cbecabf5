// Scenario idle: herald's resident memory with 0 and with N idle clients, each subscribed to
// two channels and answering server pings.
package main

import (
	"flag"
	"fmt"
	"time"
)

func runIdle(args []string, c *common) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	clients := fs.Int("clients", 10000, "idle connections")
	channels := fs.String("channels", "shared",
		"shared: every client subscribes to bench:a and bench:b; "+
			"own: bench:a and a channel of its own (N+1 channels)")
	idle := fs.Duration("idle", 12*time.Second, "idle time with all clients connected")
	ping := fs.String("ping", "5s", "client.ping_interval: pings answered during -idle")
	pongTimeout := fs.String("pong", "3s", "client.pong_timeout")
	rounds := fs.Int("rounds", 2, "connect, idle and close this many times (growth check)")
	// Longer than client.presence_update_interval (27 s): a closed connection's actor lives
	// until its pending timers have fired, so earlier the next round sees it as growth.
	settle := fs.Duration("settle", 30*time.Second, "wait after the clients closed, then measure")
	parse(fs, args, c)
	var subsOf func(int) []string
	switch *channels {
	case "shared":
		subsOf = func(int) []string { return []string{"bench:a", "bench:b"} }
	case "own":
		subsOf = func(i int) []string { return []string{"bench:a", fmt.Sprintf("bench:c%d", i)} }
	default:
		return fmt.Errorf("-channels: want shared or own, got %q", *channels)
	}

	h, err := launch(c, heraldConfig(*ping, *pongTimeout))
	if err != nil {
		return err
	}
	api := newPublisher(h.BaseURL(), 1)
	defer api.Close()
	// Warm the API path and let startup allocations settle before the baseline.
	if _, err := api.Info(); err != nil {
		h.Kill()
		return err
	}
	time.Sleep(time.Second)
	m0, err := h.Memory()
	if err != nil {
		h.Kill()
		return err
	}
	fmt.Printf("baseline (0 clients): VmRSS %s, RssAnon %s\n", kib(m0.RSS), kib(m0.Anon))

	var problems []string
	var peak1 Memory
	for round := 1; round <= *rounds; round++ {
		m, err := idleRound(h, api, c, *clients, *channels, subsOf, *idle, *settle, m0, round == 1)
		if err != nil {
			h.Kill()
			return err
		}
		problems = append(problems, m.problems...)
		if round == 1 {
			peak1 = m.withClients
		} else {
			// Same load again: growth past round 1 is memory not reused (a leak or
			// fragmentation), not connection state.
			fmt.Printf("RESULT idle round %d: VmRSS with clients %s, %+d KiB vs round 1\n",
				round, kib(m.withClients.RSS), m.withClients.RSS-peak1.RSS)
		}
	}
	return finish(h, problems)
}

type roundResult struct {
	withClients Memory
	problems    []string
}

// idleRound connects every client, idles, measures, closes them all and waits until the
// node counts no client.
func idleRound(h *Herald, api *Publisher, c *common, clients int, channels string,
	subsOf func(int) []string, idle, settle time.Duration, m0 Memory,
	report bool) (roundResult, error) {
	var r roundResult
	tcp0, slab0 := tcpMemPages(), slabKiB()
	var totals Totals
	start := time.Now()
	cs, err := connectAll(h.WSURL(), clients, c.parallel, subsOf, &totals, false)
	if err != nil {
		return r, err
	}
	fmt.Printf("%d clients connected and subscribed (%s channels) in %v\n", clients, channels,
		time.Since(start).Round(time.Millisecond))
	counts, err := api.Info()
	if err != nil {
		r.problems = append(r.problems, err.Error())
	}
	fmt.Printf("server info: clients %d, subscriptions %d, channels %d\n", counts.Clients,
		counts.Subs, counts.Channels)
	if counts.Clients != clients || counts.Subs != 2*clients {
		r.problems = append(r.problems, "server counts differ from the clients connected")
	}
	m1, _ := h.Memory()
	fmt.Printf("right after connecting: VmRSS %s\n", kib(m1.RSS))

	time.Sleep(idle)
	m2, _ := h.Memory()
	tcp2, slab2 := tcpMemPages(), slabKiB()
	r.withClients = m2
	minPings := int64(-1)
	for _, cl := range cs {
		if p := cl.pings.Load(); minPings < 0 || p < minPings {
			minPings = p
		}
	}
	fmt.Printf("after %v idle: VmRSS %s, RssAnon %s; pings answered %d (min %d per client)\n",
		idle, kib(m2.RSS), kib(m2.Anon), totals.Pings.Load(), minPings)
	if lost := lostClients(cs); len(lost) > 0 {
		r.problems = append(r.problems, fmt.Sprintf("connections lost while idle: %v", lost))
	}
	if report {
		n := float64(clients)
		fmt.Printf("RESULT idle channels=%s clients=%d rss_delta=%s per_connection_rss=%.0f B "+
			"per_connection_anon=%.0f B\n", channels, clients, kib(m2.RSS-m0.RSS),
			float64(m2.RSS-m0.RSS)*1024/n, float64(m2.Anon-m0.Anon)*1024/n)
		// Kernel figures are machine-wide and hold both ends of every loopback connection.
		fmt.Printf("RESULT idle kernel (both ends, machine-wide): tcp_buffer_delta=%d pages, "+
			"slab_delta=%s (%.0f B per connection)\n", tcp2-tcp0, kib(slab2-slab0),
			float64(slab2-slab0)*1024/n)
	}

	closeAll(cs)
	after, err := api.awaitClients(0, 10*time.Second)
	if err != nil || after.Clients != 0 {
		r.problems = append(r.problems, fmt.Sprintf("node still counts %d clients 10 s after "+
			"they closed (%v)", after.Clients, err))
	}
	time.Sleep(settle)
	m3, _ := h.Memory()
	fmt.Printf("%v after all clients closed: VmRSS %s\n", settle, kib(m3.RSS))
	return r, nil
}
