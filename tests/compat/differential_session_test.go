//go:build differential

// Sessions of the differential test: a script's HTTP requests and WebSocket clients against
// one server, recorded as a normalised transcript; transcripts of the two servers are then
// compared entry by entry.
package compat

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/centrifugal/protocol"
	"github.com/gorilla/websocket"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

const (
	expectTimeout = 5 * time.Second  // a reply or push that does not come
	closeTimeout  = 12 * time.Second // a close that does not come (Centrifugo drops ~5 s)
	settleTime    = 250 * time.Millisecond
)

// entry is one line of a transcript: what happened (label) and the normalised answer.
type entry struct {
	label string
	text  string
	tree  any // normalised JSON tree, for structural diffs of long answers; nil for text
}

type transcript struct{ entries []entry }

func (tr *transcript) String() string {
	var b strings.Builder
	for i, e := range tr.entries {
		fmt.Fprintf(&b, "  #%d %s: %s\n", i+1, e.label, clip(e.text, 400))
	}
	return b.String()
}

// session runs one script against one server.
type session struct {
	addr    string
	proto   bool // client encoding: protobuf (binary) or JSON (text)
	norm    *normaliser
	entries []entry
	clients []*wsClient
}

func runScript(addr string, proto bool, run func(*session)) (tr *transcript) {
	s := &session{addr: addr, proto: proto, norm: newNormaliser()}
	func() {
		defer func() {
			if r := recover(); r != nil {
				s.record("harness", fmt.Sprintf("script panicked: %v", r), nil)
			}
		}()
		run(s)
	}()
	s.finish()
	return &transcript{entries: s.entries}
}

func (s *session) record(label, text string, tree any) {
	s.entries = append(s.entries, entry{label: label, text: text, tree: tree})
}

// note records a comment of the script (same on both sides): makes transcripts readable.
func (s *session) note(text string) { s.record("note", text, nil) }

func (s *session) sleep(d time.Duration) { time.Sleep(d) }

// finish records whatever the still open clients received unasked, then closes them.
func (s *session) finish() {
	open := false
	for _, c := range s.clients {
		if !c.closed {
			open = true
		}
	}
	if open {
		time.Sleep(settleTime)
	}
	for _, c := range s.clients {
		if !c.closed {
			c.drain()
		}
		if c.ws != nil {
			c.ws.Close()
		}
	}
}

// ---------------------------------------------------------------------------------------
// Tokens (HS256 with the configs' secret; same claims for both servers).

