// Results: the JSON file, the markdown table for docs/benchmarks.md and the gnuplot PNGs.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Metric is one row of the table: a value of a scenario's result, median over repetitions.
type Metric struct {
	Scenario, Variant, Path, Label, Unit string
	Better                               string // "higher", "lower" or "" (context only)
}

func (b *Bench) metrics() []Metric {
	m := []Metric{
		{"s1", "", "sessions_per_s", "S1 connect storm: sessions set up per second", "/s", "higher"},
		{"s1", "", "connect_time.p99_ms", "S1 connect time p99 (TCP + upgrade + connect reply)", "ms", "lower"},
		{"s1", "", "session_time.p99_ms", "S1 session time p99 (… + subscribe reply)", "ms", "lower"},
		{"s2", "", "per_connection_bytes", "S2 idle memory per connection (VmRSS delta / connections, 2 channels)", "B", "lower"},
		{"s3", "", "deliveries_per_s", "S3 fan-out deliveries per second (1 channel)", "/s", "higher"},
		{"s3", "", "deliveries_per_server_cpu_s", "S3 deliveries per server CPU-second", "/CPU-s", "higher"},
		{"s3", "", "server_cpu_us_per_delivery", "S3 server CPU per delivery", "µs", "lower"},
		{"s3", "", "pushes_per_frame", "S3 pushes per WebSocket frame", "", ""},
		{"s3", "", "server_core_busy_pct", "S3 server core busy (incl. softirq)", "%", ""},
		{"s3", "", "loader_cpu_pct", "S3 loader CPU", "%", ""},
		{"s4", "single", "publishes_per_s", "S4 HTTP publish: publishes per second", "/s", "higher"},
		{"s4", "single", "publishes_per_server_cpu_s", "S4 HTTP publish: publishes per server CPU-second", "/CPU-s", "higher"},
		{"s4", "batch", "publishes_per_s", fmt.Sprintf("S4 HTTP batch of %d: publishes per second", b.cfg.Params.S4Batch), "/s", "higher"},
		{"s4", "batch", "publishes_per_server_cpu_s", fmt.Sprintf("S4 HTTP batch of %d: publishes per server CPU-second", b.cfg.Params.S4Batch), "/CPU-s", "higher"},
	}
	m = append(m, b.latencyMetrics("s5", "S5 at", "S3")...)
	m = append(m,
		Metric{"s6", "", "deliveries_per_s", "S6 Redis, 2 nodes: deliveries per second", "/s", "higher"},
		Metric{"s6", "", "server_cpu_us_per_delivery", "S6 server-side CPU per delivery (both nodes + Redis)", "µs", "lower"},
		Metric{"s7", "", "events_per_s", "S7 channel state events delivered per second, none lost (memory engine, Herald only)", "/s", "higher"},
		Metric{"s7", "", "events_generated_per_s", "S7 state events generated per second (2 × subscribe/unsubscribe cycles)", "/s", ""},
		Metric{"s7", "", "events_per_request", "S7 events per webhook request (batching)", "", ""},
		Metric{"s7", "", "settle_s", "S7 last event after the loader finished (0: before)", "s", "lower"},
		Metric{"s8", "", "kill_to_vacated_s", "S8 kill -9 of a node to vacated (node lease 5 s + delay 5 s, Herald only)", "s", "lower"},
		Metric{"s11", "", "events_per_s", "S11 state events delivered per second to an endpoint taking 100 ms per request, none lost", "/s", "higher"},
		Metric{"s11", "", "max_queue_length", "S11 longest queue of undelivered events (info, sampled every 200 ms)", "", "lower"},
		Metric{"s11", "", "max_oldest_undelivered_ms", "S11 oldest undelivered event at worst", "ms", "lower"},
		Metric{"s11", "", "settle_s", "S11 last event after the churn ended (the queue drained)", "s", "lower"},
		Metric{"s9", "single", "publishes_per_s", "S9 Redis, API on node 2: publishes per second", "/s", "higher"},
		Metric{"s9", "single", "publishes_per_server_cpu_s", "S9 Redis: publishes per server-side CPU-second (both nodes + Redis)", "/CPU-s", "higher"},
		Metric{"s9", "batch", "publishes_per_s", fmt.Sprintf("S9 Redis, batch of %d: publishes per second", b.cfg.Params.S4Batch), "/s", "higher"},
		Metric{"s9", "batch", "publishes_per_server_cpu_s", fmt.Sprintf("S9 Redis, batch of %d: publishes per server-side CPU-second", b.cfg.Params.S4Batch), "/CPU-s", "higher"})
	m = append(m, b.latencyMetrics("s10", "S10 across nodes at", "S6")...)
	return m
}

