//go:build differential

// Differential mode: every scripted case (differential_api_test.go,
// differential_client_test.go) runs against a real Centrifugo v6.9.1 and against herald
// started with the same config file; the two transcripts (HTTP answers, WebSocket replies,
// pushes and closes), normalised where the servers legitimately differ (ids, versions,
// epochs, times), must be equal — or the case must be listed in knownDifferences.
//
//	go test -tags differential -count=1 -v -run TestDifferential .   (see README.md)
//
// Without HERALD_BIN the cases run against Centrifugo alone and the transcripts are logged.
package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// knownDifferences lists the cases whose transcripts may differ, each with the reason herald
// differs on purpose. Every entry is also described in docs/compatibility.md (checked below);
// an entry whose case no longer differs fails the run, so the list stays honest. An entry
// hides every difference of its case: keep such cases down to the one behaviour.
var knownDifferences = map[string]string{
	"api history of non-JSON data": "Centrifugo's JSON API cannot render binary publication " +
		"data and answers HTTP 500; herald answers the history with b64data instead",
	"client invalid UTF-8 in a text frame [json]": "herald's WebSocket layer validates text " +
		"frames (RFC 6455 §8.1) and closes with 1007; Centrifugo decodes the bytes as JSON " +
		"and answers the command (error 107 here)",
	"client invalid UTF-8 in a text frame [protobuf]": "herald's WebSocket layer validates " +
		"text frames (RFC 6455 §8.1) and closes with 1007; Centrifugo closes with 3501",
	"api history reverse from offset 0": "a reverse history read from offset 0 is a bad " +
		"request: herald answers 107, as the client protocol does; Centrifugo fails with 100",
	"api disconnect with code 5000": "herald refuses disconnect codes above 4999 with 107: " +
		"RFC 6455 has no close codes there and WebSocket clients fail the connection on " +
		"them; Centrifugo sends the close frame anyway",
	"client subscribe with an allowed delta type [json]": "herald never negotiates delta " +
		"compression (the protocol allows a server not to): the subscribe reply has no " +
		"delta:true and publications carry full data",
	"client subscribe with an allowed delta type [protobuf]": "herald never negotiates delta " +
		"compression (the protocol allows a server not to): the subscribe reply has no " +
		"delta:true and publications carry full data",
}

const (
	diffCentrifugoVersion = "v6.9.1"
	diffAPIKey            = "diff-api-key"
	// The marker ctest's SKIP_REGULAR_EXPRESSION looks for (tests/compat/CMakeLists.txt).
	diffSkipMarker = "compat_differential SKIPPED:"
)

// diffCase is one scripted case. Client cases run twice, once per encoding, with
// " [json]" / " [protobuf]" appended to the name.
type diffCase struct {
	name   string
	config string // diffConfigs key; "" = "main"
	// serial cases run before the parallel ones, alone: they look at node-wide state
	// (info, channels without a pattern).
	serial bool
	// client cases run in both encodings; API cases once (s.proto false).
	client bool
	run    func(s *session)
}

