// compare runs the side-by-side benchmark: every scenario against Herald and Centrifugo with
// the same config, the same C++ loader (bench/loader), the same payload and the same pinning
// (servers on -server-cpu, loader on -loader-cpu), runs alternating Herald, Centrifugo, Herald,
// Centrifugo... It writes bench/results/<timestamp>.json, a markdown table for
// docs/benchmarks.md and gnuplot PNGs. bench/run.sh builds everything and calls it.
//
// Exit status: 0; 1 when a run saw a failure (listed in the results); 2 on usage errors; 3 when
// the watchdog (-max-runtime) fired.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Params are the counts and times of one mode.
type Params struct {
	Reps          int       `json:"reps"`
	S1Clients     int       `json:"s1_clients"`
	S1Concurrency int       `json:"s1_concurrency"`
	S2Steps       []int     `json:"s2_steps"`
	S2Idle        float64   `json:"s2_idle_s"`
	S2Reps        int       `json:"s2_reps"`
	S3Clients     int       `json:"s3_clients"`
	S3Warmup      float64   `json:"s3_warmup_s"`
	S3Duration    float64   `json:"s3_duration_s"`
	S3Window      int       `json:"s3_window"`
	S3Publishers  int       `json:"s3_publishers"`
	S4Conns       int       `json:"s4_conns"`
	S4Batch       int       `json:"s4_batch"`
	S4Warmup      float64   `json:"s4_warmup_s"`
	S4Duration    float64   `json:"s4_duration_s"`
	S5Fractions   []float64 `json:"s5_fractions"`
	S5Duration    float64   `json:"s5_duration_s"`
	S5Reps        int       `json:"s5_reps"`
	S6Clients     int       `json:"s6_clients"`
	S6Reps        int       `json:"s6_reps"`
	S7Clients     int       `json:"s7_clients"`
	S7Warmup      float64   `json:"s7_warmup_s"`
	S7Duration    float64   `json:"s7_duration_s"`
	S8Clients     int       `json:"s8_clients"`
	S8Reps        int       `json:"s8_reps"`
}

var modes = map[string]Params{
	"quick": {Reps: 1, S1Clients: 1000, S1Concurrency: 100, S2Steps: []int{0, 1000, 2000},
		S2Idle: 2, S2Reps: 1, S3Clients: 2000, S3Warmup: 1, S3Duration: 3, S3Window: 20,
		S3Publishers: 2, S4Conns: 2, S4Batch: 50, S4Warmup: 0.5, S4Duration: 2,
		S5Fractions: []float64{0.1, 0.5, 0.8}, S5Duration: 3, S5Reps: 1, S6Clients: 2000, S6Reps: 1,
		S7Clients: 200, S7Warmup: 1, S7Duration: 3, S8Clients: 100, S8Reps: 1},
	"full": {Reps: 3, S1Clients: 10000, S1Concurrency: 200,
		S2Steps: []int{0, 2000, 4000, 6000, 8000, 10000}, S2Idle: 6, S2Reps: 2, S3Clients: 10000,
		S3Warmup: 3, S3Duration: 10, S3Window: 20, S3Publishers: 2, S4Conns: 4, S4Batch: 100,
		S4Warmup: 2, S4Duration: 8, S5Fractions: []float64{0.1, 0.5, 0.8}, S5Duration: 15,
		S5Reps: 2, S6Clients: 10000, S6Reps: 2, S7Clients: 1000, S7Warmup: 2, S7Duration: 10,
		S8Clients: 1000, S8Reps: 3},
}

// Config is what the command line says.
type Config struct {
	Mode       string
	Params     Params
	Herald     string
	HeraldNote string
	Centrifugo string
	Loader     string
	Redis      string
	ServerCPU  string
	LoaderCPU  string
	Only       map[string]bool
	OutDir     string
	Command    string
	MaxRuntime time.Duration
	S5Max      float64
}

// Run is one loader run against one server.
type Run struct {
	Scenario   string         `json:"scenario"`
	Variant    string         `json:"variant,omitempty"`
	Server     string         `json:"server"`
	Rep        int            `json:"rep"`
	Args       []string       `json:"loader_args"`
	Result     map[string]any `json:"result"`
	Problems   []string       `json:"problems,omitempty"`
	Limit      string         `json:"limit"`
	Disturbed  string         `json:"disturbed,omitempty"`
	Seconds    float64        `json:"seconds"`
	ServerLog  string         `json:"server_log_tail,omitempty"`
	LoaderLogs string         `json:"loader_stderr,omitempty"`
}