func hs256(claims map[string]any) string {
	enc := base64.RawURLEncoding
	body, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	unsigned := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." +
		enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(hmacSecret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// token is a connection token of user valid for ttl (negative: already expired), with
// extra claims.
func token(user string, ttl time.Duration, extra map[string]any) string {
	claims := map[string]any{"sub": user, "exp": time.Now().Add(ttl).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	return hs256(claims)
}

// dSubToken is a subscription token of user for channel valid for ttl.
func dSubToken(user, channel string, ttl time.Duration) string {
	return hs256(map[string]any{"sub": user, "channel": channel,
		"exp": time.Now().Add(ttl).Unix()})
}

// ---------------------------------------------------------------------------------------
// WebSocket clients.

type wsEvent struct {
	msg     any    // a decoded reply/push (normalised later)
	raw     string // a message that could not be decoded
	closed  string // the connection ended: how
	elapsed time.Duration
}

type wsClient struct {
	s        *session
	name     string
	ws       *websocket.Conn
	proto    bool
	events   chan wsEvent
	closed   bool
	lastSend time.Time
	writeMu  chanMutex
	clientID string // from the connect reply, for scripts that target this client
}

// chanMutex is a mutex usable from the reader goroutine (pongs) and the script (sends).
type chanMutex chan struct{}

func (m chanMutex) lock()   { m <- struct{}{} }
func (m chanMutex) unlock() { <-m }

// dial opens a WebSocket; protobuf sessions offer the centrifuge-protobuf subprotocol. The
// handshake outcome is recorded.
func (s *session) dial(name, query string) *wsClient {
	url := "ws://" + s.addr + "/connection/websocket"
	if query != "" {
		url += "?" + query
	}
	var sub []string
	if s.proto {
		sub = []string{"centrifuge-protobuf"}
	}
	d := websocket.Dialer{HandshakeTimeout: expectTimeout, Subprotocols: sub}
	ws, resp, err := d.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	c := &wsClient{s: s, name: name, proto: s.proto, events: make(chan wsEvent, 1024),
		writeMu: make(chanMutex, 1), lastSend: time.Now()}
	if err != nil {
		status := "no response"
		if resp != nil {
			status = resp.Status
		}
		s.record(name+" dial", "failed: "+status, nil)
		c.closed = true
		s.clients = append(s.clients, c)
		return c
	}
	if ws.Subprotocol() != "" {
		s.record(name+" dial", "subprotocol "+ws.Subprotocol(), nil)
	}
	c.ws = ws
	s.clients = append(s.clients, c)
	go c.readLoop()
	return c
}

// connect dials and sends connect (id 1) with token ("" = no token), recording the answer.
func (s *session) connect(name, tok string) *wsClient {
	c := s.dial(name, "")
	if tok == "" {
		c.call(`{"id":1,"connect":{}}`)
	} else {
		c.call(`{"id":1,"connect":{"token":"` + tok + `"}}`)
	}
	return c
}

func (c *wsClient) readLoop() {
	for {
		typ, data, err := c.ws.ReadMessage()
		elapsed := time.Since(c.lastSendTime())
		if err != nil {
			c.events <- wsEvent{closed: describeClose(err), elapsed: elapsed}
			close(c.events)
			return
		}
		if c.proto != (typ == websocket.BinaryMessage) {
			c.events <- wsEvent{raw: fmt.Sprintf("unexpected frame type %d: %q", typ, data)}
			continue
		}
		msgs, err := decodeFrame(data, c.proto)
		if err != nil {
			c.events <- wsEvent{raw: err.Error()}
			continue
		}
		for _, m := range msgs {
			if isEmptyReply(m) { // server ping: answer, do not record
				c.writeMu.lock()
				if c.proto {
					_ = c.ws.WriteMessage(websocket.BinaryMessage, []byte{0})
				} else {
					_ = c.ws.WriteMessage(websocket.TextMessage, []byte("{}"))
				}
				c.writeMu.unlock()
				continue
			}
			c.events <- wsEvent{msg: m}
		}
	}
}

func (c *wsClient) lastSendTime() time.Time {
	c.writeMu.lock()
	defer c.writeMu.unlock()
	return c.lastSend
}

var addrRE = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

// describeClose tells how a connection ended: the close frame's code and reason, a TCP close
// without a close frame, or another read error (a close frame the client library refuses,
// e.g. with a code outside RFC 6455's ranges).
func describeClose(err error) string {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure:
		return fmt.Sprintf("closed %d %q", ce.Code, ce.Text)
	case errors.As(err, &ce), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "dropped without a close frame"
	}
	return "ended by a read error: " + addrRE.ReplaceAllString(err.Error(), "<addr>")
}

func bucket(d time.Duration) string {
	switch {
	case d < time.Second:
		return "within 1s"
	case d < 3*time.Second:
		return "after 1-3s"
	case d < 8*time.Second:
		return "after ~5s"
	default:
		return "after >8s"
	}
}

func isEmptyReply(m any) bool {
	mm, ok := m.(map[string]any)
	return ok && len(mm) == 0
}

// decodeFrame splits a frame into replies: JSON objects joined by '\n', or varint-length-
// prefixed protobuf Replies turned into the same kind of tree.
func decodeFrame(data []byte, pb bool) ([]any, error) {
	var out []any
	if !pb {
		for _, line := range strings.Split(string(data), "\n") {
			v, err := parseJSON([]byte(line))
			if err != nil {
				return nil, fmt.Errorf("not JSON: %q", line)
			}
			out = append(out, v)
		}
		return out, nil
	}
	for len(data) > 0 {
		size, n := binary.Uvarint(data)
		if n <= 0 || uint64(len(data)-n) < size {
			return nil, fmt.Errorf("bad protobuf framing: %x", data)
		}
		msg := data[n : n+int(size)]
		data = data[n+int(size):]
		var r protocol.Reply
		if err := proto.Unmarshal(msg, &r); err != nil {
			return nil, fmt.Errorf("bad protobuf Reply %x: %v", msg, err)
		}
		out = append(out, protoTree(r.ProtoReflect()))
	}
	return out, nil
}

// protoTree renders a protobuf message like its JSON-protocol form: proto field names,
// bytes holding JSON embedded as JSON, unknown fields in hex.
func protoTree(m protoreflect.Message) map[string]any {
	out := map[string]any{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			items := make([]any, l.Len())
			for i := range items {
				items[i] = protoScalar(fd, l.Get(i))
			}
			out[string(fd.Name())] = items
		case fd.IsMap():
			mm := map[string]any{}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				mm[k.String()] = protoScalar(fd.MapValue(), mv)
				return true
			})
			out[string(fd.Name())] = mm
		default:
			out[string(fd.Name())] = protoScalar(fd, v)
		}
		return true
	})
	if unk := m.GetUnknown(); len(unk) > 0 {
		renderUnknown(string(m.Descriptor().Name()), unk, out)
	}
	return out
}

