package compat

// Configs of the test servers (Centrifugo v6 layout). Each name starts one herald process on
// first use; tests use unique channel and user names, so they can share a process.
var configs = map[string]func() map[string]any{
	// Token auth, no anonymous access, every feature namespace the tests need.
	"main": func() map[string]any {
		return baseConfig(map[string]any{
			"token":           map[string]any{"hmac_secret_key": hmacSecret},
			"allowed_origins": []string{},
			// Short, so the refresh test proves the connection outlives its first token
			// without waiting the default 25 s.
			"expired_close_delay": "1s",
		})
	},
	// Tokenless connects become anonymous.
	"anon": func() map[string]any {
		return baseConfig(map[string]any{
			"token":                                 map[string]any{"hmac_secret_key": hmacSecret},
			"allow_anonymous_connect_without_token": true,
		})
	},
	// Fast pings to test the pong timeout (3012) within seconds.
	"ping": func() map[string]any {
		return baseConfig(map[string]any{
			"token":         map[string]any{"hmac_secret_key": hmacSecret},
			"ping_interval": "2s",
			"pong_timeout":  "1s",
		})
	},
}

func baseConfig(client map[string]any) map[string]any {
	return map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": 0},
		"http_api":    map[string]any{"key": apiKey},
		"log":         map[string]any{"level": "info"},
		"client":      client,
		"websocket":   map[string]any{"message_size_limit": messageSizeLimit},
		"channel": map[string]any{
			"namespaces": []map[string]any{
				{
					// Everything a subscriber may do: history, presence, join/leave, publish.
					"name":                          "chat",
					"history_size":                  100,
					"history_ttl":                   "300s",
					"presence":                      true,
					"join_leave":                    true,
					"allow_subscribe_for_client":    true,
					"allow_publish_for_subscriber":  true,
					"allow_presence_for_subscriber": true,
					"allow_history_for_subscriber":  true,
				},
				{
					// Recovery forced on every subscription.
					"name":                       "rec",
					"history_size":               100,
					"history_ttl":                "300s",
					"force_recovery":             true,
					"allow_subscribe_for_client": true,
				},
				{
					// History permitted but not enabled: history calls answer 108.
					"name":                       "nohist",
					"allow_subscribe_for_client": true,
					"allow_history_for_client":   true,
				},
				{
					"name":                          "anon",
					"allow_subscribe_for_client":    true,
					"allow_subscribe_for_anonymous": true,
				},
			},
		},
	}
}