// Skipped is a scenario not measured, and why.
type Skipped struct {
	Scenario string `json:"scenario"`
	Reason   string `json:"reason"`
}

var scenarios = []string{"s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"}

func main() {
	var cfg Config
	var only string
	var reps int
	flag.StringVar(&cfg.Mode, "mode", "full", "quick or full")
	flag.StringVar(&cfg.Herald, "herald", "", "herald binary (required)")
	flag.StringVar(&cfg.HeraldNote, "herald-build", "", "how the herald binary was built (for the record)")
	flag.StringVar(&cfg.Centrifugo, "centrifugo", "", "centrifugo binary (empty: Herald only, said in the results)")
	flag.StringVar(&cfg.Loader, "loader", "", "bench/loader binary (required)")
	flag.StringVar(&cfg.Redis, "redis", "", "redis-server binary for S6 (empty: S6 skipped)")
	flag.StringVar(&cfg.ServerCPU, "server-cpu", "0", "taskset CPU of the servers (and Redis)")
	flag.StringVar(&cfg.LoaderCPU, "loader-cpu", "1", "taskset CPU of the loader")
	flag.StringVar(&only, "only", "", "comma-separated scenarios (s1..s10); default all")
	flag.IntVar(&reps, "reps", 0, "repetitions per server (0: the mode's)")
	flag.StringVar(&cfg.OutDir, "out", "bench/results", "results directory")
	flag.StringVar(&cfg.Command, "command", "", "the command line to record")
	flag.DurationVar(&cfg.MaxRuntime, "max-runtime", 0, "watchdog (0: 15 min quick, 75 min full)")
	flag.Float64Var(&cfg.S5Max, "s5-max", 0, "S5: deliveries/s taken as 100% when S3 is not run")
	flag.Parse()
	p, ok := modes[cfg.Mode]
	if !ok || cfg.Herald == "" || cfg.Loader == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: compare -mode quick|full -herald BIN -loader BIN "+
			"[-centrifugo BIN] [-redis BIN] [-only s1,s3] [-reps N] [-out DIR]")
		os.Exit(2)
	}
	if reps > 0 {
		p.Reps, p.S2Reps, p.S5Reps, p.S6Reps = reps, reps, reps, reps
	}
	cfg.Params = p
	cfg.Only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			cfg.Only[s] = true
		}
	}
	if cfg.MaxRuntime == 0 {
		cfg.MaxRuntime = 15 * time.Minute
		if cfg.Mode == "full" {
			cfg.MaxRuntime = 75 * time.Minute
		}
	}
	if cfg.Command == "" {
		cfg.Command = strings.Join(os.Args, " ")
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		killAll()
		fmt.Fprintf(os.Stderr, "compare: %v: stopped every process started\n", s)
		os.Exit(1)
	}()
	time.AfterFunc(cfg.MaxRuntime, func() {
		killAll()
		fmt.Fprintf(os.Stderr, "compare: watchdog: -max-runtime %v reached\n", cfg.MaxRuntime)
		os.Exit(3)
	})

	b := newBench(cfg)
	b.run()
	code := b.report()
	os.Exit(code)
}

// Bench holds the runs of one invocation.
type Bench struct {
	cfg     Config
	servers []string
	runs    []*Run
	skipped []Skipped
	started time.Time
	meta    map[string]any
	s3max   map[string]float64
	s6max   map[string]float64 // S10's rates are fractions of it
}

func newBench(cfg Config) *Bench {
	b := &Bench{cfg: cfg, servers: []string{Herald}, started: time.Now(), s3max: map[string]float64{},
		s6max: map[string]float64{}}
	if cfg.Centrifugo != "" {
		b.servers = append(b.servers, Centrifugo)
	}
	b.meta = machineMeta(cfg)
	return b
}

func (b *Bench) want(s string) bool { return len(b.cfg.Only) == 0 || b.cfg.Only[s] }