// newerFields: fields of the protocol schema Centrifugo 6.9.1 is built with (protocol
// v0.19) that the v0.16 Go types used here do not know; they are rendered under their names.
var newerFields = map[string]map[protowire.Number]string{
	"Push": {1: "id"},
	"Publication": {11: "key", 12: "removed", 13: "score:sint", 14: "epoch", 15: "prev_data",
		16: "version"},
	"ConnectResult":     {12: "flag"},
	"SubscribeResult":   {14: "id", 15: "type", 16: "phase", 17: "cursor", 19: "publish_debounce"},
	"UnsubscribeResult": {3: "type", 4: "key", 5: "removed"},
}

// renderUnknown adds unknown fields to out: known newer fields by name, others as
// "(field N)"; strings as text, bytes holding JSON as JSON, other bytes in hex.
func renderUnknown(msg string, b []byte, out map[string]any) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			out["(unparsable unknown fields)"] = hex.EncodeToString(b)
			return
		}
		b = b[n:]
		name, sint := fmt.Sprintf("(field %d)", num), false
		if known, ok := newerFields[msg][num]; ok {
			name, sint = strings.CutSuffix(known, ":sint")
		}
		var v any
		switch typ {
		case protowire.VarintType:
			x, m := protowire.ConsumeVarint(b)
			n = m
			if sint {
				v = json.Number(strconv.FormatInt(protowire.DecodeZigZag(x), 10))
			} else {
				v = json.Number(strconv.FormatUint(x, 10))
			}
		case protowire.BytesType:
			x, m := protowire.ConsumeBytes(b)
			n = m
			if t, err := parseJSON(x); err == nil {
				v = t
			} else if utf8.Valid(x) {
				v = string(x)
			} else {
				v = "bytes:" + hex.EncodeToString(x)
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			v = fmt.Sprintf("(wire type %d)", typ)
		}
		if n < 0 {
			out["(unparsable unknown fields)"] = hex.EncodeToString(b)
			return
		}
		b = b[n:]
		out[name] = v
	}
}

func protoScalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return protoTree(v.Message())
	case protoreflect.BytesKind:
		b := v.Bytes()
		if t, err := parseJSON(b); err == nil {
			return t
		}
		return "bytes:" + hex.EncodeToString(b)
	case protoreflect.BoolKind:
		return v.Bool()
	case protoreflect.StringKind:
		return v.String()
	case protoreflect.EnumKind:
		return json.Number(strconv.Itoa(int(v.Enum())))
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind,
		protoreflect.Sint64Kind, protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return json.Number(strconv.FormatInt(v.Int(), 10))
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind,
		protoreflect.Fixed64Kind:
		return json.Number(strconv.FormatUint(v.Uint(), 10))
	default:
		return fmt.Sprint(v.Interface())
	}
}

// send writes JSON-protocol commands (one or more, '\n'-separated) as one frame: as is over
// JSON, converted to length-prefixed protobuf Commands over protobuf.
func (c *wsClient) send(cmds string) {
	if t, ok := parseJSONValues([]byte(cmds)); ok {
		var texts []string
		for _, v := range t {
			texts = append(texts, canonical(c.s.norm.tree(v, "")))
		}
		c.s.record(c.name+" →", strings.Join(texts, "\n"), nil)
	} else {
		c.s.record(c.name+" →", strconv.Quote(cmds), nil)
	}
	if !c.proto {
		c.write(websocket.TextMessage, []byte(cmds))
		return
	}
	frame, err := jsonToProtobuf(cmds)
	if err != nil {
		c.s.record("harness", "cannot convert to protobuf: "+err.Error(), nil)
		return
	}
	c.write(websocket.BinaryMessage, frame)
}

// jsonToProtobuf converts JSON-protocol commands with the protocol library's own decoder
// (data fields stay raw JSON bytes) and encodes them as one protobuf frame.
func jsonToProtobuf(cmds string) ([]byte, error) {
	dec := protocol.NewJSONCommandDecoder([]byte(cmds))
	enc := protocol.NewProtobufCommandEncoder()
	var frame []byte
	for {
		cmd, err := dec.Decode()
		if err != nil && err != io.EOF {
			return nil, err
		}
		if cmd != nil {
			b, encErr := enc.Encode(cmd)
			if encErr != nil {
				return nil, encErr
			}
			frame = append(frame, b...)
		}
		if err == io.EOF {
			return frame, nil
		}
	}
}

// sendText / sendBinary write a frame as is, whatever the session's encoding.
func (c *wsClient) sendText(text string) {
	c.s.record(c.name+" → text frame", strconv.Quote(text), nil)
	c.write(websocket.TextMessage, []byte(text))
}

func (c *wsClient) sendBinary(b []byte) {
	c.s.record(c.name+" → binary frame", fmt.Sprintf("%x", b), nil)
	c.write(websocket.BinaryMessage, b)
}

func (c *wsClient) write(typ int, b []byte) {
	if c.closed {
		c.s.record(c.name+" write", "skipped: connection already closed", nil)
		return
	}
	c.writeMu.lock()
	defer c.writeMu.unlock()
	c.lastSend = time.Now()
	_ = c.ws.SetWriteDeadline(time.Now().Add(expectTimeout))
	if err := c.ws.WriteMessage(typ, b); err != nil {
		c.s.record(c.name+" write", "failed (connection gone)", nil)
	}
}

// call sends commands and records the next reply.
func (c *wsClient) call(cmds string) { c.send(cmds); c.expect(1) }

// expect records the next n messages (replies or pushes), a close, or their absence.
func (c *wsClient) expect(n int) {
	for i := 0; i < n; i++ {
		if c.closed {
			c.s.record(c.name+" ←", "(nothing: connection closed)", nil)
			return
		}
		select {
		case ev := <-c.events:
			if c.take(ev) {
				return
			}
		case <-time.After(expectTimeout):
			c.s.record(c.name+" ←", fmt.Sprintf("(nothing within %v)", expectTimeout), nil)
			return
		}
	}
}

// expectClose records every message until the connection ends, then how it ended.
func (c *wsClient) expectClose() {
	deadline := time.After(closeTimeout)
	for !c.closed {
		select {
		case ev := <-c.events:
			c.take(ev)
		case <-deadline:
			c.s.record(c.name+" close", fmt.Sprintf("(still open after %v)", closeTimeout), nil)
			return
		}
	}
}

