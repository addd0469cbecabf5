// Scenario latency: N subscribers of one channel, publications at a fixed moderate rate, each
// carrying its send time; every client records receive time minus send time.
package main

import (
	"flag"
	"fmt"
	"time"
)

func runLatency(args []string, c *common) error {
	fs := flag.NewFlagSet("latency", flag.ExitOnError)
	clients := fs.Int("clients", 1000, "subscribers of the channel")
	channel := fs.String("channel", "bench:lat", "the channel")
	rate := fs.Int("rate", 20, "publications per second")
	duration := fs.Duration("duration", 20*time.Second, "publishing time")
	drain := fs.Duration("drain", 10*time.Second, "wait for the last deliveries at most")
	parse(fs, args, c)
	if *rate <= 0 {
		return fmt.Errorf("-rate must be positive")
	}

	h, err := launch(c, heraldConfig("25s", "8s"))
	if err != nil {
		return err
	}
	api := newPublisher(h.BaseURL(), 1)
	defer api.Close()
	var totals Totals
	cs, err := connectAll(h.WSURL(), *clients, c.parallel,
		func(int) []string { return []string{*channel} }, &totals, true)
	if err != nil {
		h.Kill()
		return err
	}
	fmt.Printf("%d clients subscribed to %s\n", *clients, *channel)
	var problems []string

	// One publisher on a fixed schedule: a late publish does not make the next ones burst.
	total := int(int64(*rate) * int64(*duration) / int64(time.Second))
	interval := time.Second / time.Duration(*rate)
	rtts := make([]time.Duration, 0, total)
	s0 := takeSample(h, &totals)
	start := time.Now()
	for i := 0; i < total; i++ {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		rtt, err := api.Publish(*channel, int64(i+1))
		if err != nil {
			problems = append(problems, err.Error())
			break
		}
		rtts = append(rtts, rtt)
	}
	s1 := takeSample(h, &totals)
	sent := int64(len(rtts))
	elapsed := s1.at.Sub(s0.at).Seconds()
	fmt.Printf("published %d in %.2f s (%.1f/s), %.0f deliveries/s, %.1f pushes per frame\n",
		sent, elapsed, float64(sent)/elapsed, float64(s1.pushes-s0.pushes)/elapsed,
		float64(s1.pushes-s0.pushes)/float64(max(s1.frames-s0.frames, 1)))
	fmt.Printf("CPU while publishing: herald %.0f%% of one core, loadgen %.0f%%; busy %s\n",
		100*(s1.herald-s0.herald).Seconds()/elapsed, 100*(s1.self-s0.self).Seconds()/elapsed,
		busyPercent(s0.cores, s1.cores))

	want := sent * int64(*clients)
	drainStart := time.Now()
	for totals.Pushes.Load() < want && time.Since(drainStart) < *drain {
		time.Sleep(10 * time.Millisecond)
	}
	if got := totals.Pushes.Load(); got != want {
		problems = append(problems, fmt.Sprintf("deliveries %d, want %d", got, want))
	}
	if lost := lostClients(cs); len(lost) > 0 {
		problems = append(problems, fmt.Sprintf("connections lost: %v", lost))
	}
	closeAll(cs) // the read goroutines are done: their samples may be read
	var all []time.Duration
	for _, cl := range cs {
		all = append(all, cl.samples...)
	}
	fmt.Printf("RESULT latency clients=%d rate=%d/s publish_to_receive %s\n", *clients, *rate,
		summarize(all))
	fmt.Printf("RESULT latency http_publish_round_trip %s\n", summarize(rtts))
	return finish(h, problems)
}
