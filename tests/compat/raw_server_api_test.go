// The server API acting on live connections (issue 3, item 5): subscribe, unsubscribe,
// disconnect and refresh reach the client; info and channels count it.
package compat

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// pushOf waits for a push on channel whose JSON holds `key` (e.g. "subscribe"), skipping
// pings and other pushes.
func (c *rawClient) pushOf(channel, key string) reply {
	c.t.Helper()
	for {
		r := c.next()
		if r.keys["push"] && r.pushChan == channel && strings.Contains(r.raw, `"`+key+`":`) {
			return r
		}
		if r.id != 0 {
			c.t.Fatalf("reply %s while waiting for a %s push on %s", r.raw, key, channel)
		}
	}
}

func TestRawServerAPIActsOnLiveConnections(t *testing.T) {
	s := server(t, "main")
	user := unique("api-user")
	channel := unique("chat:api")
	c := connectedRaw(t, s, user)

	// Server-side subscribe: the client learns of it through a Subscribe push.
	api(t, s, "subscribe", map[string]any{"user": user, "channel": channel})
	c.pushOf(channel, "subscribe")
	publish(t, s, channel, map[string]any{"n": 1})
	if got := c.pub(channel); got != `{"n":1}` {
		t.Fatalf("publication %s, want {\"n\":1}", got)
	}

	// channels and info count the subscription.
	var chans struct {
		Channels map[string]struct {
			NumClients int `json:"num_clients"`
		} `json:"channels"`
	}
	if err := json.Unmarshal(api(t, s, "channels", map[string]any{"pattern": channel}), &chans); err != nil {
		t.Fatal(err)
	}
	if chans.Channels[channel].NumClients != 1 {
		t.Fatalf("channels = %+v, want %s with 1 client", chans.Channels, channel)
	}
	var info struct {
		Nodes []struct {
			NumClients  int `json:"num_clients"`
			NumUsers    int `json:"num_users"`
			NumChannels int `json:"num_channels"`
			NumSubs     int `json:"num_subs"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(api(t, s, "info", map[string]any{}), &info); err != nil {
		t.Fatal(err)
	}
	if len(info.Nodes) != 1 || info.Nodes[0].NumClients < 1 || info.Nodes[0].NumUsers < 1 ||
		info.Nodes[0].NumChannels < 1 || info.Nodes[0].NumSubs < 1 {
		t.Fatalf("info = %+v, want this client counted", info)
	}

	// Server-side unsubscribe: an Unsubscribe push with code 2000, no more publications.
	api(t, s, "unsubscribe", map[string]any{"user": user, "channel": channel})
	r := c.pushOf(channel, "unsubscribe")
	if !strings.Contains(r.raw, `"code":2000`) {
		t.Fatalf("unsubscribe push %s, want code 2000", r.raw)
	}

	// Refresh with expired: true ends the connection with 3005.
	other := connectedRaw(t, s, user+"-2")
	api(t, s, "refresh", map[string]any{"user": user + "-2", "expired": true})
	other.expectClose(3005)

	// Disconnect with a custom code reaches the client as that close code.
	api(t, s, "disconnect", map[string]any{
		"user": user, "disconnect": map[string]any{"code": 4001, "reason": "bye"}})
	c.expectClose(4001)

	deadline := time.Now().Add(rawTimeout)
	for time.Now().Before(deadline) {
		chans.Channels = nil // Unmarshal merges into an existing map
		if err := json.Unmarshal(api(t, s, "channels", map[string]any{"pattern": channel}), &chans); err != nil {
			t.Fatal(err)
		}
		if len(chans.Channels) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("channel %s still listed after its only client left: %+v", channel, chans.Channels)
}