func (b *Bench) run() {
	fmt.Printf("bench: mode %s, servers %s on CPU %s, loader on CPU %s, load average %s\n",
		b.cfg.Mode, strings.Join(b.servers, " + "), b.cfg.ServerCPU, b.cfg.LoaderCPU, loadAvg())
	if b.cfg.Centrifugo == "" {
		fmt.Println("bench: NOTE no Centrifugo binary: Herald alone, no ratios")
	}
	p := b.cfg.Params
	if b.want("s1") {
		b.scenario("s1", "", p.Reps, func(srv *Proc) []string {
			return []string{"connect", "--clients", itoa(p.S1Clients), "--concurrency",
				itoa(p.S1Concurrency), "--channel", "bench:storm"}
		}, nil)
	}
	if b.want("s2") {
		steps := make([]string, len(p.S2Steps))
		for i, s := range p.S2Steps {
			steps[i] = itoa(s)
		}
		b.scenario("s2", "", p.S2Reps, func(srv *Proc) []string {
			return []string{"idle", "--channels", "shared", "--steps", strings.Join(steps, ","),
				"--idle", ftoa(p.S2Idle), "--concurrency", "200"}
		}, nil)
	}
	if b.want("s3") {
		b.scenario("s3", "", p.Reps, func(srv *Proc) []string {
			return []string{"fanout", "--clients", itoa(p.S3Clients), "--channel", "bench:fan",
				"--window", itoa(p.S3Window), "--publishers", itoa(p.S3Publishers), "--warmup",
				ftoa(p.S3Warmup), "--duration", ftoa(p.S3Duration)}
		}, nil)
		for _, srv := range b.servers {
			b.s3max[srv] = b.median("s3", "", srv, "deliveries_per_s")
		}
	}
	if b.want("s4") {
		b.apiScenario("s4", nil)
	}
	if b.want("s5") {
		b.scenario("s5", "", p.S5Reps, func(srv *Proc) []string {
			max := b.s3max[srv.Name]
			if max <= 0 {
				max = b.cfg.S5Max
			}
			if max <= 0 {
				max = 50000
			}
			var rates []string
			for _, f := range p.S5Fractions {
				rates = append(rates, fmt.Sprintf("%.3f", f*max/float64(p.S3Clients)))
			}
			return []string{"latency", "--clients", itoa(p.S3Clients), "--channel", "bench:lat",
				"--rates", strings.Join(rates, ","), "--duration", ftoa(p.S5Duration)}
		}, nil)
	}
	if b.want("s6") {
		if b.cfg.Redis == "" {
			b.skip("s6", "no redis-server binary (bench/run.sh installs the redis-server package)")
		} else {
			b.scenario("s6", "", p.S6Reps, func(srv *Proc) []string {
				return []string{"fanout", "--clients", itoa(p.S6Clients), "--channel", "bench:fan",
					"--window", itoa(p.S3Window), "--publishers", itoa(p.S3Publishers),
					"--warmup", ftoa(p.S3Warmup), "--duration", ftoa(p.S3Duration)}
			}, &redisTopology{})
			for _, srv := range b.servers {
				b.s6max[srv] = b.median("s6", "", srv, "deliveries_per_s")
			}
		}
	}
	// S9: the server API of the second node publishing through Redis (nobody subscribed):
	// what one Redis carries with the engine's pipelining, everything server-side on one core.
	if b.want("s9") {
		if b.cfg.Redis == "" {
			b.skip("s9", "no redis-server binary (bench/run.sh installs the redis-server package)")
		} else {
			b.apiScenario("s9", &redisTopology{})
		}
	}
	// S10: S5 across nodes: subscribers on the first node, publications through the second
	// node's API and Redis, at fractions of the S6 maximum.
	if b.want("s10") {
		if b.cfg.Redis == "" {
			b.skip("s10", "no redis-server binary (bench/run.sh installs the redis-server package)")
		} else {
			b.scenario("s10", "", p.S5Reps, func(srv *Proc) []string {
				max := b.s6max[srv.Name]
				if max <= 0 {
					max = b.s3max[srv.Name] / 2
				}
				if max <= 0 {
					max = 50000
				}
				var rates []string
				for _, f := range p.S5Fractions {
					rates = append(rates, fmt.Sprintf("%.3f", f*max/float64(p.S6Clients)))
				}
				return []string{"latency", "--clients", itoa(p.S6Clients), "--channel", "bench:lat",
					"--rates", strings.Join(rates, ","), "--duration", ftoa(p.S5Duration)}
			}, &redisTopology{})
		}
	}
	// S7 and S8: Herald only (Centrifugo OSS has no channel state events).
	if b.want("s7") {
		b.stateScenario("s7", p.Reps, b.churnOnce)
	}
	if b.want("s8") {
		if b.cfg.Redis == "" {
			b.skip("s8", "no redis-server binary (bench/run.sh installs the redis-server package)")
		} else {
			b.stateScenario("s8", p.S8Reps, b.killOnce)
		}
	}
	if b.want("s11") {
		b.stateScenario("s11", p.S8Reps, b.slowEndpointOnce)
	}
}

