// The official centrifuge-go SDK against herald, in JSON and Protobuf modes: connect,
// subscribe, publications, client publish, presence, history, join/leave.
package compat

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// tokenClient connects a new SDK client of user with an hour-long token.
func tokenClient(t *testing.T, s *Server, m sdkMode, user string) *sdkClient {
	t.Helper()
	c := newSDKClient(t, s, m, centrifuge.Config{Token: connToken(t, user, time.Hour, nil)})
	c.connect(t)
	return c
}

func TestSDKConnectSubscribeAPIPublications(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		c := tokenClient(t, s, m, unique("u"))
		ch := unique("chat:pubs-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		for i := 1; i <= 3; i++ {
			data := fmt.Sprintf(`{"n":%d}`, i)
			if off := publish(t, s, ch, map[string]int{"n": i}); off != uint64(i) {
				t.Fatalf("API publish offset %d, want %d", off, i)
			}
			if p := sub.nextPub(t, data); p.Offset != uint64(i) {
				t.Fatalf("publication offset %d, want %d", p.Offset, i)
			}
		}
		c.noDisconnect(t)
	})
}

func TestSDKClientPublish(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		alice, bob := unique("alice-"), unique("bob-")
		ca, cb := tokenClient(t, s, m, alice), tokenClient(t, s, m, bob)
		ch := unique("chat:pub-")
		sa := ca.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		sb := cb.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		if _, err := sa.Publish(ctx(t), []byte(`{"text":"hi"}`)); err != nil {
			t.Fatalf("client publish: %v", err)
		}
		p := sb.nextPub(t, `{"text":"hi"}`)
		if p.Info == nil || p.Info.User != alice {
			t.Fatalf("publication info %+v, want user %s", p.Info, alice)
		}
		sa.nextPub(t, `{"text":"hi"}`) // the publisher is a subscriber too
		// Not subscribed ⇒ no permission (allow_publish_for_subscriber only).
		if _, err := ca.Publish(ctx(t), unique("chat:other-"), []byte(`{}`)); !isCode(err, 103) {
			t.Fatalf("publish without subscription: %v, want error 103", err)
		}
	})
}

// Subscribers leaving one by one leave the channel to the others: each one closing is
// counted out once (an unsubscribe and the end of its connection both reach the channel).
func TestSDKSubscribersLeavingKeepTheChannelForTheRest(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		ch := unique("chat:leaving-")
		var clients []*sdkClient
		var subs []*sdkSub
		for i := 0; i < 4; i++ {
			c := tokenClient(t, s, m, unique("u"))
			clients = append(clients, c)
			subs = append(subs, c.subscribe(t, ch, centrifuge.SubscriptionConfig{}))
		}
		for left := 1; left <= 3; left++ {
			clients[left-1].Close()
			waitChannelClients(t, s, ch, 4-left)
			data := fmt.Sprintf(`{"after":%d}`, left)
			publish(t, s, ch, map[string]int{"after": left})
			for _, sub := range subs[left:] {
				sub.nextPub(t, data)
			}
		}
	})
}

// waitChannelClients polls the server API's `channels` until ch has n subscribers.
func waitChannelClients(t *testing.T, s *Server, ch string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	got := -1
	for time.Now().Before(deadline) {
		var out struct {
			Channels map[string]struct {
				NumClients int `json:"num_clients"`
			} `json:"channels"`
		}
		res := api(t, s, "channels", map[string]any{"pattern": ch})
		if err := json.Unmarshal(res, &out); err != nil {
			t.Fatalf("channels result %s: %v", res, err)
		}
		got = out.Channels[ch].NumClients
		if got == n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("channel %s has %d subscribers, want %d", ch, got, n)
}

func TestSDKPresenceAndStats(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		alice, bob := unique("alice-"), unique("bob-")
		ca, cb := tokenClient(t, s, m, alice), tokenClient(t, s, m, bob)
		ch := unique("chat:presence-")
		sa := ca.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		cb.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		pres, err := sa.Presence(ctx(t))
		if err != nil {
			t.Fatalf("presence: %v", err)
		}
		users := map[string]bool{}
		for id, info := range pres.Clients {
			if info.Client != id {
				t.Errorf("presence key %s holds client %s", id, info.Client)
			}
			users[info.User] = true
		}
		if len(pres.Clients) != 2 || !users[alice] || !users[bob] {
			t.Fatalf("presence %+v, want clients of %s and %s", pres.Clients, alice, bob)
		}
		stats, err := sa.PresenceStats(ctx(t))
		if err != nil {
			t.Fatalf("presence_stats: %v", err)
		}
		if stats.NumClients != 2 || stats.NumUsers != 2 {
			t.Fatalf("presence_stats %+v, want 2 clients, 2 users", stats)
		}
	})
}