// quiet records whatever arrives within d (normally nothing: then nothing is recorded).
func (c *wsClient) quiet(d time.Duration) {
	time.Sleep(d)
	c.drain()
}

func (c *wsClient) drain() {
	for !c.closed {
		select {
		case ev := <-c.events:
			c.take(ev)
		default:
			return
		}
	}
}

// take records an event; true when it ended the connection.
func (c *wsClient) take(ev wsEvent) bool {
	switch {
	case ev.closed != "":
		c.closed = true
		text := ev.closed
		if strings.HasPrefix(text, "dropped") {
			text += " " + bucket(ev.elapsed)
		}
		c.s.record(c.name+" close", text, nil)
		return true
	case ev.raw != "":
		c.s.record(c.name+" ←", ev.raw, nil)
	default:
		if m, ok := ev.msg.(map[string]any); ok {
			if res, ok := m["connect"].(map[string]any); ok {
				if id, ok := res["client"].(string); ok {
					c.clientID = id
				}
			}
		}
		v := c.s.norm.tree(ev.msg, "")
		c.s.record(c.name+" ←", canonical(v), v)
	}
	return false
}

// ---------------------------------------------------------------------------------------
// JSON helpers.

func parseJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// parseJSONValues parses one or more whitespace-separated JSON values.
func parseJSONValues(b []byte) ([]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, len(out) > 0
		}
		if err != nil {
			return nil, false
		}
		out = append(out, v)
	}
}

// canonical renders a tree with sorted keys and without HTML escaping.
func canonical(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func jsonMarshalIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

// ---------------------------------------------------------------------------------------
// Normalisation: what legitimately differs between two servers answering the same script.

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// normaliser replaces generated values with placeholders numbered by first appearance in the
// transcript, so equal values stay equal and different ones stay different.
type normaliser struct {
	ids    map[string]string
	epochs map[string]string
}

func newNormaliser() *normaliser {
	return &normaliser{ids: map[string]string{}, epochs: map[string]string{}}
}

func (n *normaliser) id(s string) string { return placeholder(n.ids, "id", s) }

func (n *normaliser) epoch(s string) string { return placeholder(n.epochs, "epoch", s) }

// placeholder returns s's placeholder in seen, numbering a new one <kindN>.
func placeholder(seen map[string]string, kind, s string) string {
	if p, ok := seen[s]; ok {
		return p
	}
	p := fmt.Sprintf("<%s%d>", kind, len(seen)+1)
	seen[s] = p
	return p
}

// tree normalises v, the value of key in its parent object:
//   - client ids and node uids (UUIDs), as values or map keys: <idN>
//   - epoch: <epochN> (generated per stream; the memory engines' lengths differ)
//   - version strings (server versions): <version>
//   - time, uptime (clock readings), ttl (seconds left, may tick between the two runs)
//   - token: <token> (signed at slightly different times)
//   - info nodes: name, process figures and metric values
func (n *normaliser) tree(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		_, hasUID := x["uid"]
		_, hasClients := x["num_clients"]
		node := hasUID && hasClients
		out := make(map[string]any, len(x))
		for _, k := range keys {
			nk := k
			if uuidRE.MatchString(k) {
				nk = n.id(k)
			}
			out[nk] = n.field(k, x[k], node)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.tree(e, key)
		}
		return out
	case string:
		if uuidRE.MatchString(x) {
			return n.id(x)
		}
		return x
	default:
		return v
	}
}

func (n *normaliser) field(k string, v any, node bool) any {
	_, isNum := v.(json.Number)
	s, isStr := v.(string)
	switch {
	case k == "epoch" && isStr && s != "":
		return n.epoch(s)
	case k == "version" && isStr:
		return "<version>"
	case (k == "time" || k == "uptime" || k == "ttl") && isNum:
		return "<" + k + ">"
	case k == "token" && isStr && s != "":
		return "<token>"
	}
	if node {
		switch k {
		case "name":
			return "<node name>"
		case "process":
			return numbersToPlaceholder(v)
		case "metrics":
			if m, ok := v.(map[string]any); ok {
				out := map[string]any{}
				for mk, mv := range m {
					if mk == "items" {
						out[mk] = numbersToPlaceholder(mv)
					} else {
						out[mk] = mv
					}
				}
				return out
			}
		}
	}
	return n.tree(v, k)
}

