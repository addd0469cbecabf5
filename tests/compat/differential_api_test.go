//go:build differential

// Configs of the differential test and its server API cases.
package compat

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// diffConfigs: the one config file both servers load (Centrifugo v6 layout). port 0 is for
// herald (it logs the bound port); Centrifugo gets a free port picked beforehand.
var diffConfigs = map[string]func(port int) map[string]any{
	"main": func(port int) map[string]any { return diffConfig(port, false) },
	// /health enabled and anonymous connections allowed.
	"open": func(port int) map[string]any { return diffConfig(port, true) },
}

func diffConfig(port int, open bool) map[string]any {
	client := map[string]any{
		"token": map[string]any{"hmac_secret_key": hmacSecret},
	}
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"http_api":    map[string]any{"key": diffAPIKey},
		"log":         map[string]any{"level": "info"},
		"usage_stats": map[string]any{"disabled": true},
		"client":      client,
		"channel": map[string]any{
			"namespaces": []map[string]any{
				{
					// History, presence, join/leave, recovery, delta: everything.
					"name":                          "chat",
					"history_size":                  10,
					"history_ttl":                   "300s",
					"presence":                      true,
					"join_leave":                    true,
					"force_recovery":                true,
					"allowed_delta_types":           []string{"fossil"},
					"allow_subscribe_for_client":    true,
					"allow_publish_for_subscriber":  true,
					"allow_presence_for_subscriber": true,
					"allow_history_for_subscriber":  true,
				},
				{
					// Publish for any client, no history.
					"name":                       "pub",
					"allow_subscribe_for_client": true,
					"allow_publish_for_client":   true,
				},
				{
					// History and presence permitted but not enabled: 108.
					"name":                       "nohist",
					"allow_subscribe_for_client": true,
					"allow_history_for_client":   true,
					"allow_presence_for_client":  true,
				},
				{
					// Nothing allowed.
					"name": "locked",
				},
				{
					"name":                          "anon",
					"allow_subscribe_for_client":    true,
					"allow_subscribe_for_anonymous": true,
				},
			},
		},
	}
	if open {
		cfg["health"] = map[string]any{"enabled": true}
		client["allow_anonymous_connect_without_token"] = true
	}
	return cfg
}

func apiCase(name string, run func(s *session)) diffCase {
	return diffCase{name: "api " + name, run: run}
}