// apiScenario runs S4's server API publishes (single, then batch) as scenario s.
func (b *Bench) apiScenario(s string, topo *redisTopology) {
	p := b.cfg.Params
	for _, batch := range []int{1, p.S4Batch} {
		variant := "single"
		if batch > 1 {
			variant = "batch"
		}
		b.scenario(s, variant, p.Reps, func(srv *Proc) []string {
			return []string{"api", "--conns", itoa(p.S4Conns), "--batch", itoa(batch),
				"--channel", "bench:api", "--warmup", ftoa(p.S4Warmup), "--duration",
				ftoa(p.S4Duration)}
		}, topo)
	}
}

func (b *Bench) skip(s, why string) {
	fmt.Printf("\n[%s] SKIPPED: %s\n", strings.ToUpper(s), why)
	b.skipped = append(b.skipped, Skipped{s, why})
}

// redisTopology (S6): a fresh redis-server, two nodes of the server on it; subscribers on
// node A, publications through node B's server API. All three on the server CPU.
type redisTopology struct {
	redis, nodeB *Proc
}

// scenario runs one scenario reps times per server, alternating servers.
func (b *Bench) scenario(s, variant string, reps int, args func(srv *Proc) []string,
	topo *redisTopology) {
	title := strings.ToUpper(s) + " " + scenarioTitle[s]
	if variant != "" {
		title += " (" + variant + ")"
	}
	fmt.Printf("\n[%s]\n", title)
	for rep := 1; rep <= reps; rep++ {
		for _, kind := range b.servers {
			b.record(b.once(s, variant, kind, rep, args, topo))
		}
	}
}

// record keeps a finished run and prints it.
func (b *Bench) record(r *Run) {
	b.runs = append(b.runs, r)
	fmt.Printf("  rep %d %-10s %s  [%.0f s]\n", r.Rep, r.Server, headline(r), r.Seconds)
	for _, pr := range r.Problems {
		fmt.Printf("    PROBLEM: %s\n", pr)
	}
	if r.Limit == "loader" {
		fmt.Printf("    LOADER-LIMITED: the loader, not the server, was the limit of this run\n")
	}
	if r.Disturbed != "" {
		fmt.Printf("    disturbed: %s\n", r.Disturbed)
	}
}

