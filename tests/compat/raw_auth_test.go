// Tokens and permissions from a hand-written client: close codes for bad credentials (§3),
// error replies for refused subscriptions and calls (§1.8, §6.3).
package compat

import (
	"encoding/base64"
	"testing"
	"time"
)

func TestRawConnectTokens(t *testing.T) {
	s := server(t, "main")
	user := unique("u")
	enc := base64.RawURLEncoding
	noneToken := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"`+user+`"}`)) + "."
	closes := []struct {
		name  string
		token string
		want  int
	}{
		{"wrong signature", signHS256(t, "another-secret", map[string]any{"sub": user}), 3500},
		{"malformed", "not-a-jwt", 3500},
		{"alg none", noneToken, 3500},
		{"no credentials without anonymous access", "", 3501},
	}
	for _, proto := range []bool{false, true} {
		for _, tc := range closes {
			name := tc.name
			if proto {
				name += " (protobuf)"
			}
			t.Run(name, func(t *testing.T) {
				c := dialRaw(t, s, proto)
				if proto {
					c.sendBinary(protobufConnect(1, tc.token))
				} else {
					req := map[string]any{}
					if tc.token != "" {
						req["token"] = tc.token
					}
					c.sendText(string(jsonCommand(1, "connect", req)))
				}
				c.expectClose(tc.want)
			})
		}
		t.Run("expired token replies 109", func(t *testing.T) {
			c := dialRaw(t, s, proto)
			r := c.connect(connToken(t, user, -time.Minute, nil))
			if r.errCode != 109 {
				t.Fatalf("connect reply %s, want error 109", r.raw)
			}
		})
	}
}

// connectedRaw returns a connected JSON client of user.
func connectedRaw(t *testing.T, s *Server, user string) *rawClient {
	t.Helper()
	c := dialRaw(t, s, false)
	c.mustConnect(connToken(t, user, time.Hour, nil))
	return c
}

func TestRawSubscribeErrors(t *testing.T) {
	s := server(t, "main")
	user := unique("u")
	t.Run("unknown namespace 102", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		expectError(t, c.call(2, "subscribe", map[string]any{"channel": "nosuchns:x"}), 102)
		// Errors do not end the connection: the next subscribe works.
		expectOK(t, c.call(3, "subscribe", map[string]any{"channel": unique("chat:ok-")}))
	})
	t.Run("subscribe twice 105", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		ch := unique("chat:twice-")
		expectOK(t, c.call(2, "subscribe", map[string]any{"channel": ch}))
		expectError(t, c.call(3, "subscribe", map[string]any{"channel": ch}), 105)
	})
	t.Run("private channel without token 103", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		expectError(t, c.call(2, "subscribe", map[string]any{"channel": unique("$chat:p-")}), 103)
	})
	t.Run("private channel with token 0", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		ch := unique("$chat:p-")
		expectOK(t, c.call(2, "subscribe",
			map[string]any{"channel": ch, "token": subToken(t, user, ch)}))
	})
	t.Run("subscription token of another user 3500", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		ch := unique("$chat:p-")
		c.sendText(string(jsonCommand(2, "subscribe",
			map[string]any{"channel": ch, "token": subToken(t, unique("other-"), ch)})))
		c.expectClose(3500)
	})
	t.Run("subscription token for another channel 3500", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		ch := unique("$chat:p-")
		c.sendText(string(jsonCommand(2, "subscribe",
			map[string]any{"channel": ch, "token": subToken(t, user, ch+"x")})))
		c.expectClose(3500)
	})
	t.Run("history without history 108", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		expectError(t, c.call(2, "history",
			map[string]any{"channel": unique("nohist:h-"), "limit": 10}), 108)
	})
	t.Run("presence without presence 108", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		ch := unique("rec:p-")
		expectOK(t, c.call(2, "subscribe", map[string]any{"channel": ch}))
		expectError(t, c.call(3, "presence", map[string]any{"channel": ch}), 108)
	})
	t.Run("publish without permission 103", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		expectError(t, c.call(2, "publish",
			map[string]any{"channel": unique("chat:np-"), "data": map[string]int{"x": 1}}), 103)
	})
	t.Run("rpc without proxy 108", func(t *testing.T) {
		c := connectedRaw(t, s, user)
		expectError(t, c.call(2, "rpc", map[string]any{"method": "m", "data": map[string]int{}}),
			108)
	})
}

func expectError(t *testing.T, r reply, code uint32) {
	t.Helper()
	if r.errCode != code {
		t.Fatalf("reply %s, want error %d", r.raw, code)
	}
}

func expectOK(t *testing.T, r reply) {
	t.Helper()
	if r.errCode != 0 {
		t.Fatalf("reply %s, want success", r.raw)
	}
}