func TestDifferential(t *testing.T) {
	cfBin := centrifugoBinary(t)
	heraldBin := os.Getenv("HERALD_BIN")
	if heraldBin == "" {
		t.Log("HERALD_BIN is not set: running the cases against Centrifugo alone " +
			"(transcripts logged, nothing compared)")
	}
	pairs := newPairSet(t, cfBin, heraldBin != "")
	defer pairs.stop(t)

	var cases []diffCase
	cases = append(cases, apiCases()...)
	cases = append(cases, clientCases()...)
	var all []diffCase
	for _, c := range cases {
		if !c.client {
			all = append(all, c)
			continue
		}
		for _, enc := range []string{"json", "protobuf"} {
			cc := c
			cc.name = c.name + " [" + enc + "]"
			all = append(all, cc)
		}
	}
	names := map[string]bool{}
	for _, c := range all {
		if names[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		names[c.name] = true
	}

	var report diffReport
	t.Run("cases", func(t *testing.T) {
		for _, c := range all {
			c := c
			t.Run(c.name, func(t *testing.T) {
				if !c.serial {
					t.Parallel()
				}
				runCase(t, pairs, c, &report)
			})
		}
	})

	// Every known difference names a case, and is written down for users.
	var stale []string
	for name := range knownDifferences {
		if !names[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	for _, name := range stale {
		t.Errorf("knownDifferences names %q, which is no case: remove it", name)
	}
	checkCompatibilityDoc(t)
	report.write(t)
	if heraldBin == "" && !t.Failed() {
		t.Skipf("%s HERALD_BIN is not set: ran the cases against Centrifugo alone", diffSkipMarker)
	}
}

// runCase runs c against both servers at once and compares the transcripts.
func runCase(t *testing.T, pairs *pairSet, c diffCase, report *diffReport) {
	cfgName := c.config
	if cfgName == "" {
		cfgName = "main"
	}
	// One pair of servers per config and client encoding, so that the two encodings of a
	// case do not share channels; API cases share the JSON pair.
	proto := strings.HasSuffix(c.name, " [protobuf]")
	if proto {
		cfgName += "-protobuf"
	} else {
		cfgName += "-json"
	}
	p, err := pairs.get(cfgName)
	if err != nil {
		t.Fatal(err)
	}
	var cf, he *transcript
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cf = runScript(p.cf.addr, proto, c.run)
	}()
	if p.he != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			he = runScript(p.he.Addr(), proto, c.run)
		}()
	}
	wg.Wait()
	if he == nil {
		t.Logf("centrifugo transcript:\n%s", cf.String())
		return
	}
	diffs := compareTranscripts(cf, he)
	reason, known := knownDifferences[c.name]
	switch {
	case len(diffs) == 0 && known:
		t.Errorf("%q no longer differs from Centrifugo: remove from knownDifferences "+
			"(and from docs/compatibility.md)", c.name)
	case len(diffs) == 0:
	case known:
		t.Logf("known difference (%s):\n%s", reason, strings.Join(diffs, "\n"))
	default:
		report.add(c.name, diffs)
		t.Errorf("herald differs from Centrifugo %s:\n%s\n--- centrifugo transcript:\n%s"+
			"--- herald transcript:\n%s", diffCentrifugoVersion, strings.Join(diffs, "\n"),
			cf.String(), he.String())
	}
}

// checkCompatibilityDoc requires every known difference to be named (in backquotes) in
// docs/compatibility.md.
func checkCompatibilityDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "compatibility.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("known differences must be described in %s: %v", path, err)
		return
	}
	for name := range knownDifferences {
		if !bytes.Contains(doc, []byte("`"+name+"`")) {
			t.Errorf("knownDifferences entry %q is not described in %s "+
				"(one line naming the case in backquotes)", name, path)
		}
	}
}

// diffReport collects the differing cases for DIFF_REPORT=<file>: a compact list meant for
// whoever fixes them.
type diffReport struct {
	mu    sync.Mutex
	cases map[string][]string
}

func (r *diffReport) add(name string, diffs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cases == nil {
		r.cases = map[string][]string{}
	}
	r.cases[name] = diffs
}