func TestSDKHistory(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		c := tokenClient(t, s, m, unique("u"))
		ch := unique("chat:history-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		for i := 1; i <= 3; i++ {
			publish(t, s, ch, map[string]int{"n": i})
			sub.nextPub(t, fmt.Sprintf(`{"n":%d}`, i))
		}
		h, err := sub.History(ctx(t), centrifuge.WithHistoryLimit(10))
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if len(h.Publications) != 3 || h.Offset != 3 || h.Epoch == "" {
			t.Fatalf("history: %d publications, offset %d, epoch %q; want 3, 3, non-empty",
				len(h.Publications), h.Offset, h.Epoch)
		}
		for i, p := range h.Publications {
			if want := fmt.Sprintf(`{"n":%d}`, i+1); string(p.Data) != want ||
				p.Offset != uint64(i+1) {
				t.Fatalf("history[%d] = %s at %d, want %s at %d", i, p.Data, p.Offset, want, i+1)
			}
		}
		// Since offset 1, reversed order is not asked: the two later ones, oldest first.
		h, err = sub.History(ctx(t), centrifuge.WithHistoryLimit(10),
			centrifuge.WithHistorySince(&centrifuge.StreamPosition{Offset: 1, Epoch: h.Epoch}))
		if err != nil || len(h.Publications) != 2 || h.Publications[0].Offset != 2 {
			t.Fatalf("history since 1: %+v, %v; want offsets 2, 3", h, err)
		}
	})
}

func TestSDKJoinLeave(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		alice, bob := unique("alice-"), unique("bob-")
		ca, cb := tokenClient(t, s, m, alice), tokenClient(t, s, m, bob)
		ch := unique("chat:jl-")
		sa := ca.subscribe(t, ch, centrifuge.SubscriptionConfig{JoinLeave: true})
		sb := cb.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		waitInfo(t, sa.joins, bob, "join", func(e centrifuge.JoinEvent) centrifuge.ClientInfo {
			return e.ClientInfo
		})
		if err := sb.Unsubscribe(); err != nil {
			t.Fatalf("unsubscribe: %v", err)
		}
		waitInfo(t, sa.leaves, bob, "leave", func(e centrifuge.LeaveEvent) centrifuge.ClientInfo {
			return e.ClientInfo
		})
	})
}

// waitInfo waits for a join/leave of user, skipping those of other users (the subscriber's own
// join may come first).
func waitInfo[T any](t *testing.T, ch <-chan T, user, what string,
	info func(T) centrifuge.ClientInfo) {
	t.Helper()
	deadline := time.After(eventTimeout)
	for {
		select {
		case e := <-ch:
			ci := info(e)
			if ci.User == user {
				if ci.Client == "" {
					t.Fatalf("%s of %s without a client id", what, user)
				}
				return
			}
		case <-deadline:
			t.Fatalf("no %s of %s within %v", what, user, eventTimeout)
		}
	}
}

// isCode tells whether err is a protocol error reply with code.
func isCode(err error, code uint32) bool {
	var e *centrifuge.Error
	return errors.As(err, &e) && e.Code == code
}
