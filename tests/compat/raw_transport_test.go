// Transport behaviour from a hand-written client: server pings and the pong timeout (§1.10),
// subprotocol negotiation and origin checks at the handshake (§1.1).
package compat

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// On the "ping" server: ping_interval 2s, pong_timeout 1s.
func TestRawPingPong(t *testing.T) {
	for _, proto := range []bool{false, true} {
		suffix := ""
		if proto {
			suffix = " (protobuf)"
		}
		t.Run("silent client is closed with 3012"+suffix, func(t *testing.T) {
			t.Parallel()
			s := server(t, "ping")
			c := dialRaw(t, s, proto)
			c.autoPong = false
			r := c.mustConnect(connToken(t, unique("u"), time.Hour, nil))
			if r.ping != 2 || !r.pong {
				t.Fatalf("connect reply %s, want ping 2 and pong true", r.raw)
			}
			c.expectClose(3012)
			if c.pings == 0 {
				t.Fatal("closed for no pong without having sent a ping")
			}
		})
		t.Run("answering client stays"+suffix, func(t *testing.T) {
			t.Parallel()
			s := server(t, "ping")
			c := dialRaw(t, s, proto)
			c.mustConnect(connToken(t, unique("u"), time.Hour, nil))
			// Each ping is answered (autoPong); a pong timeout would close the connection
			// before the next ping arrives.
			for c.pings < 3 {
				if r := c.next(); !r.isPing() {
					t.Fatalf("got %s, want only pings", r.raw)
				}
			}
		})
	}
}

func TestRawSubprotocolNegotiation(t *testing.T) {
	s := server(t, "main")
	cases := []struct {
		name     string
		query    string
		offer    []string
		echo     string
		protobuf bool
	}{
		{"centrifuge-protobuf offered", "", []string{"centrifuge-protobuf"},
			"centrifuge-protobuf", true},
		{"centrifuge-json offered", "", []string{"centrifuge-json"}, "centrifuge-json", false},
		{"cf_protocol=protobuf query", "cf_protocol=protobuf", nil, "", true},
		{"no subprotocol is JSON", "", nil, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := dialWS(s.WSURL(tc.query), nil, tc.offer)
			if err != nil {
				t.Fatalf("dial: %v (response %s)", err, statusOf(resp))
			}
			if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != tc.echo {
				t.Fatalf("Sec-WebSocket-Protocol %q, want %q", got, tc.echo)
			}
			c := newRawClient(t, ws, tc.protobuf)
			c.mustConnect(connToken(t, unique("u"), time.Hour, nil))
			want := websocket.TextMessage
			if tc.protobuf {
				want = websocket.BinaryMessage
			}
			if c.lastType != want {
				t.Fatalf("connect reply in frame type %d, want %d", c.lastType, want)
			}
		})
	}
}

// client.allowed_origins is [] on "main": only requests without an Origin header pass.
func TestRawOriginRejected(t *testing.T) {
	s := server(t, "main")
	header := http.Header{"Origin": []string{"https://evil.example.com"}}
	ws, resp, err := dialWS(s.WSURL(""), header, nil)
	if err == nil {
		ws.Close()
		t.Fatal("handshake with a foreign Origin succeeded, want HTTP 403")
	}
	if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("handshake with a foreign Origin: %v (response %s), want HTTP 403",
			err, statusOf(resp))
	}
}