func (r *diffReport) write(t *testing.T) {
	path := os.Getenv("DIFF_REPORT")
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for n := range r.cases {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > 0 {
		t.Logf("%d cases differ from Centrifugo: %s", len(names), strings.Join(names, "; "))
	}
	if path == "" {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d cases differ from Centrifugo %s\n\n", len(names), diffCentrifugoVersion)
	for _, n := range names {
		fmt.Fprintf(&b, "## %s\n%s\n\n", n, strings.Join(r.cases[n], "\n"))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Errorf("DIFF_REPORT: %v", err)
	}
}

// ---------------------------------------------------------------------------------------
// Centrifugo binary and the server pairs.

// centrifugoBinary returns CENTRIFUGO_BIN or what install-centrifugo.sh prints; when
// Centrifugo cannot be had (no Go toolchain, no module proxy) the test is skipped with the
// marker ctest reports as a skip.
func centrifugoBinary(t *testing.T) string {
	if bin := os.Getenv("CENTRIFUGO_BIN"); bin != "" {
		return bin
	}
	cmd := exec.Command("sh", "install-centrifugo.sh")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return strings.TrimSpace(string(out))
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		t.Skipf("%s Centrifugo %s is not available: %s", diffSkipMarker,
			diffCentrifugoVersion, strings.TrimSpace(stderr.String()))
	}
	t.Fatalf("install-centrifugo.sh: %v\n%s", err, stderr.String())
	return ""
}

// cfServer is one running Centrifugo process.
type cfServer struct {
	addr string
	cmd  *exec.Cmd
	dir  string
	log  *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freePort asks the kernel for a free loopback port (Centrifugo cannot bind port 0 and
// report it).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func writeConfig(dir string, cfg map[string]any) (string, error) {
	text, err := jsonMarshalIndent(cfg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "config.json")
	return path, os.WriteFile(path, text, 0o600)
}

func startCentrifugo(bin, name string, cfg map[string]any) (*cfServer, error) {
	dir, err := os.MkdirTemp("", "centrifugo-diff-"+name+"-")
	if err != nil {
		return nil, err
	}
	path, err := writeConfig(dir, cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	port := cfg["http_server"].(map[string]any)["port"].(int)
	s := &cfServer{addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, log: &lockedBuffer{}}
	s.cmd = exec.Command(bin, "--config", path)
	s.cmd.Dir = dir
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CENTRIFUGO_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _, _ = s.cmd.Process.Wait(); close(exited) }()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("centrifugo (%s) exited at start:\n%s", name, s.log.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
	os.RemoveAll(dir)
	return nil, fmt.Errorf("centrifugo (%s) did not listen on %s:\n%s", name, s.addr, s.log.String())
}

func (s *cfServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}

// pair is Centrifugo and herald started from the same config (herald nil when HERALD_BIN is
// not set).
type pair struct {
	cf *cfServer
	he *Server
}

type pairSet struct {
	mu     sync.Mutex
	cfBin  string
	herald bool
	pairs  map[string]*pair
	errs   map[string]error
}

func newPairSet(t *testing.T, cfBin string, herald bool) *pairSet {
	return &pairSet{cfBin: cfBin, herald: herald, pairs: map[string]*pair{},
		errs: map[string]error{}}
}

// get starts the pair for a config on first use. Herald joins the harness's servers map, so
// TestMain stops it and fails the run if it does not drain or exits non-zero.
func (ps *pairSet) get(name string) (*pair, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.pairs[name]; ok {
		return p, nil
	}
	if err, ok := ps.errs[name]; ok {
		return nil, err
	}
	p, err := ps.start(name)
	if err != nil {
		ps.errs[name] = err
		return nil, err
	}
	ps.pairs[name] = p
	return p, nil
}

func (ps *pairSet) start(name string) (*pair, error) {
	mk, ok := diffConfigs[strings.TrimSuffix(strings.TrimSuffix(name, "-json"), "-protobuf")]
	if !ok {
		return nil, fmt.Errorf("no differential config %q", name)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cf, err := startCentrifugo(ps.cfBin, name, mk(port))
	if err != nil {
		return nil, err
	}
	p := &pair{cf: cf}
	if ps.herald {
		he, err := startServer("diff-"+name, mk(0))
		if err != nil {
			cf.stop()
			return nil, err
		}
		serversMu.Lock()
		servers["diff-"+name] = he
		serversMu.Unlock()
		p.he = he
	}
	return p, nil
}

func (ps *pairSet) stop(t *testing.T) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for name, p := range ps.pairs {
		if t.Failed() {
			t.Logf("centrifugo (%s) log tail:\n%s", name, tail(p.cf.log.String(), 3000))
			if p.he != nil {
				t.Logf("herald (%s) log tail:\n%s", name, tail(p.he.Log(), 6000))
			}
		}
		p.cf.stop()
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// ---------------------------------------------------------------------------------------
// HTTP side of a session.

var diffHTTP = &http.Client{Timeout: 5 * time.Second}

// httpReq is one HTTP request of a script.
type httpReq struct {
	method string
	path   string // with query
	header map[string]string
	body   string
}

// do sends r and records status, Content-Type and the (normalised) body.
func (s *session) do(r httpReq) {
	label := r.method + " " + r.path
	if len(r.header) != 1 || r.header["X-API-Key"] != diffAPIKey { // not the usual key header
		var hs []string
		for k, v := range r.header {
			hs = append(hs, k+": "+v)
		}
		sort.Strings(hs)
		label += " [" + strings.Join(hs, ", ") + "]"
	}
	if r.body != "" {
		label += " " + s.describeBody(r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.method, "http://"+s.addr+r.path,
		strings.NewReader(r.body))
	if err != nil {
		s.record(label, "request error: "+err.Error(), nil)
		return
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := diffHTTP.Do(req)
	if err != nil {
		s.record(label, "transport error: "+err.Error(), nil)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.record(label, "body error: "+err.Error(), nil)
		return
	}
	head := fmt.Sprintf("%d ctype=%q", resp.StatusCode, resp.Header.Get("Content-Type"))
	if len(body) == 0 {
		s.record(label, head+" (empty body)", nil)
		return
	}
	// JSON bodies (possibly several newline-separated values: the legacy /api endpoint) are
	// compared as normalised trees; anything else as text.
	if vals, ok := parseJSONValues(body); ok {
		var texts []string
		var trees []any
		for _, v := range vals {
			v = s.norm.tree(v, "")
			trees = append(trees, v)
			texts = append(texts, canonical(v))
		}
		var tree any = trees
		if len(trees) == 1 {
			tree = trees[0]
		}
		s.record(label, head+" "+strings.Join(texts, "\n"), tree)
		return
	}
	s.record(label, head+" "+strconv.Quote(string(body)), nil)
}

// describeBody shortens a request body for a transcript label, normalised like answers (it
// may carry an epoch, which differs between the servers).
func (s *session) describeBody(body string) string {
	vals, ok := parseJSONValues([]byte(body))
	if !ok {
		return clip(strconv.Quote(body), 100)
	}
	var parts []string
	for _, v := range vals {
		parts = append(parts, canonical(s.norm.tree(v, "")))
	}
	return clip(strings.Join(parts, " ⏎ "), 100)
}

// api POSTs body to /api/<method> with the API key.
func (s *session) api(method, body string) {
	s.do(httpReq{method: http.MethodPost, path: "/api/" + method,
		header: map[string]string{"X-API-Key": diffAPIKey}, body: body})
}

// apiQuiet is api without recording: setup steps whose answers another case checks.
func (s *session) apiQuiet(method, body string) {
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/"+method,
		strings.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("X-API-Key", diffAPIKey)
	if resp, err := diffHTTP.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	} else {
		s.record("setup POST /api/"+method, "transport error: "+err.Error(), nil)
	}
}

// apiResult calls /api/<method> without recording and returns the decoded `result` (nil on
// any failure): for scripts that need a value such as the current epoch.
func (s *session) apiResult(method, body string) map[string]any {
	req, err := http.NewRequest(http.MethodPost, "http://"+s.addr+"/api/"+method,
		strings.NewReader(body))
	if err != nil {
		return nil
	}
	req.Header.Set("X-API-Key", diffAPIKey)
	resp, err := diffHTTP.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	v, err := parseJSON(text)
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	res, _ := m["result"].(map[string]any)
	return res
}

// epochOf returns the current epoch of a channel with history ("" if none).
func (s *session) epochOf(channel string) string {
	res := s.apiResult("history", `{"channel":"`+channel+`","limit":0}`)
	e, _ := res["epoch"].(string)
	return e
}