func (b *Bench) once(s, variant, kind string, rep int, args func(srv *Proc) []string,
	topo *redisTopology) *Run {
	start := time.Now()
	r := &Run{Scenario: s, Variant: variant, Server: kind, Rep: rep}
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	bin := b.cfg.Herald
	if kind == Centrifugo {
		bin = b.cfg.Centrifugo
	}
	var procs []*Proc
	stopAll := func() {
		for i := len(procs) - 1; i >= 0; i-- {
			if err := procs[i].Stop(); err != nil {
				r.Problems = append(r.Problems, err.Error())
			}
		}
	}
	redisAddr := ""
	if topo != nil {
		rd, err := startRedis(b.cfg.Redis, b.cfg.ServerCPU)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
			return r
		}
		procs = append(procs, rd)
		redisAddr = rd.Addr()
	}
	srv, err := startServer(kind, bin, b.cfg.ServerCPU, redisAddr)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		stopAll()
		return r
	}
	procs = append(procs, srv)
	a := args(srv)
	a = append(a, "--port", itoa(srv.Port), "--server-pid", itoa(srv.Pid),
		"--server-cpu", firstCPU(b.cfg.ServerCPU), "--loader-cpu", firstCPU(b.cfg.LoaderCPU))
	if topo != nil {
		nodeB, err := startServer(kind, bin, b.cfg.ServerCPU, redisAddr)
		if err != nil {
			r.Problems = append(r.Problems, err.Error())
			stopAll()
			return r
		}
		procs = append(procs, nodeB)
		a = append(a, "--api-port", itoa(nodeB.Port), "--extra-pids",
			itoa(nodeB.Pid)+","+itoa(procs[0].Pid))
	}
	r.Args = a
	res, stderr, err := runLoader(b.cfg, a)
	r.Result = res
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	if res != nil {
		if ps, ok := res["problems"].([]any); ok {
			for _, p := range ps {
				r.Problems = append(r.Problems, fmt.Sprint(p))
			}
		}
	}
	for _, p := range procs {
		if !p.Alive() {
			r.Problems = append(r.Problems, p.Name+" exited during the run")
		}
	}
	stopAll()
	for _, p := range procs {
		for _, w := range p.Warnings() {
			r.Problems = append(r.Problems, p.Name+" logged: "+truncate(w, 300))
		}
	}
	if len(r.Problems) > 0 {
		r.ServerLog = srv.Tail()
		r.LoaderLogs = truncate(stderr, 4000)
	}
	r.Limit, r.Disturbed = judge(res)
	return r
}