// latencyMetrics: a latency scenario's rows, one group per load fraction of `of`'s maximum.
func (b *Bench) latencyMetrics(s, label, of string) []Metric {
	var m []Metric
	for i, f := range b.cfg.Params.S5Fractions {
		p := fmt.Sprintf("phases.%d.", i)
		pc := fmt.Sprintf("%.0f %%", f*100)
		m = append(m,
			Metric{s, "", p + "deliveries_per_s", label + " " + pc + " of " + of + " max: deliveries per second", "/s", ""},
			Metric{s, "", p + "latency.p50_ms", label + " " + pc + ": latency p50", "ms", "lower"},
			Metric{s, "", p + "latency.p99_ms", label + " " + pc + ": latency p99", "ms", "lower"},
			Metric{s, "", p + "latency.p999_ms", label + " " + pc + ": latency p99.9", "ms", "lower"})
	}
	return m
}

// Row is a metric's figures in the results file.
type Row struct {
	Scenario   string               `json:"scenario"`
	Variant    string               `json:"variant,omitempty"`
	Path       string               `json:"path"`
	Label      string               `json:"label"`
	Unit       string               `json:"unit"`
	Better     string               `json:"better,omitempty"`
	Median     map[string]float64   `json:"median"`
	Reps       map[string][]float64 `json:"reps"`
	Ratio      float64              `json:"herald_over_centrifugo,omitempty"`
	LoaderBusy map[string]bool      `json:"loader_limited,omitempty"`
}

func (b *Bench) rows() []Row {
	var rows []Row
	for _, m := range b.metrics() {
		r := Row{Scenario: m.Scenario, Variant: m.Variant, Path: m.Path, Label: m.Label,
			Unit: m.Unit, Better: m.Better, Median: map[string]float64{},
			Reps: map[string][]float64{}, LoaderBusy: map[string]bool{}}
		any := false
		for _, srv := range b.servers {
			v := b.values(m.Scenario, m.Variant, srv, m.Path)
			if len(v) == 0 {
				continue
			}
			any = true
			r.Reps[srv] = v
			r.Median[srv] = median(v)
			for _, run := range b.runs {
				if run.Scenario == m.Scenario && run.Variant == m.Variant && run.Server == srv &&
					run.Limit == "loader" {
					r.LoaderBusy[srv] = true
				}
			}
		}
		if !any {
			continue
		}
		if c := r.Median[Centrifugo]; c != 0 {
			r.Ratio = r.Median[Herald] / c
		}
		rows = append(rows, r)
	}
	return rows
}

func machineMeta(cfg Config) map[string]any {
	m := map[string]any{}
	m["cores"] = machineCores()
	if text, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(text), "\n") {
			if strings.HasPrefix(line, "model name") {
				m["cpu"] = strings.TrimSpace(line[strings.Index(line, ":")+1:])
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m["kernel"] = strings.TrimSpace(string(out))
	}
	if text, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kib float64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(text), "\n", 2)[0], "MemTotal:"), "%f", &kib)
		m["memory_gib"] = math.Round(kib/1048576*10) / 10
	}
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			commit += " (uncommitted changes in the work tree)"
		}
	}
	m["commit"] = commit
	if out, err := exec.Command(cfg.Herald, "version").CombinedOutput(); err == nil {
		m["herald_version"] = strings.TrimSpace(string(out))
	}
	m["herald_binary"] = cfg.Herald
	m["herald_build"] = cfg.HeraldNote
	if cfg.Centrifugo != "" {
		m["centrifugo_binary"] = cfg.Centrifugo
		m["centrifugo_version"] = "v6.9.1 (tests/compat/install-centrifugo.sh)"
		if out, err := exec.Command("go", "version", "-m", cfg.Centrifugo).Output(); err == nil {
			lines := strings.Split(string(out), "\n")
			goVer := ""
			if f := strings.Fields(lines[0]); len(f) > 1 {
				goVer = f[len(f)-1]
			}
			for _, l := range lines {
				if f := strings.Fields(l); len(f) >= 3 && f[0] == "mod" {
					m["centrifugo_version"] = f[1] + " " + f[2] + " built with " + goVer
				}
			}
		}
	}
	if cfg.Redis != "" {
		if out, err := exec.Command(cfg.Redis, "--version").Output(); err == nil {
			m["redis_version"] = strings.TrimSpace(string(out))
		}
	}
	m["loader"] = "bench/loader (C++20, epoll, 1 event-loop thread; HTTP publishers on threads of the same core)"
	m["server_cpu"] = cfg.ServerCPU
	m["loader_cpu"] = cfg.LoaderCPU
	m["load_average_at_start"] = loadAvg()
	m["started"] = time.Now().UTC().Format(time.RFC3339)
	return m
}