// numbersToPlaceholder keeps an object's keys and replaces its numeric values with <n>.
func numbersToPlaceholder(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if _, num := e.(json.Number); num {
			out[k] = "<n>"
		} else {
			out[k] = e
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Comparison.

// compareTranscripts returns the differences (empty when equal). Entries are aligned by a
// best-scoring common subsequence in which equal entries weigh most and entries with the same
// label (the same step, another answer) less: a changed answer shows as a pair, a missing or
// extra message as such.
func compareTranscripts(cf, he *transcript) []string {
	a, b := cf.entries, he.entries
	weight := func(x, y entry) int {
		switch {
		case x.label == y.label && x.text == y.text:
			return 3
		case x.label == y.label:
			return 2
		}
		return 0
	}
	// best[i][j]: best score aligning a[i:] with b[j:]
	best := make([][]int, len(a)+1)
	for i := range best {
		best[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			best[i][j] = max(best[i+1][j], best[i][j+1])
			if w := weight(a[i], b[j]); w > 0 {
				best[i][j] = max(best[i][j], best[i+1][j+1]+w)
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && weight(a[i], b[j]) > 0 &&
			best[i][j] == best[i+1][j+1]+weight(a[i], b[j]):
			if weight(a[i], b[j]) == 2 {
				out = append(out, describePair(a[i], b[j])...)
			}
			i++
			j++
		case j >= len(b) || (i < len(a) && best[i][j] == best[i+1][j]):
			out = append(out, fmt.Sprintf("  %s\n    centrifugo: %s\n    herald:     (nothing)",
				a[i].label, clip(a[i].text, 600)))
			i++
		default:
			out = append(out, fmt.Sprintf("  %s\n    centrifugo: (nothing)\n    herald:     %s",
				b[j].label, clip(b[j].text, 600)))
			j++
		}
	}
	return out
}

func describePair(x, y entry) []string {
	label := x.label
	if x.label != y.label {
		label = x.label + " | herald: " + y.label
	}
	if len(x.text)+len(y.text) <= 500 || x.tree == nil || y.tree == nil {
		return []string{fmt.Sprintf("  %s\n    centrifugo: %s\n    herald:     %s", label,
			clip(x.text, 600), clip(y.text, 600))}
	}
	// Long answers: only where they differ.
	var paths []string
	diffTree("", x.tree, y.tree, &paths)
	const max = 25
	if len(paths) > max {
		paths = append(paths[:max], fmt.Sprintf("      ... %d more", len(paths)-max))
	}
	return []string{fmt.Sprintf("  %s (differences only)\n%s", label, strings.Join(paths, "\n"))}
}

func diffTree(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			av, ain := am[k]
			bv, bin := bm[k]
			p := path + "." + k
			switch {
			case !ain:
				*out = append(*out, fmt.Sprintf("      %s: centrifugo (absent) | herald %s", p,
					clip(canonical(bv), 120)))
			case !bin:
				*out = append(*out, fmt.Sprintf("      %s: centrifugo %s | herald (absent)", p,
					clip(canonical(av), 120)))
			default:
				diffTree(p, av, bv, out)
			}
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			diffTree(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i], out)
		}
		return
	}
	if ca, cb := canonical(a), canonical(b); ca != cb {
		*out = append(*out, fmt.Sprintf("      %s: centrifugo %s | herald %s", path,
			clip(ca, 200), clip(cb, 200)))
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

// header is a shorthand for one-header maps in scripts.
func header(kv ...string) map[string]string {
	h := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}
