// loadgen runs one benchmark scenario against a herald binary it starts itself:
//
//	loadgen idle    -herald BIN   memory per idle connection with two subscriptions
//	loadgen fanout  -herald BIN   deliveries per second, one channel, many subscribers
//	loadgen latency -herald BIN   publish-to-receive latency at a moderate rate
//
// Traffic goes to 127.0.0.1 only; every wait is bounded and a watchdog ends the run (and
// herald) after -max-runtime. Exit status 1 when the run saw a failure (lost connections or
// publications, herald errors), 2 for bad usage, 3 when the watchdog fired.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// common are the flags of every scenario.
type common struct {
	herald     string
	serverCPU  string
	parallel   int
	maxRuntime time.Duration
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.herald, "herald", "", "herald binary (required)")
	fs.StringVar(&c.serverCPU, "server-cpu", "0", "taskset CPU list for herald; empty: no pinning")
	fs.IntVar(&c.parallel, "parallel", 64, "connection setups in flight")
	fs.DurationVar(&c.maxRuntime, "max-runtime", 5*time.Minute, "watchdog: end everything after")
}

var (
	running   *Herald // the process the watchdog and signals must not leave behind
	runningMu sync.Mutex
)

func track(h *Herald) {
	runningMu.Lock()
	running = h
	runningMu.Unlock()
}

func abort(code int, why string) {
	runningMu.Lock()
	if running != nil {
		running.Kill()
	}
	runningMu.Unlock()
	fmt.Fprintln(os.Stderr, "loadgen:", why)
	os.Exit(code)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen idle|fanout|latency -herald BIN [flags]; "+
		"loadgen SCENARIO -h for the flags")
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	scenarios := map[string]func(args []string, c *common) error{
		"idle": runIdle, "fanout": runFanout, "latency": runLatency,
	}
	run, ok := scenarios[os.Args[1]]
	if !ok {
		usage()
	}
	var c common
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { abort(1, fmt.Sprint("signal ", <-sig)) }()

	fmt.Printf("loadgen %s: GOMAXPROCS=%d, load average %s\n", os.Args[1],
		runtime.GOMAXPROCS(0), loadAvg())
	if err := run(os.Args[2:], &c); err != nil {
		abort(1, err.Error())
	}
}

// parse registers the common flags on fs, parses args, checks them and arms the watchdog.
func parse(fs *flag.FlagSet, args []string, c *common) {
	c.register(fs)
	_ = fs.Parse(args)
	if c.herald == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "loadgen: -herald is required and takes no other arguments")
		os.Exit(2)
	}
	time.AfterFunc(c.maxRuntime, func() { abort(3, "watchdog: -max-runtime reached") })
}

// launch starts herald for a scenario and puts it under the watchdog.
func launch(c *common, cfg map[string]any) (*Herald, error) {
	h, err := startHerald(c.herald, c.serverCPU, cfg)
	if err != nil {
		return nil, err
	}
	track(h)
	fmt.Printf("herald pid %d on %s, pinned to CPU %q\n", h.Pid, h.Addr(), c.serverCPU)
	return h, nil
}

// finish stops herald and turns what went wrong during the run into the exit status.
func finish(h *Herald, problems []string) error {
	if !h.Alive() {
		problems = append(problems, "herald exited during the run")
	}
	if err := h.Stop(); err != nil {
		problems = append(problems, err.Error())
	}
	track(nil)
	if n := h.Warnings(); n > 0 {
		problems = append(problems, fmt.Sprintf("herald logged %d warnings/errors", n))
	}
	if len(problems) == 0 {
		return nil
	}
	fmt.Printf("herald log (tail):\n%s\n", h.Tail())
	return fmt.Errorf("problems: %v", problems)
}