// quiet: nothing else ran on the machine (load average before the first run below 0.7, and
// no run saw other processes on its cores).
func (b *Bench) quiet() (bool, string) {
	var why []string
	if f := strings.Fields(fmt.Sprint(b.meta["load_average_at_start"])); len(f) > 0 {
		if v, _ := strconv.ParseFloat(f[0], 64); v > 0.7 {
			why = append(why, "load average "+f[0]+" before the first run")
		}
	}
	n := 0
	for _, r := range b.runs {
		if r.Disturbed != "" {
			n++
		}
	}
	if n > 0 {
		why = append(why, fmt.Sprintf("%d of %d runs saw other processes on the pinned cores", n, len(b.runs)))
	}
	return len(why) == 0, strings.Join(why, "; ")
}

func (b *Bench) report() int {
	stamp := b.started.UTC().Format("20060102-150405")
	if err := os.MkdirAll(filepath.Join(b.cfg.OutDir, stamp), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		return 1
	}
	base := filepath.Join(b.cfg.OutDir, stamp)
	quiet, why := b.quiet()
	rows := b.rows()
	failures := 0
	for _, r := range b.runs {
		if len(r.Problems) > 0 {
			failures++
		}
	}
	b.meta["finished"] = time.Now().UTC().Format(time.RFC3339)
	b.meta["seconds"] = math.Round(time.Since(b.started).Seconds())
	b.meta["quiet"] = quiet
	if !quiet {
		b.meta["not_quiet_because"] = why
	}
	pngs := b.plots(base)
	md := b.markdown(rows, quiet, why, pngs)
	doc := map[string]any{"mode": b.cfg.Mode, "command": b.cfg.Command, "meta": b.meta,
		"params": b.cfg.Params, "servers": b.servers, "summary": rows, "skipped": b.skipped,
		"runs": b.runs, "failed_runs": failures, "markdown": md, "plots": pngs}
	text, _ := json.MarshalIndent(doc, "", "  ")
	jsonPath := base + ".json"
	if err := os.WriteFile(jsonPath, text, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
	}
	_ = os.WriteFile(base+".md", []byte(md), 0o644)
	fmt.Printf("\n%s\n", md)
	fmt.Printf("results: %s\ntable:   %s.md\n", jsonPath, base)
	for _, p := range pngs {
		fmt.Printf("plot:    %s\n", p)
	}
	fmt.Printf("took %.0f s\n", time.Since(b.started).Seconds())
	if failures > 0 {
		fmt.Printf("FAILED: %d of %d runs saw a problem (see \"problems\" in the results)\n", failures, len(b.runs))
		return 1
	}
	return 0
}

