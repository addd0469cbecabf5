//go:build differential

// Client protocol cases of the differential test: raw WebSocket scripts written as JSON
// commands, run once over JSON and once over Protobuf (the commands converted).
package compat

import (
	"fmt"
	"strings"
	"time"
)

func clientCase(name string, run func(s *session)) diffCase {
	return diffCase{name: "client " + name, client: true, run: run}
}

func clientCases() []diffCase {
	hour := time.Hour
	long := "chat:" + strings.Repeat("l", 300)
	return []diffCase{
		// --- connect
		clientCase("connect with a token", func(s *session) {
			s.connect("c1", token("cl-connect", hour, nil))
		}),
		clientCase("connect with a token without expiry", func(s *session) {
			s.connect("c1", hs256(map[string]any{"sub": "cl-noexp"}))
		}),
		clientCase("connect with name, version and data", func(s *session) {
			c := s.dial("c1", "")
			c.call(`{"id":1,"connect":{"token":"` + token("cl-name", hour, nil) +
				`","name":"differential","version":"1.0","data":{"hello":1}}}`)
		}),
		clientCase("connect without a token", func(s *session) {
			c := s.dial("c1", "")
			c.send(`{"id":1,"connect":{}}`)
			c.expectClose()
		}),
		{name: "client connect anonymously", client: true, config: "open", run: func(s *session) {
			c := s.connect("c1", "")
			c.call(`{"id":2,"subscribe":{"channel":"anon:x"}}`)
			c.call(`{"id":3,"subscribe":{"channel":"chat:x"}}`)
		}},
		clientCase("connect with a bad signature", func(s *session) {
			tok := token("cl-badsig", hour, nil)
			c := s.dial("c1", "")
			c.send(`{"id":1,"connect":{"token":"` + tok[:len(tok)-4] + `AAAA"}}`)
			c.expectClose()
		}),
		clientCase("connect with a malformed token", func(s *session) {
			c := s.dial("c1", "")
			c.send(`{"id":1,"connect":{"token":"not.a.jwt"}}`)
			c.expectClose()
		}),
		clientCase("connect with an expired token", func(s *session) {
			c := s.dial("c1", "")
			c.call(`{"id":1,"connect":{"token":"` + token("cl-expired", -time.Minute, nil) + `"}}`)
			c.quiet(300 * time.Millisecond)
		}),
		clientCase("frames after a connect error", func(s *session) {
			c := s.dial("c1", "")
			c.call(`{"id":1,"connect":{"token":"` + token("cl-after-err", -time.Minute, nil) + `"}}`)
			c.send(`{"id":2,"subscribe":{"channel":"chat:x"}}`)
			c.send(`{"id":3,"connect":{"token":"` + token("cl-after-err", hour, nil) + `"}}`)
			c.expectClose()
		}),
		clientCase("connect with server-side subscriptions", func(s *session) {
			s.api("publish", `{"channel":"chat:srv-sub","data":{"n":1}}`)
			c := s.connect("c1", token("cl-srv", hour, map[string]any{
				"channels": []string{"chat:srv-sub", "pub:srv-sub"},
				"info":     map[string]any{"name": "server-side"},
			}))
			s.api("publish", `{"channel":"chat:srv-sub","data":{"n":2}}`)
			c.expect(1)
			s.api("presence", `{"channel":"chat:srv-sub"}`)
		}),
		clientCase("connect recovering server-side subscriptions", func(s *session) {
			s.api("publish", `{"channel":"chat:srv-rec","data":{"n":1}}`)
			s.api("publish", `{"channel":"chat:srv-rec","data":{"n":2}}`)
			epoch := s.epochOf("chat:srv-rec")
			c := s.dial("c1", "")
			c.call(`{"id":1,"connect":{"token":"` + token("cl-srv-rec", hour, map[string]any{
				"channels": []string{"chat:srv-rec"}}) +
				`","subs":{"chat:srv-rec":{"recover":true,"epoch":"` + epoch + `","offset":1}}}}`)
		}),
		clientCase("second connect", func(s *session) {
			c := s.connect("c1", token("cl-second", hour, nil))
			c.send(`{"id":2,"connect":{"token":"` + token("cl-second", hour, nil) + `"}}`)
			c.expectClose()
		}),
		clientCase("command before connect", func(s *session) {
			c := s.dial("c1", "")
			c.send(`{"id":1,"subscribe":{"channel":"chat:x"}}`)
			c.expectClose()
		}),

		// --- subscribe
		clientCase("subscribe", func(s *session) {
			c := s.connect("c1", token("cl-sub", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-sub"}}`)
			s.api("publish", `{"channel":"chat:cl-sub","data":{"n":1},"tags":{"t":"v"}}`)
			c.expect(1)
			c.call(`{"id":3,"subscribe":{"channel":"pub:cl-sub"}}`)
			s.api("publish", `{"channel":"pub:cl-sub","data":"plain"}`)
			c.expect(1)
		}),
		clientCase("subscribe errors", func(s *session) {
			c := s.connect("c1", token("cl-sub-err", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-sub-err"}}`)
			c.call(`{"id":3,"subscribe":{"channel":"chat:cl-sub-err"}}`)
			c.call(`{"id":4,"subscribe":{"channel":"nope:x"}}`)
			c.call(`{"id":5,"subscribe":{"channel":"locked:x"}}`)
			c.call(`{"id":6,"subscribe":{"channel":"$chat:private"}}`)
			c.call(`{"id":7,"subscribe":{"channel":"` + long + `"}}`)
			c.call(`{"id":8,"subscribe":{"channel":"chat:bad name"}}`)
		}),
		clientCase("subscribe with an empty channel", func(s *session) {
			c := s.connect("c1", token("cl-sub-empty", hour, nil))
			c.send(`{"id":2,"subscribe":{"channel":""}}`)
			c.expectClose()
		}),
		clientCase("subscribe with a subscription token", func(s *session) {
			c := s.connect("c1", token("cl-subtok", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"$chat:cl-subtok","token":"` +
				dSubToken("cl-subtok", "$chat:cl-subtok", hour) + `"}}`)
			c.call(`{"id":3,"subscribe":{"channel":"$chat:cl-subtok-exp","token":"` +
				dSubToken("cl-subtok", "$chat:cl-subtok-exp", -time.Minute) + `"}}`)
			c.call(`{"id":4,"subscribe":{"channel":"$chat:cl-subtok-bad","token":"garbage"}}`)
			c.call(`{"id":5,"sub_refresh":{"channel":"$chat:cl-subtok","token":"` +
				dSubToken("cl-subtok", "$chat:cl-subtok", 2*hour) + `"}}`)
			c.call(`{"id":6,"sub_refresh":{"channel":"$chat:cl-subtok","token":""}}`)
			c.call(`{"id":7,"sub_refresh":{"channel":"chat:not-subscribed","token":"x"}}`)
		}),
		clientCase("subscribe with a token of another user", func(s *session) {
			c := s.connect("c1", token("cl-subtok-other", hour, nil))
			c.send(`{"id":2,"subscribe":{"channel":"$chat:other","token":"` +
				dSubToken("someone-else", "$chat:other", hour) + `"}}`)
			c.expectClose()
		}),
		clientCase("subscribe with recovery", func(s *session) {
			for i := 1; i <= 3; i++ {
				s.apiQuiet("publish", fmt.Sprintf(`{"channel":"chat:cl-rec","data":{"n":%d}}`, i))
			}
			epoch := s.epochOf("chat:cl-rec")
			c := s.connect("c1", token("cl-rec", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-rec","recover":true,` +
				`"recoverable":true,"epoch":"` + epoch + `","offset":1}}`)
			c.call(`{"id":3,"subscribe":{"channel":"chat:cl-rec-2","recover":true,` +
				`"recoverable":true,"epoch":"wrong","offset":1}}`)
			c.call(`{"id":4,"subscribe":{"channel":"chat:cl-rec-3","positioned":true}}`)
		}),
		clientCase("subscribe with an allowed delta type", func(s *session) {
			// A known difference: kept to delta alone (offset 1, which carries the epoch in
			// Centrifugo, is published before the subscription).
			s.apiQuiet("publish", `{"channel":"chat:cl-delta","data":{"text":"hello"}}`)
			c := s.connect("c1", token("cl-delta", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-delta","delta":"fossil"}}`)
			s.api("publish", `{"channel":"chat:cl-delta","data":{"text":"hello hello"}}`)
			c.expect(1)
			s.api("publish", `{"channel":"chat:cl-delta","data":{"text":"hello hello!"}}`)
			c.expect(1)
		}),
		clientCase("subscribe with a delta type not allowed", func(s *session) {
			c := s.connect("c1", token("cl-delta-no", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"pub:cl-delta","delta":"fossil"}}`)
			s.api("publish", `{"channel":"pub:cl-delta","data":{"text":"hello"}}`)
			c.expect(1)
		}),
		clientCase("subscribe with an unknown delta type", func(s *session) {
			c := s.connect("c1", token("cl-delta-bad", hour, nil))
			c.send(`{"id":2,"subscribe":{"channel":"chat:cl-delta-bad","delta":"xdelta"}}`)
			c.expectClose()
		}),
		clientCase("join and leave", func(s *session) {
			c1 := s.connect("c1", token("cl-jl-1", hour, map[string]any{
				"info": map[string]any{"who": "one"}}))
			c1.call(`{"id":2,"subscribe":{"channel":"chat:cl-jl","join_leave":true}}`)
			c1.quiet(200 * time.Millisecond)
			c2 := s.connect("c2", token("cl-jl-2", hour, nil))
			c2.call(`{"id":2,"subscribe":{"channel":"chat:cl-jl"}}`)
			c1.expect(1)
			c2.call(`{"id":3,"unsubscribe":{"channel":"chat:cl-jl"}}`)
			c1.expect(1)
		}),
		clientCase("unsubscribe", func(s *session) {
			c := s.connect("c1", token("cl-unsub", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-unsub"}}`)
			c.call(`{"id":3,"unsubscribe":{"channel":"chat:cl-unsub"}}`)
			c.call(`{"id":4,"unsubscribe":{"channel":"chat:cl-unsub"}}`)
			s.api("publish", `{"channel":"chat:cl-unsub","data":{}}`)
			c.quiet(300 * time.Millisecond)
		}),

		// --- publish, rpc
		clientCase("publish", func(s *session) {
			c := s.connect("c1", token("cl-pub", hour, map[string]any{
				"info": map[string]any{"who": "publisher"}}))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-pub"}}`)
			c.call(`{"id":3,"publish":{"channel":"chat:cl-pub","data":{"from":"client"}}}`)
			c.expect(1)
			c.call(`{"id":4,"publish":{"channel":"pub:cl-pub","data":{"from":"client"}}}`)
			s.api("history", `{"channel":"chat:cl-pub","limit":-1}`)
		}),
		clientCase("publish then unsubscribe in one frame", func(s *session) {
			c := s.connect("c1", token("cl-pub-unsub", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-pub-unsub"}}`)
			c.send(`{"id":3,"publish":{"channel":"chat:cl-pub-unsub","data":{"last":true}}}` + "\n" +
				`{"id":4,"unsubscribe":{"channel":"chat:cl-pub-unsub"}}`)
			c.expect(3)
		}),
		clientCase("publish without data", func(s *session) {
			c := s.connect("c1", token("cl-pub-nodata", hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:cl-pub-nodata"}}`)
			c.call(`{"id":3,"publish":{"channel":"chat:cl-pub-nodata"}}`)
			c.call(`{"id":4,"presence_stats":{"channel":"chat:cl-pub-nodata"}}`)
		}),
		clientCase("publish errors", func(s *session) {
			c := s.connect("c1", token("cl-pub-err", hour, nil))
			c.call(`{"id":2,"publish":{"channel":"chat:cl-pub-err","data":{}}}`)
			c.call(`{"id":3,"publish":{"channel":"locked:x","data":{}}}`)
			c.call(`{"id":4,"publish":{"channel":"nope:x","data":{}}}`)
		}),
		clientCase("publish with an empty channel", func(s *session) {
			c := s.connect("c1", token("cl-pub-empty", hour, nil))
			c.send(`{"id":2,"publish":{"channel":"","data":{}}}`)
			c.expectClose()
		}),
		clientCase("rpc", func(s *session) {
			c := s.connect("c1", token("cl-rpc", hour, nil))
			c.call(`{"id":2,"rpc":{"method":"getCurrentYear","data":{}}}`)
			c.call(`{"id":3,"rpc":{"data":{}}}`)
			c.call(`{"id":4,"rpc":{}}`)
		}),

		// --- presence, history
		clientCase("presence and history", func(s *session) {
			c1 := s.connect("c1", token("cl-pres-1", hour, map[string]any{
				"info": map[string]any{"who": "one"}}))
			c1.call(`{"id":2,"subscribe":{"channel":"chat:cl-pres"}}`)
			c2 := s.connect("c2", token("cl-pres-2", hour, nil))
			c2.call(`{"id":2,"subscribe":{"channel":"chat:cl-pres"}}`)
			for i := 1; i <= 4; i++ {
				s.apiQuiet("publish", fmt.Sprintf(`{"channel":"chat:cl-pres","data":{"n":%d}}`, i))
			}
			c1.expect(4)
			c2.expect(4)
			epoch := s.epochOf("chat:cl-pres")
			c1.call(`{"id":3,"presence":{"channel":"chat:cl-pres"}}`)
			c1.call(`{"id":4,"presence_stats":{"channel":"chat:cl-pres"}}`)
			c1.call(`{"id":5,"history":{"channel":"chat:cl-pres"}}`)
			c1.call(`{"id":6,"history":{"channel":"chat:cl-pres","limit":2}}`)
			c1.call(`{"id":7,"history":{"channel":"chat:cl-pres","limit":-1}}`)
			c1.call(`{"id":8,"history":{"channel":"chat:cl-pres","limit":10,"since":{"offset":2,"epoch":"` +
				epoch + `"}}}`)
			c1.call(`{"id":9,"history":{"channel":"chat:cl-pres","limit":2,"reverse":true}}`)
			c1.call(`{"id":10,"history":{"channel":"chat:cl-pres","since":{"offset":1,"epoch":"x"}}}`)
			c1.call(`{"id":11,"history":{"channel":"chat:cl-pres","limit":2,"since":{"offset":0},"reverse":true}}`)
		}),
		clientCase("presence and history errors", func(s *session) {
			c := s.connect("c1", token("cl-pres-err", hour, nil))
			c.call(`{"id":2,"presence":{"channel":"chat:not-subscribed"}}`)
			c.call(`{"id":3,"presence_stats":{"channel":"chat:not-subscribed"}}`)
			c.call(`{"id":4,"history":{"channel":"chat:not-subscribed"}}`)
			c.call(`{"id":5,"presence":{"channel":"nohist:x"}}`)
			c.call(`{"id":6,"presence_stats":{"channel":"nohist:x"}}`)
			c.call(`{"id":7,"history":{"channel":"nohist:x"}}`)
			c.call(`{"id":8,"history":{"channel":"nope:x"}}`)
			c.call(`{"id":9,"presence":{"channel":"locked:x"}}`)
		}),

		// --- refresh
		clientCase("refresh", func(s *session) {
			c := s.connect("c1", token("cl-refresh", hour, nil))
			c.call(`{"id":2,"refresh":{"token":"` + token("cl-refresh", 2*hour, nil) + `"}}`)
		}),
		clientCase("refresh with an empty token", func(s *session) {
			c := s.connect("c1", token("cl-refresh-empty", hour, nil))
			c.send(`{"id":2,"refresh":{"token":""}}`)
			c.expectClose()
		}),
		clientCase("refresh with a bad token", func(s *session) {
			c := s.connect("c1", token("cl-refresh-bad", hour, nil))
			c.send(`{"id":2,"refresh":{"token":"garbage"}}`)
			c.expectClose()
		}),
		clientCase("refresh with a token of another user", func(s *session) {
			c := s.connect("c1", token("cl-refresh-other", hour, nil))
			c.send(`{"id":2,"refresh":{"token":"` + token("someone-else", hour, nil) + `"}}`)
			c.expectClose()
		}),
		clientCase("refresh with an expired token", func(s *session) {
			c := s.connect("c1", token("cl-refresh-exp", hour, nil))
			c.send(`{"id":2,"refresh":{"token":"` + token("cl-refresh-exp", -time.Minute, nil) + `"}}`)
			c.expectClose()
		}),

		// --- pings, bad frames
		clientCase("ping with an id", func(s *session) {
			c := s.connect("c1", token("cl-ping", hour, nil))
			c.send(`{"id":2,"ping":{}}`)
			c.expectClose()
		}),
		clientCase("pong without a ping", func(s *session) {
			c := s.connect("c1", token("cl-pong", hour, nil))
			c.send(`{}`)
			c.expectClose()
		}),
		clientCase("several commands in one frame", func(s *session) {
			c := s.connect("c1", token("cl-multi", hour, nil))
			c.send(`{"id":2,"subscribe":{"channel":"chat:cl-multi"}}` + "\n" +
				`{"id":3,"presence_stats":{"channel":"chat:cl-multi"}}` + "\n" +
				`{"id":4,"publish":{"channel":"chat:cl-multi","data":{"n":1}}}`)
			c.expect(4)
		}),
		clientCase("malformed frame", func(s *session) {
			c := s.connect("c1", token("cl-malformed", hour, nil))
			if s.proto {
				c.sendBinary([]byte{0x03, 0xff, 0xff, 0xff})
			} else {
				c.sendText(`{"id":2,"subscribe":{"channel":`)
			}
			c.expectClose()
		}),
		clientCase("truncated frame", func(s *session) {
			c := s.connect("c1", token("cl-truncated", hour, nil))
			if s.proto {
				c.sendBinary([]byte{0x0a, 0x08, 0x02})
			} else {
				c.sendText(`{"id":2,"subscribe":{"channel":"chat:cl-truncated"}}` + "\n\n")
			}
			c.expectClose()
		}),
		clientCase("empty frame", func(s *session) {
			c := s.connect("c1", token("cl-empty", hour, nil))
			if s.proto {
				c.sendBinary(nil)
			} else {
				c.sendText("")
			}
			c.expectClose()
		}),
		clientCase("frame of the other type", func(s *session) {
			c := s.connect("c1", token("cl-other-type", hour, nil))
			cmd := `{"id":2,"presence_stats":{"channel":"chat:x"}}`
			if s.proto {
				c.sendText(cmd)
			} else {
				c.sendBinary([]byte(cmd))
			}
			c.expect(1)
		}),
		clientCase("unknown command", func(s *session) {
			c := s.connect("c1", token("cl-unknown", hour, nil))
			c.send(`{"id":2,"frobnicate":{"channel":"chat:x"}}`)
			c.expectClose()
		}),
		clientCase("id without a request", func(s *session) {
			c := s.connect("c1", token("cl-bare-id", hour, nil))
			c.send(`{"id":2}`)
			c.expectClose()
		}),
		clientCase("send", func(s *session) {
			c := s.connect("c1", token("cl-send", hour, nil))
			c.send(`{"send":{"data":{"x":1}}}`)
			c.expectClose()
		}),
		clientCase("invalid UTF-8 in a text frame", func(s *session) {
			c := s.connect("c1", token("cl-utf8", hour, nil))
			c.sendText("{\"id\":2,\"subscribe\":{\"channel\":\"chat:\xff\xfe\"}}")
			c.expect(1)
			c.quiet(300 * time.Millisecond)
		}),
	}
}
