// Figures: percentiles, per-core busy time from /proc/stat, kernel TCP memory from
// /proc/net/sockstat, this process's own CPU time.
package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// percentile of sorted samples, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

type Latencies struct {
	N                             int
	P50, P90, P99, P999, Max, Min time.Duration
	Mean                          time.Duration
}

func summarize(samples []time.Duration) Latencies {
	s := slices.Clone(samples)
	slices.Sort(s)
	l := Latencies{N: len(s), P50: percentile(s, 50), P90: percentile(s, 90),
		P99: percentile(s, 99), P999: percentile(s, 99.9)}
	if len(s) > 0 {
		l.Min, l.Max = s[0], s[len(s)-1]
		var sum time.Duration
		for _, d := range s {
			sum += d
		}
		l.Mean = sum / time.Duration(len(s))
	}
	return l
}

func (l Latencies) String() string {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/1e6) }
	return fmt.Sprintf("n=%d min=%s p50=%s p90=%s p99=%s p99.9=%s max=%s mean=%s (ms)",
		l.N, ms(l.Min), ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max), ms(l.Mean))
}

// CoreTimes is one /proc/stat "cpuN" line: busy, softirq (loopback packet processing is
// mostly here, charged to no process) and total jiffies.
type CoreTimes struct{ Busy, SoftIRQ, Total int64 }

// coreTimes reads every per-core line of /proc/stat, indexed by core number.
func coreTimes() map[int]CoreTimes {
	out := map[int]CoreTimes{}
	text, err := os.ReadFile("/proc/stat")
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		core, err := strconv.Atoi(f[0][3:])
		if err != nil {
			continue
		}
		var t CoreTimes
		for i, v := range f[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			t.Total += n
			if i != 3 && i != 4 { // idle and iowait
				t.Busy += n
			}
			if i == 6 {
				t.SoftIRQ = n
			}
		}
		out[core] = t
	}
	return out
}

// busyPercent of each core between two samples.
func busyPercent(a, b map[int]CoreTimes) string {
	var parts []string
	for core := 0; core < len(b); core++ {
		d := b[core].Total - a[core].Total
		if d <= 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("cpu%d %.0f%% (softirq %.0f%%)", core,
			100*float64(b[core].Busy-a[core].Busy)/float64(d),
			100*float64(b[core].SoftIRQ-a[core].SoftIRQ)/float64(d)))
	}
	return strings.Join(parts, ", ")
}

// tcpMemPages is the "mem" figure of the TCP line of /proc/net/sockstat: pages of kernel
// memory held by all TCP sockets of the machine (both ends of a loopback connection).
func tcpMemPages() int64 {
	text, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(text), "\n") {
		if !strings.HasPrefix(line, "TCP:") {
			continue
		}
		f := strings.Fields(line)
		for i := 1; i+1 < len(f); i++ {
			if f[i] == "mem" {
				v, _ := strconv.ParseInt(f[i+1], 10, 64)
				return v
			}
		}
	}
	return 0
}

// slabKiB is the kernel slab memory of the machine (/proc/meminfo "Slab"), where socket,
// inode and file objects live.
func slabKiB() int64 {
	text, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(text), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Slab:" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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

func kib(v int64) string { return fmt.Sprintf("%d KiB (%.1f MiB)", v, float64(v)/1024) }