func apiCases() []diffCase {
	long := "chat:" + strings.Repeat("l", 300)
	binary := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff})
	var many []string
	for i := 0; i < 150; i++ {
		many = append(many, fmt.Sprintf(`"chat:bcast-many-%d"`, i))
	}
	hist := func(ch string) string { return `{"channel":"` + ch + `","limit":-1}` }
	return []diffCase{
		// --- publish
		apiCase("publish", func(s *session) {
			s.api("publish", `{"channel":"chat:publish","data":{"text":"hello"}}`)
			s.api("publish", `{"channel":"chat:publish","data":[1,"two",{"three":3}]}`)
			s.api("history", hist("chat:publish"))
		}),
		apiCase("publish without history", func(s *session) {
			s.api("publish", `{"channel":"pub:nohistory","data":{"x":1}}`)
			s.api("publish", `{"channel":"nohist:nohistory","data":"text"}`)
		}),
		apiCase("publish data null", func(s *session) {
			s.api("publish", `{"channel":"chat:data-null","data":null}`)
			s.api("history", hist("chat:data-null"))
		}),
		apiCase("publish without data", func(s *session) {
			s.api("publish", `{"channel":"chat:no-data"}`)
			s.api("history", hist("chat:no-data"))
		}),
		apiCase("publish empty channel", func(s *session) {
			s.api("publish", `{"channel":"","data":{}}`)
			s.api("publish", `{"data":{}}`)
		}),
		apiCase("publish unknown namespace", func(s *session) {
			s.api("publish", `{"channel":"nope:x","data":{}}`)
		}),
		apiCase("publish long channel", func(s *session) {
			s.api("publish", `{"channel":"`+long+`","data":{"long":true}}`)
			s.api("history", hist(long))
		}),
		apiCase("publish idempotency key", func(s *session) {
			body := `{"channel":"chat:idem","data":{"n":1},"idempotency_key":"k1"}`
			s.api("publish", body)
			s.api("publish", body)
			s.api("publish", `{"channel":"chat:idem","data":{"n":2},"idempotency_key":"k1"}`)
			s.api("publish", `{"channel":"chat:idem","data":{"n":3},"idempotency_key":"k2"}`)
			s.api("history", hist("chat:idem"))
		}),
		apiCase("publish skip_history", func(s *session) {
			s.api("publish", `{"channel":"chat:skip","data":{"n":1},"skip_history":true}`)
			s.api("publish", `{"channel":"chat:skip","data":{"n":2}}`)
			s.api("history", hist("chat:skip"))
		}),
		apiCase("publish tags", func(s *session) {
			s.api("publish", `{"channel":"chat:tags","data":{},"tags":{"a":"1","b":""}}`)
			s.api("history", hist("chat:tags"))
		}),
		apiCase("publish b64data", func(s *session) {
			s.api("publish", `{"channel":"pub:b64","b64data":"`+
				base64.StdEncoding.EncodeToString([]byte(`{"json":true}`))+`"}`)
			s.api("publish", `{"channel":"chat:b64","b64data":"`+
				base64.StdEncoding.EncodeToString([]byte(`{"json":true}`))+`"}`)
			s.api("history", hist("chat:b64"))
		}),
		apiCase("history of non-JSON data", func(s *session) {
			s.api("publish", `{"channel":"chat:binary","b64data":"`+binary+`"}`)
			s.api("history", hist("chat:binary"))
		}),
		apiCase("publish wrong types", func(s *session) {
			s.api("publish", `{"channel":1,"data":{}}`)
			s.api("publish", `{"channel":"chat:types","data":{},"skip_history":"yes"}`)
			s.api("publish", `{"channel":"chat:types","data":{},"tags":{"a":1}}`)
			s.api("publish", `{"channel":"chat:types","data":{},"idempotency_key":5}`)
			s.api("publish", `{"channel":"chat:types","b64data":"not base64!"}`)
		}),
		apiCase("body not an object", func(s *session) {
			s.api("publish", `[]`)
			s.api("publish", `"text"`)
			s.api("publish", `null`)
			s.api("publish", `42`)
		}),
		apiCase("malformed JSON", func(s *session) {
			s.api("publish", `{bad`)
			s.api("publish", `{"channel":"chat:x","data":{}} trailing`)
			s.api("info", `{`)
		}),
		apiCase("empty body", func(s *session) {
			s.api("publish", ``)
			s.api("info", ``)
			s.api("channels", ``)
		}),
		apiCase("unknown fields", func(s *session) {
			s.api("publish", `{"channel":"chat:unknown-fields","data":{},"frobnicate":true}`)
		}),

		// --- broadcast
		apiCase("broadcast", func(s *session) {
			s.api("broadcast", `{"channels":["chat:bcast-1","pub:bcast-2","nope:bcast-3",""],`+
				`"data":{"b":1}}`)
			s.api("history", hist("chat:bcast-1"))
		}),
		apiCase("broadcast without data", func(s *session) {
			s.api("broadcast", `{"channels":["chat:bcast-nodata-1","chat:bcast-nodata-2"]}`)
		}),
		apiCase("broadcast data null", func(s *session) {
			s.api("broadcast", `{"channels":["chat:bcast-null"],"data":null}`)
			s.api("history", hist("chat:bcast-null"))
		}),
		apiCase("broadcast many channels", func(s *session) {
			s.api("broadcast", `{"channels":[`+strings.Join(many, ",")+`],"data":{"many":1}}`)
			s.api("history", hist("chat:bcast-many-149"))
		}),
		apiCase("broadcast no channels", func(s *session) {
			s.api("broadcast", `{"channels":[],"data":{}}`)
			s.api("broadcast", `{"data":{}}`)
		}),
		apiCase("broadcast idempotency key", func(s *session) {
			body := `{"channels":["chat:bcast-idem"],"data":{},"idempotency_key":"b1"}`
			s.api("broadcast", body)
			s.api("broadcast", body)
			s.api("history", hist("chat:bcast-idem"))
		}),

		// --- server API on live connections
		apiCase("subscribe a live client", func(s *session) {
			c := s.connect("c1", token("api-sub-user", time.Hour, nil))
			s.api("subscribe", `{"user":"api-sub-user","channel":"chat:api-sub"}`)
			c.expect(1)
			s.api("publish", `{"channel":"chat:api-sub","data":{"after":"subscribe"}}`)
			c.expect(1)
			s.api("presence_stats", `{"channel":"chat:api-sub"}`)
		}),
		apiCase("subscribe with data and info", func(s *session) {
			c := s.connect("c1", token("api-sub-data", time.Hour, nil))
			s.api("subscribe", `{"user":"api-sub-data","channel":"chat:api-sub-data",`+
				`"data":{"welcome":1},"info":{"role":"admin"}}`)
			c.expect(1)
			s.api("presence", `{"channel":"chat:api-sub-data"}`)
		}),
		apiCase("subscribe with recover_since", func(s *session) {
			s.api("publish", `{"channel":"chat:api-sub-rec","data":{"n":1}}`)
			s.api("publish", `{"channel":"chat:api-sub-rec","data":{"n":2}}`)
			epoch := s.epochOf("chat:api-sub-rec")
			c := s.connect("c1", token("api-sub-rec", time.Hour, nil))
			s.api("subscribe", `{"user":"api-sub-rec","channel":"chat:api-sub-rec",`+
				`"recover_since":{"offset":1,"epoch":"`+epoch+`"}}`)
			c.expect(1)
		}),
		apiCase("subscribe errors", func(s *session) {
			s.api("subscribe", `{"user":"nobody","channel":"nope:x"}`)
			s.api("subscribe", `{"channel":"chat:x"}`)
			s.api("subscribe", `{"user":"nobody"}`)
			s.api("subscribe", `{"user":"nobody","channel":"chat:x"}`)
		}),
		apiCase("unsubscribe a live client", func(s *session) {
			c := s.connect("c1", token("api-unsub", time.Hour, nil))
			c.call(`{"id":2,"subscribe":{"channel":"chat:api-unsub"}}`)
			s.api("unsubscribe", `{"user":"api-unsub","channel":"chat:api-unsub"}`)
			c.expect(1)
			s.api("presence_stats", `{"channel":"chat:api-unsub"}`)
			s.api("unsubscribe", `{"user":"api-unsub"}`)
			s.api("unsubscribe", `{"channel":"chat:api-unsub"}`)
		}),
		apiCase("disconnect a live client", func(s *session) {
			c := s.connect("c1", token("api-disc", time.Hour, nil))
			s.api("disconnect", `{"user":"api-disc"}`)
			c.expectClose()
		}),
		apiCase("disconnect with a code", func(s *session) {
			c := s.connect("c1", token("api-disc-code", time.Hour, nil))
			s.api("disconnect", `{"user":"api-disc-code","disconnect":{"code":4000,"reason":"bye"}}`)
			c.expectClose()
		}),
		apiCase("disconnect with code 5000", func(s *session) {
			c := s.connect("c1", token("api-disc-5000", time.Hour, nil))
			s.api("disconnect", `{"user":"api-disc-5000","disconnect":{"code":5000,"reason":"x"}}`)
			c.quiet(time.Second) // a known difference: herald keeps the connection
		}),
		apiCase("disconnect with code 2000", func(s *session) {
			c := s.connect("c1", token("api-disc-2000", time.Hour, nil))
			s.api("disconnect", `{"user":"api-disc-2000","disconnect":{"code":2000,"reason":"x"}}`)
			c.expectClose()
		}),
		apiCase("disconnect without a user", func(s *session) {
			s.api("disconnect", `{}`)
			s.api("disconnect", `{"disconnect":{"code":4000}}`)
		}),
		apiCase("disconnect whitelist and client", func(s *session) {
			c1 := s.connect("c1", token("api-disc-wl", time.Hour, nil))
			c2 := s.connect("c2", token("api-disc-wl", time.Hour, nil))
			c3 := s.connect("c3", token("api-disc-wl", time.Hour, nil))
			s.api("disconnect", `{"user":"api-disc-wl","client":"`+c3.clientID+`"}`)
			c3.expectClose()
			s.api("disconnect", `{"user":"api-disc-wl","whitelist":["`+c1.clientID+`"]}`)
			c2.expectClose()
			c1.quiet(300 * time.Millisecond)
		}),
		apiCase("refresh a live client", func(s *session) {
			c := s.connect("c1", token("api-refresh", time.Hour, nil))
			s.api("refresh", fmt.Sprintf(`{"user":"api-refresh","expire_at":%d}`,
				time.Now().Add(2*time.Hour).Unix()))
			c.expect(1)
			s.api("refresh", `{"user":"api-refresh","info":{"new":"info"}}`)
			c.quiet(300 * time.Millisecond)
		}),
		apiCase("refresh expired", func(s *session) {
			c := s.connect("c1", token("api-refresh-exp", time.Hour, nil))
			s.api("refresh", `{"user":"api-refresh-exp","expired":true}`)
			c.expectClose()
		}),
		apiCase("refresh errors", func(s *session) {
			s.api("refresh", `{}`)
			s.api("refresh", `{"user":"nobody","expire_at":1}`)
		}),

		// --- presence, history
		apiCase("presence", func(s *session) {
			c1 := s.connect("c1", token("api-pres-1", time.Hour, map[string]any{
				"info": map[string]any{"name": "one"}}))
			c1.call(`{"id":2,"subscribe":{"channel":"chat:api-presence"}}`)
			c2 := s.connect("c2", token("api-pres-2", time.Hour, nil))
			c2.call(`{"id":2,"subscribe":{"channel":"chat:api-presence"}}`)
			c3 := s.connect("c3", token("api-pres-2", time.Hour, nil))
			c3.call(`{"id":2,"subscribe":{"channel":"chat:api-presence"}}`)
			s.api("presence", `{"channel":"chat:api-presence"}`)
			s.api("presence_stats", `{"channel":"chat:api-presence"}`)
			s.api("presence", `{"channel":"chat:api-presence-empty"}`)
			s.api("presence_stats", `{"channel":"chat:api-presence-empty"}`)
		}),
		apiCase("presence errors", func(s *session) {
			s.api("presence", `{"channel":"nohist:x"}`)
			s.api("presence_stats", `{"channel":"nohist:x"}`)
			s.api("presence", `{"channel":"nope:x"}`)
			s.api("presence", `{"channel":""}`)
			s.api("presence_stats", `{}`)
		}),
		apiCase("history limits", func(s *session) {
			for i := 1; i <= 5; i++ {
				s.apiQuiet("publish", fmt.Sprintf(`{"channel":"chat:hist","data":{"n":%d}}`, i))
			}
			epoch := s.epochOf("chat:hist")
			s.api("history", `{"channel":"chat:hist"}`)
			s.api("history", `{"channel":"chat:hist","limit":0}`)
			s.api("history", `{"channel":"chat:hist","limit":2}`)
			s.api("history", `{"channel":"chat:hist","limit":-1}`)
			s.api("history", `{"channel":"chat:hist","limit":2,"reverse":true}`)
			s.api("history", `{"channel":"chat:hist","limit":-1,"since":{"offset":3,"epoch":"`+
				epoch+`"}}`)
			s.api("history", `{"channel":"chat:hist","limit":2,"since":{"offset":4,"epoch":"`+
				epoch+`"},"reverse":true}`)
			s.api("history", `{"channel":"chat:hist","limit":-1,"since":{"offset":2}}`)
			s.api("history", `{"channel":"chat:hist","since":{"offset":1,"epoch":"wrong"}}`)
			s.api("history", `{"channel":"chat:hist","limit":-1,"since":{"offset":99,"epoch":"`+
				epoch+`"}}`)
		}),
		apiCase("history reverse from offset 0", func(s *session) {
			s.api("publish", `{"channel":"chat:hist-rev0","data":{"n":1}}`)
			s.api("history", `{"channel":"chat:hist-rev0","limit":-1,"since":{"offset":0},"reverse":true}`)
		}),
		apiCase("history of a channel never published to", func(s *session) {
			s.api("history", `{"channel":"chat:never","limit":-1}`)
		}),
		apiCase("history errors", func(s *session) {
			s.api("history", `{"channel":"pub:x"}`)
			s.api("history", `{"channel":"nope:x"}`)
			s.api("history", `{"channel":""}`)
			s.api("history", `{"channel":"chat:x","limit":"ten"}`)
		}),
		apiCase("history_remove", func(s *session) {
			s.api("publish", `{"channel":"chat:hist-rm","data":{"n":1}}`)
			s.api("publish", `{"channel":"chat:hist-rm","data":{"n":2}}`)
			s.api("history_remove", `{"channel":"chat:hist-rm"}`)
			s.api("history", hist("chat:hist-rm"))
			s.api("publish", `{"channel":"chat:hist-rm","data":{"n":3}}`)
			s.api("history", hist("chat:hist-rm"))
			s.api("history_remove", `{"channel":"pub:x"}`)
			s.api("history_remove", `{"channel":"nope:x"}`)
			s.api("history_remove", `{}`)
		}),

		// --- channels, info (node-wide: serial)
		apiCase("channels with a pattern", func(s *session) {
			c1 := s.connect("c1", token("api-chan-1", time.Hour, nil))
			c1.call(`{"id":2,"subscribe":{"channel":"chat:api-chan-a"}}`)
			c2 := s.connect("c2", token("api-chan-2", time.Hour, nil))
			c2.call(`{"id":2,"subscribe":{"channel":"chat:api-chan-a"}}`)
			c2.call(`{"id":3,"subscribe":{"channel":"chat:api-chan-b"}}`)
			s.api("channels", `{"pattern":"chat:api-chan-*"}`)
			s.api("channels", `{"pattern":"chat:api-chan-a"}`)
			s.api("channels", `{"pattern":"nothing-matches-*"}`)
		}),
		{name: "api channels and info", serial: true, run: func(s *session) {
			s.api("channels", `{}`)
			c1 := s.connect("c1", token("api-info", time.Hour, nil))
			c1.call(`{"id":2,"subscribe":{"channel":"chat:api-info"}}`)
			s.api("channels", `{}`)
			// Centrifugo's info reports what its node published last, every 3 s.
			s.sleep(3500 * time.Millisecond)
			s.api("info", `{}`)
		}},

		// --- rpc, batch
		apiCase("rpc", func(s *session) {
			s.api("rpc", `{"method":"getCurrentYear","params":{}}`)
			s.api("rpc", `{"method":""}`)
			s.api("rpc", `{}`)
		}),
		apiCase("batch", func(s *session) {
			s.api("batch", `{"commands":[`+
				`{"publish":{"channel":"chat:batch","data":{"n":1}}},`+
				`{"publish":{"channel":"nope:batch","data":{}}},`+
				`{"history":{"channel":"chat:batch","limit":-1}},`+
				`{"presence_stats":{"channel":"chat:batch"}}]}`)
		}),
		apiCase("batch empty", func(s *session) {
			s.api("batch", `{"commands":[]}`)
			s.api("batch", `{}`)
		}),
		apiCase("batch null command", func(s *session) {
			s.api("batch", `{"commands":[null,{"publish":{"channel":"chat:batch-null","data":{}}}]}`)
			s.api("batch", `{"commands":[{}]}`)
		}),
		apiCase("batch unknown command", func(s *session) {
			s.api("batch", `{"commands":[{"frobnicate":{}},`+
				`{"publish":{"channel":"chat:batch-unknown","data":{}}}]}`)
		}),
		apiCase("batch parallel", func(s *session) {
			// One channel per command: Centrifugo runs parallel commands concurrently, so
			// publications sharing a channel get their offsets in a random order.
			var cmds []string
			for i := 0; i < 20; i++ {
				cmds = append(cmds, fmt.Sprintf(
					`{"publish":{"channel":"chat:batch-par-%d","data":{"n":%d}}}`, i, i))
			}
			cmds = append(cmds, `{"history_remove":{"channel":"pub:x"}}`)
			s.api("batch", `{"parallel":true,"commands":[`+strings.Join(cmds, ",")+`]}`)
			s.api("history", `{"channel":"chat:batch-par-0","limit":0}`)
		}),
		apiCase("batch wrong types", func(s *session) {
			s.api("batch", `{"commands":{}}`)
			s.api("batch", `{"commands":[{"publish":{"channel":5}}]}`)
		}),

		// --- legacy POST /api
		apiCase("legacy endpoint", func(s *session) {
			s.do(httpReq{method: http.MethodPost, path: "/api",
				header: header("X-API-Key", diffAPIKey),
				body: `{"id":1,"method":"publish","params":{"channel":"chat:legacy","data":{"n":1}}}` +
					"\n" + `{"id":2,"method":"history","params":{"channel":"chat:legacy","limit":-1}}` +
					"\n" + `{"id":3,"method":"broadcast","params":{"channels":["pub:legacy"],"data":{}}}`})
		}),
		apiCase("legacy endpoint method forms", func(s *session) {
			for _, body := range []string{
				`{"id":1,"method":"PUBLISH","params":{"channel":"pub:legacy","data":{}}}`,
				`{"id":2,"method":0,"params":{"channel":"pub:legacy","data":{}}}`,
				`{"id":3,"method":"nope","params":{}}`,
				`{"id":4,"method":"presence_stats","params":{"channel":"nope:x"}}`,
				`{"method":"publish","params":{"channel":"pub:legacy","data":{}}}`,
				`{"id":6,"method":"publish"}`,
				`{"id":7,"method":"batch","params":{"commands":[]}}`,
				`{"id":8,"method":"publish","params":{"channel":"pub:legacy","data":{}}}` + "\n",
			} {
				s.do(httpReq{method: http.MethodPost, path: "/api",
					header: header("X-API-Key", diffAPIKey), body: body})
			}
		}),
		apiCase("legacy endpoint errors", func(s *session) {
			s.do(httpReq{method: http.MethodPost, path: "/api",
				header: header("X-API-Key", diffAPIKey), body: `{bad`})
			s.do(httpReq{method: http.MethodPost, path: "/api",
				header: header("X-API-Key", diffAPIKey), body: ``})
			s.do(httpReq{method: http.MethodPost, path: "/api",
				body: `{"id":1,"method":"info","params":{}}`})
			s.do(httpReq{method: http.MethodGet, path: "/api",
				header: header("X-API-Key", diffAPIKey)})
		}),

		// --- auth, routing
		apiCase("auth", func(s *session) {
			body := `{"channel":"pub:auth","data":{}}`
			for _, r := range []httpReq{
				{path: "/api/publish"},
				{path: "/api/publish", header: header("X-API-Key", "wrong")},
				{path: "/api/publish", header: header("X-API-Key", "")},
				{path: "/api/publish", header: header("Authorization", "apikey "+diffAPIKey)},
				{path: "/api/publish", header: header("Authorization", "APIKEY "+diffAPIKey)},
				{path: "/api/publish", header: header("Authorization", "apikey wrong")},
				{path: "/api/publish", header: header("Authorization", "Bearer "+diffAPIKey)},
				{path: "/api/publish", header: header("Authorization", diffAPIKey)},
				{path: "/api/publish?api_key=" + diffAPIKey},
				{path: "/api/publish?api_key=wrong"},
				{path: "/api/publish?api_key=wrong", header: header("X-API-Key", diffAPIKey)},
				{path: "/api/publish?api_key=" + diffAPIKey, header: header("X-API-Key", "wrong")},
			} {
				r.method, r.body = http.MethodPost, body
				s.do(r)
			}
		}),
		apiCase("wrong HTTP method", func(s *session) {
			for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete,
				http.MethodHead} {
				s.do(httpReq{method: m, path: "/api/publish",
					header: header("X-API-Key", diffAPIKey)})
			}
			s.do(httpReq{method: http.MethodGet, path: "/api/info"})
		}),
		apiCase("unknown method", func(s *session) {
			s.api("nope", `{}`)
			s.api("Publish", `{"channel":"pub:x","data":{}}`)
			s.do(httpReq{method: http.MethodPost, path: "/api/nope", body: `{}`})
			s.do(httpReq{method: http.MethodPost, path: "/api/publish/extra",
				header: header("X-API-Key", diffAPIKey), body: `{}`})
			s.do(httpReq{method: http.MethodGet, path: "/nothing-here"})
		}),
		apiCase("transport error mode", func(s *session) {
			h := header("X-API-Key", diffAPIKey, "X-Centrifugo-Error-Mode", "transport")
			for _, r := range []httpReq{
				{path: "/api/publish", body: `{"channel":"nope:x","data":{}}`},
				{path: "/api/publish", body: `{"channel":"","data":{}}`},
				{path: "/api/history", body: `{"channel":"pub:x"}`},
				{path: "/api/history", body: `{"channel":"chat:x","since":{"offset":1,"epoch":"e"}}`},
				{path: "/api/publish", body: `{"channel":"pub:transport","data":{}}`},
				{path: "/api/batch", body: `{"commands":[{"publish":{"channel":"nope:x","data":{}}}]}`},
				{path: "/api/broadcast", body: `{"channels":["nope:x"],"data":{}}`},
			} {
				r.method, r.header = http.MethodPost, h
				s.do(r)
			}
		}),
		{name: "health disabled", run: func(s *session) {
			s.do(httpReq{method: http.MethodGet, path: "/health"})
		}},
		{name: "health enabled", config: "open", run: func(s *session) {
			s.do(httpReq{method: http.MethodGet, path: "/health"})
			s.do(httpReq{method: http.MethodPost, path: "/health"})
			s.do(httpReq{method: http.MethodHead, path: "/health"})
		}},
	}
}