func fmtNum(v float64, unit string) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 1000:
		s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
		// thousands separators
		var out []byte
		for i, c := range s {
			if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
				out = append(out, ',')
			}
			out = append(out, byte(c))
		}
		return string(out)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func (b *Bench) markdown(rows []Row, quiet bool, why string, pngs []string) string {
	var s strings.Builder
	m := b.meta
	fmt.Fprintf(&s, "### Side-by-side run %s (%s mode)\n\n", m["started"], b.cfg.Mode)
	if !quiet {
		fmt.Fprintf(&s, "**NOT A QUIET MACHINE — figures unreliable** (%s).\n\n", why)
	}
	fmt.Fprintf(&s, "- Command: `%s`\n", b.cfg.Command)
	fmt.Fprintf(&s, "- Machine: %v cores, %v, Linux %v, %v GiB RAM; load average at start %v\n",
		m["cores"], m["cpu"], m["kernel"], m["memory_gib"], m["load_average_at_start"])
	fmt.Fprintf(&s, "- Herald: commit %v, `%v` (%v)\n", m["commit"], m["herald_version"], m["herald_build"])
	if b.cfg.Centrifugo != "" {
		fmt.Fprintf(&s, "- Centrifugo: %v\n", m["centrifugo_version"])
	} else {
		fmt.Fprintf(&s, "- Centrifugo: not available in this run (Herald alone)\n")
	}
	if v, ok := m["redis_version"]; ok {
		fmt.Fprintf(&s, "- Redis (S6): %v\n", v)
	}
	fmt.Fprintf(&s, "- Pinning: servers on CPU %s, loader on CPU %s; loader: %v\n",
		b.cfg.ServerCPU, b.cfg.LoaderCPU, m["loader"])
	p := b.cfg.Params
	fmt.Fprintf(&s, "- Counts: S1 %d clients (%d in flight); S2 steps %v; S3/S5 %d subscribers; "+
		"S4 %d connections; repetitions %d (S2 %d, S5 %d, S6 %d), alternating Herald, Centrifugo; medians shown\n\n",
		p.S1Clients, p.S1Concurrency, p.S2Steps, p.S3Clients, p.S4Conns, p.Reps, p.S2Reps, p.S5Reps, p.S6Reps)
	fmt.Fprintf(&s, "| measure | Herald | Centrifugo | Herald ÷ Centrifugo | better |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		cell := func(srv string) string {
			v, ok := r.Median[srv]
			if !ok {
				return "—"
			}
			t := fmtNum(v, r.Unit)
			if r.Unit != "" && r.Unit != "/s" && r.Unit != "/CPU-s" {
				t += " " + r.Unit
			}
			if r.LoaderBusy[srv] {
				t += " (loader-limited)"
			}
			return t
		}
		ratio := "—"
		if r.Ratio != 0 {
			ratio = strconv.FormatFloat(r.Ratio, 'f', 2, 64) + "×"
		}
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s |\n", r.Label, cell(Herald), cell(Centrifugo), ratio, r.Better)
	}
	for _, sk := range b.skipped {
		fmt.Fprintf(&s, "| %s %s | SKIPPED | SKIPPED | — | %s |\n", strings.ToUpper(sk.Scenario),
			scenarioTitle[sk.Scenario], sk.Reason)
	}
	// What limited each run.
	s.WriteString("\nWhat limited each run (`loader`: the loader process used > 90 % of its core):\n\n")
	for _, r := range b.runs {
		v := r.Variant
		if v != "" {
			v = " " + v
		}
		extra := ""
		if r.Disturbed != "" {
			extra = "; disturbed: " + r.Disturbed
		}
		if len(r.Problems) > 0 {
			extra += fmt.Sprintf("; %d problem(s)", len(r.Problems))
		}
		fmt.Fprintf(&s, "- %s%s rep %d %s: %s%s\n", strings.ToUpper(r.Scenario), v, r.Rep, r.Server,
			orDash(r.Limit), extra)
	}
	if len(pngs) > 0 {
		s.WriteString("\nPlots: ")
		for i, p := range pngs {
			if i > 0 {
				s.WriteString(", ")
			}
			s.WriteString("`" + p + "`")
		}
		s.WriteString("\n")
	}
	return s.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// plots writes the data files and runs gnuplot; it returns the PNGs made.