// runLoader runs the loader pinned to the loader CPU; its last stdout line is the result.
func runLoader(cfg Config, args []string) (map[string]any, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	argv := append([]string{"-c", cfg.LoaderCPU, cfg.Loader}, args...)
	argv = append(argv, "--max-runtime", "600")
	cmd := exec.CommandContext(ctx, "taskset", argv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err := cmd.Run()
	var res map[string]any
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; strings.HasPrefix(last, "{") {
		if jerr := json.Unmarshal([]byte(last), &res); jerr != nil {
			return nil, errb.String(), fmt.Errorf("loader output: %v", jerr)
		}
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 && res != nil {
			return res, errb.String(), nil // problems are listed in the result
		}
		return res, errb.String(), fmt.Errorf("loader: %v: %s", err,
			truncate(strings.TrimSpace(errb.String()), 500))
	}
	return res, errb.String(), nil
}

// judge tells which side was the limit of a run, from its (main) measured window, and
// whether other processes used the cores in the window.
func judge(res map[string]any) (limit, disturbed string) {
	if res == nil {
		return "", ""
	}
	w := res
	if ph, ok := res["phases"].([]any); ok && len(ph) > 0 {
		w, _ = ph[len(ph)-1].(map[string]any)
	}
	get := func(k string) float64 { v, _ := w[k].(float64); return v }
	loaderProc, loaderCore := get("loader_cpu_pct"), get("loader_core_busy_pct")
	serverProc, serverCore := get("server_cpu_pct"), get("server_core_busy_pct")
	switch {
	case loaderProc > 90:
		limit = "loader"
	case serverProc > 90 || (serverCore > 90 && loaderCore <= 90):
		limit = "server"
	case loaderCore > 90:
		limit = "loader core (busy, not only the loader)"
	default:
		limit = "neither (below saturation)"
	}
	var d []string
	if other := serverCore - serverProc - get("server_core_softirq_pct"); other > 10 {
		d = append(d, fmt.Sprintf("server core %.0f%% busy beyond the server and softirq", other))
	}
	if other := loaderCore - loaderProc - get("loader_core_softirq_pct"); other > 10 {
		d = append(d, fmt.Sprintf("loader core %.0f%% busy beyond the loader and softirq", other))
	}
	return limit, strings.Join(d, "; ")
}

var scenarioTitle = map[string]string{
	"s1": "connect storm", "s2": "idle memory per connection", "s3": "fan-out, one channel",
	"s4": "server API publishes", "s5": "publish-to-receive latency",
	"s6": "fan-out across two nodes on Redis", "s7": "channel state events",
	"s8":  "kill -9 to vacated", "s11": "state events to a slow endpoint",
	"s9":  "server API publishes through Redis (two nodes)",
	"s10": "publish-to-receive latency across nodes (Redis)",
}

// headline is the one-line summary printed as a run ends.
func headline(r *Run) string {
	m := r.Result
	if m == nil {
		return "no result"
	}
	f := func(path string) float64 { v, _ := lookup(m, path); return v }
	lim := ""
	if r.Limit != "" {
		lim = "; limit: " + r.Limit
	}
	cores := fmt.Sprintf("server CPU %.0f%%, server core %.0f%%, loader CPU %.0f%%, loader core %.0f%%",
		f("server_cpu_pct"), f("server_core_busy_pct"), f("loader_cpu_pct"), f("loader_core_busy_pct"))
	switch r.Scenario {
	case "s1":
		return fmt.Sprintf("%.0f sessions/s, connect p99 %.1f ms, session p99 %.1f ms (%s%s)",
			f("sessions_per_s"), f("connect_time.p99_ms"), f("session_time.p99_ms"), cores, lim)
	case "s2":
		return fmt.Sprintf("%.0f B per connection (RSS delta %.0f KiB for %.0f connections)",
			f("per_connection_bytes"), f("rss_delta_kib"), f("connections"))
	case "s3", "s6":
		return fmt.Sprintf("%.0f deliveries/s, %.2f CPU-us/delivery, %.2f pushes/frame (%s%s)",
			f("deliveries_per_s"), f("server_cpu_us_per_delivery"), f("pushes_per_frame"), cores, lim)
	case "s4", "s9":
		return fmt.Sprintf("%.0f publishes/s, %.0f per server CPU-s (%s%s)", f("publishes_per_s"),
			f("publishes_per_server_cpu_s"), cores, lim)
	case "s5", "s10":
		var parts []string
		ph, _ := m["phases"].([]any)
		for i := range ph {
			p := fmt.Sprintf("phases.%d.", i)
			parts = append(parts, fmt.Sprintf("%.0f/s: p50 %.2f p99 %.2f p99.9 %.2f ms",
				f(p+"deliveries_per_s"), f(p+"latency.p50_ms"), f(p+"latency.p99_ms"),
				f(p+"latency.p999_ms")))
		}
		return strings.Join(parts, " | ") + lim
	case "s7":
		return fmt.Sprintf("%.0f events/s delivered (%.0f/s generated), %.0f of %.0f arrived, "+
			"%.1f per request, settled %.1f s after the churn (%s%s)", f("events_per_s"),
			f("events_generated_per_s"), f("events_unique"), f("events_expected"),
			f("events_per_request"), f("settle_s"), cores, lim)
	case "s8":
		return fmt.Sprintf("vacated %.2f s after kill -9 (reason %v)", f("kill_to_vacated_s"),
			m["reason"])
	case "s11":
		return fmt.Sprintf("endpoint %.0f ms/request: %.0f events/s delivered (%.0f/s generated), "+
			"%.0f of %.0f arrived, %.1f per request, queue up to %.0f (oldest %.0f ms), "+
			"%.0f dropped, drained %.1f s after the churn", f("endpoint_delay_ms"),
			f("events_per_s"), f("events_generated_per_s"), f("events_unique"),
			f("events_expected"), f("events_per_request"), f("max_queue_length"),
			f("max_oldest_undelivered_ms"), f("dropped"), f("settle_s"))
	}
	return ""
}

// lookup follows a dotted path (numbers index arrays) in a decoded JSON object.
func lookup(m map[string]any, path string) (float64, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(c) {
				return 0, false
			}
			cur = c[i]
		default:
			return 0, false
		}
	}
	v, ok := cur.(float64)
	return v, ok
}

// values of path over the runs of a scenario and server that produced a result.
func (b *Bench) values(s, variant, srv, path string) []float64 {
	var out []float64
	for _, r := range b.runs {
		if r.Scenario == s && r.Variant == variant && r.Server == srv && r.Result != nil {
			if v, ok := lookup(r.Result, path); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

func (b *Bench) median(s, variant, srv, path string) float64 {
	return median(b.values(s, variant, srv, path))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func itoa(i int) string     { return strconv.Itoa(i) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
func firstCPU(s string) string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '-' })[0]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func loadAvg() string {
	text, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(text))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
