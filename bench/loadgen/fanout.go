// Scenario fanout: N clients subscribed to one channel; publishers keep a bounded number of
// publications ahead of what the clients have received, so herald always has work queued but
// its queues stay bounded; deliveries per second are counted at the clients.
package main

import (
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type sample struct {
	at             time.Time
	pushes, frames int64
	herald, self   time.Duration
	cores          map[int]CoreTimes
}

func takeSample(h *Herald, t *Totals) sample {
	return sample{at: time.Now(), pushes: t.Pushes.Load(), frames: t.Frames.Load(),
		herald: h.CPUTime(), self: selfCPU(), cores: coreTimes()}
}

func runFanout(args []string, c *common) error {
	fs := flag.NewFlagSet("fanout", flag.ExitOnError)
	clients := fs.Int("clients", 10000, "subscribers of the channel")
	channel := fs.String("channel", "bench:fan", "the channel")
	window := fs.Int64("window", 20, "publications allowed ahead of the average subscriber")
	publishers := fs.Int("publishers", 2, "concurrent HTTP publish requests (keep-alive)")
	warmup := fs.Duration("warmup", 3*time.Second, "publishing before the measured window")
	duration := fs.Duration("duration", 10*time.Second, "measured window")
	drain := fs.Duration("drain", 30*time.Second, "wait for the last deliveries at most")
	parse(fs, args, c)
	n := int64(*clients)

	h, err := launch(c, heraldConfig("25s", "8s"))
	if err != nil {
		return err
	}
	api := newPublisher(h.BaseURL(), *publishers)
	defer api.Close()
	var totals Totals
	start := time.Now()
	cs, err := connectAll(h.WSURL(), *clients, c.parallel,
		func(int) []string { return []string{*channel} }, &totals, false)
	if err != nil {
		h.Kill()
		return err
	}
	fmt.Printf("%d clients subscribed to %s in %v\n", *clients, *channel,
		time.Since(start).Round(time.Millisecond))
	var problems []string
	if counts, err := api.Info(); err != nil || counts.Clients != *clients {
		problems = append(problems, fmt.Sprintf("server info: %+v %v", counts, err))
	}

	var (
		published atomic.Int64
		stop      atomic.Bool
		wg        sync.WaitGroup
		errMu     sync.Mutex
		pubErr    error
	)
	for p := 0; p < *publishers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				k := published.Load()
				if k-totals.Pushes.Load()/n >= *window {
					time.Sleep(200 * time.Microsecond)
					continue
				}
				if !published.CompareAndSwap(k, k+1) {
					continue
				}
				if _, err := api.Publish(*channel, k+1); err != nil {
					errMu.Lock()
					pubErr = err
					errMu.Unlock()
					stop.Store(true)
					return
				}
			}
		}()
	}
	time.Sleep(*warmup)
	s0 := takeSample(h, &totals)
	time.Sleep(*duration)
	s1 := takeSample(h, &totals)
	stop.Store(true)
	wg.Wait()
	if pubErr != nil {
		problems = append(problems, pubErr.Error())
	}

	want := published.Load() * n
	drainStart := time.Now()
	for totals.Pushes.Load() < want && time.Since(drainStart) < *drain {
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := s1.at.Sub(s0.at).Seconds()
	deliveries := s1.pushes - s0.pushes
	fmt.Printf("published %d; deliveries received %d of %d after a %v drain\n",
		published.Load(), totals.Pushes.Load(), want, time.Since(drainStart).Round(time.Millisecond))
	fmt.Printf("measured window %.2f s: %d deliveries in %d frames (%.1f pushes per frame)\n",
		elapsed, deliveries, s1.frames-s0.frames,
		float64(deliveries)/float64(max(s1.frames-s0.frames, 1)))
	fmt.Printf("CPU in the window: herald %.0f%% of one core, loadgen %.0f%%; busy %s\n",
		100*(s1.herald-s0.herald).Seconds()/elapsed, 100*(s1.self-s0.self).Seconds()/elapsed,
		busyPercent(s0.cores, s1.cores))
	fmt.Printf("RESULT fanout clients=%d deliveries_per_s=%.0f publications_per_s=%.1f\n",
		*clients, float64(deliveries)/elapsed, float64(deliveries)/float64(n)/elapsed)

	short, extra := 0, 0
	for _, cl := range cs {
		switch got := cl.pushes.Load(); {
		case got < published.Load():
			short++
		case got > published.Load():
			extra++
		}
	}
	if short > 0 || extra > 0 {
		problems = append(problems, fmt.Sprintf("%d clients missed publications, %d got "+
			"more than published", short, extra))
	}
	if lost := lostClients(cs); len(lost) > 0 {
		problems = append(problems, fmt.Sprintf("connections lost: %v", lost))
	}
	closeAll(cs)
	return finish(h, problems)
}