func (b *Bench) plots(base string) []string {
	gp, err := exec.LookPath("gnuplot")
	if err != nil {
		fmt.Println("bench: no gnuplot: no plots (bench/run.sh installs gnuplot-nox)")
		return nil
	}
	var pngs []string
	title := fmt.Sprintf("%s mode, %s", b.cfg.Mode, b.meta["started"])
	if q, _ := b.quiet(); !q {
		title += " — NOT A QUIET MACHINE"
	}
	color := map[string]string{Herald: "#c0392b", Centrifugo: "#2471a3"}
	label := map[string]string{Herald: "Herald", Centrifugo: "Centrifugo"}

	// Latency against throughput (S5): one point per load level, medians over repetitions.
	var lat []string
	for _, srv := range b.servers {
		var lines []string
		for i := range b.cfg.Params.S5Fractions {
			p := fmt.Sprintf("phases.%d.", i)
			x := b.median("s5", "", srv, p+"deliveries_per_s")
			if x == 0 {
				continue
			}
			lines = append(lines, fmt.Sprintf("%.0f %.4f %.4f %.4f", x,
				b.median("s5", "", srv, p+"latency.p50_ms"), b.median("s5", "", srv, p+"latency.p99_ms"),
				b.median("s5", "", srv, p+"latency.p999_ms")))
		}
		if len(lines) == 0 {
			continue
		}
		dat := filepath.Join(base, "latency-"+srv+".dat")
		_ = os.WriteFile(dat, []byte("# deliveries_per_s p50_ms p99_ms p999_ms\n"+strings.Join(lines, "\n")+"\n"), 0o644)
		for k, pc := range []string{"p50", "p99", "p99.9"} {
			dt := []string{"1", "2", "3"}[k]
			pt := []string{"7", "5", "9"}[k]
			lat = append(lat, fmt.Sprintf("'%s' using 1:%d with linespoints dt %s pt %s lw 2 lc rgb '%s' title '%s %s'",
				dat, k+2, dt, pt, color[srv], label[srv], pc))
		}
	}
	if len(lat) > 0 {
		png := base + "-latency.png"
		script := fmt.Sprintf(`set terminal pngcairo size 1000,620 font 'sans,11'
set output '%s'
set title "S5 publish-to-receive latency against throughput (%d subscribers, one channel)\n{/*0.8 %s}"
set xlabel 'deliveries per second (achieved)'
set ylabel 'latency (ms, log scale)'
set logscale y
set grid
set key outside right top
set xrange [0:*]
plot %s
`, png, b.cfg.Params.S3Clients, title, strings.Join(lat, ", \\\n     "))
		if b.gnuplot(gp, base, "latency.gp", script) {
			pngs = append(pngs, png)
		}
	}

	// Memory against connections (S2).
	var mem []string
	for _, srv := range b.servers {
		var lines []string
		for i, n := range b.cfg.Params.S2Steps {
			path := fmt.Sprintf("points.%d.rss_kib", i)
			v := b.values("s2", "", srv, path)
			base0 := b.values("s2", "", srv, "baseline_rss_kib")
			if len(v) == 0 || len(base0) != len(v) {
				continue
			}
			var d []float64
			for k := range v {
				d = append(d, (v[k]-base0[k])/1024)
			}
			lines = append(lines, fmt.Sprintf("%d %.3f", n, median(d)))
		}
		if len(lines) == 0 {
			continue
		}
		dat := filepath.Join(base, "memory-"+srv+".dat")
		_ = os.WriteFile(dat, []byte("# connections rss_delta_mib\n"+strings.Join(lines, "\n")+"\n"), 0o644)
		mem = append(mem, fmt.Sprintf("'%s' using 1:2 with linespoints pt 7 lw 2 lc rgb '%s' title '%s'",
			dat, color[srv], label[srv]))
	}
	if len(mem) > 0 {
		png := base + "-memory.png"
		script := fmt.Sprintf(`set terminal pngcairo size 1000,620 font 'sans,11'
set output '%s'
set title "S2 resident memory against idle connections (2 channels each)\n{/*0.8 %s}"
set xlabel 'idle connections'
set ylabel 'VmRSS above the idle server (MiB)'
set grid
set key left top
set xrange [0:*]
plot %s
`, png, title, strings.Join(mem, ", \\\n     "))
		if b.gnuplot(gp, base, "memory.gp", script) {
			pngs = append(pngs, png)
		}
	}
	return pngs
}

func (b *Bench) gnuplot(gp, dir, name, script string) bool {
	path := filepath.Join(dir, name)
	_ = os.WriteFile(path, []byte(script), 0o644)
	if out, err := exec.Command(gp, path).CombinedOutput(); err != nil {
		fmt.Printf("bench: gnuplot %s: %v\n%s\n", path, err, out)
		return false
	}
	return true
}

// machineCores counts the machine's CPUs: runtime.NumCPU() would give the driver's affinity
// (it runs pinned to the loader's CPU).
func machineCores() int {
	text, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "processor") {
			n++
		}
	}
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}
