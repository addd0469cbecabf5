// Bad input from a hand-written client: each gets the close code docs/protocol.md names, and a
// witness client on the same node keeps receiving publications meanwhile.
package compat

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// witness is a well-behaved JSON client subscribed to its own channel.
type witness struct {
	c       *rawClient
	channel string
	n       int
}

func newWitness(t *testing.T, s *Server) *witness {
	t.Helper()
	w := &witness{c: dialRaw(t, s, false), channel: unique("chat:witness-")}
	w.c.mustConnect(connToken(t, unique("witness-"), time.Hour, nil))
	if r := w.c.call(2, "subscribe", map[string]any{"channel": w.channel}); r.errCode != 0 {
		t.Fatalf("witness subscribe: %s", r.raw)
	}
	return w
}

// check publishes through the API and requires the witness to receive it.
func (w *witness) check(t *testing.T) {
	t.Helper()
	w.c.t = t // fail the calling (sub)test
	w.n++
	publish(t, server(t, "main"), w.channel, map[string]int{"n": w.n})
	if got, want := w.c.pub(w.channel), fmt.Sprintf(`{"n":%d}`, w.n); got != want {
		t.Fatalf("witness got %s, want %s", got, want)
	}
}

func TestRawBadInputClosesOnlyTheSender(t *testing.T) {
	s := server(t, "main")
	w := newWitness(t, s)
	token := func() string { return connToken(t, unique("bad-"), time.Hour, nil) }
	oversized := `{"id":2,"publish":{"channel":"chat:x","data":"` +
		strings.Repeat("x", 2*messageSizeLimit) + `"}}`
	cases := []struct {
		name      string
		protobuf  bool
		connected bool // connect successfully before the bad input
		send      func(c *rawClient)
		want      []int // acceptable close codes, the spec's first
	}{
		{"command before connect", false, false, func(c *rawClient) {
			c.sendText(`{"id":1,"subscribe":{"channel":"chat:x"}}`)
		}, []int{3501}},
		{"second connect", false, true, func(c *rawClient) {
			c.sendText(string(jsonCommand(2, "connect", map[string]any{"token": token()})))
		}, []int{3501}},
		{"garbage JSON", false, true, func(c *rawClient) {
			c.sendText(`{"id":2,"subscribe":{"channel":`)
		}, []int{3501}},
		{"not JSON at all", false, true, func(c *rawClient) { c.sendText("hello") }, []int{3501}},
		{"empty text frame", false, true, func(c *rawClient) { c.sendText("") }, []int{3501}},
		{"unknown command", false, true, func(c *rawClient) {
			c.sendText(`{"id":2,"frobnicate":{"channel":"chat:x"}}`)
		}, []int{3501}},
		{"id without any request", false, true, func(c *rawClient) {
			c.sendText(`{"id":2}`)
		}, []int{3501}},
		{"ping request with id", false, true, func(c *rawClient) {
			c.sendText(`{"id":2,"ping":{}}`)
		}, []int{3501}},
		{"pong without a ping", false, true, func(c *rawClient) { c.sendText(`{}`) }, []int{3501}},
		{"command before connect (protobuf)", true, false, func(c *rawClient) {
			c.sendBinary([]byte{0x04, 0x08, 0x01, 0x2a, 0x00}) // {id:1, subscribe:{}}
		}, []int{3501}},
		{"truncated varint (protobuf)", true, true, func(c *rawClient) {
			c.sendBinary([]byte{0x80})
		}, []int{3501}},
		{"truncated message (protobuf)", true, true, func(c *rawClient) {
			c.sendBinary([]byte{0x0a, 0x08, 0x02}) // says 10 bytes, carries 2
		}, []int{3501}},
		{"garbage message (protobuf)", true, true, func(c *rawClient) {
			c.sendBinary([]byte{0x03, 0xff, 0xff, 0xff})
		}, []int{3501}},
		{"empty binary frame (protobuf)", true, true, func(c *rawClient) {
			c.sendBinary(nil)
		}, []int{3501}},
		{"oversized frame", false, true, func(c *rawClient) { c.sendText(oversized) },
			[]int{1009}},
		{"oversized frame (protobuf)", true, true, func(c *rawClient) {
			c.sendBinary(make([]byte, 2*messageSizeLimit))
		}, []int{1009}},
		// Invalid UTF-8 that is also invalid JSON: 3501 by §1.2; 1007 if the WebSocket layer
		// validates text frames first (RFC 6455 §8.1).
		{"invalid UTF-8 text frame", false, true, func(c *rawClient) {
			c.sendText("\xff\xfe{\"id\":2}")
		}, []int{3501, 1007}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, s, tc.protobuf)
			if tc.connected {
				c.mustConnect(token())
			}
			tc.send(c)
			code, reason := c.closeCode()
			if !containsInt(tc.want, code) {
				t.Fatalf("closed with %d %q, want %v", code, reason, tc.want)
			}
			w.check(t)
		})
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
