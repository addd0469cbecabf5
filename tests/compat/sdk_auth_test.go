// The SDK against herald: recovery after a reconnect, token refresh, private channels with
// subscription tokens, server-side subscriptions, anonymous connections.
package compat

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// dialGate lets a test hold the SDK's reconnect attempts while it acts on the server.
type dialGate struct {
	mu   sync.Mutex
	open chan struct{} // nil while dials pass; closed by release
}

func (g *dialGate) hold() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

func (g *dialGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.open)
	g.open = nil
}

func (g *dialGate) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	wait := g.open
	g.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func TestSDKReconnectRecoversMissedPublications(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		user := unique("u")
		gate := &dialGate{}
		c := newSDKClient(t, s, m, centrifuge.Config{
			Token:          connToken(t, user, time.Hour, nil),
			NetDialContext: gate.dial,
		})
		c.connect(t)
		ch := unique("rec:feed-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		publish(t, s, ch, map[string]int{"n": 1})
		sub.nextPub(t, `{"n":1}`)

		gate.hold()
		api(t, s, "disconnect", map[string]any{
			"user": user, "disconnect": map[string]any{"code": 4000, "reason": "test"},
		})
		e := waitFor(t, c.connecting, "reconnecting after the API disconnect")
		if e.Code != 4000 {
			t.Fatalf("connecting event code %d %q, want 4000", e.Code, e.Reason)
		}
		for i := 2; i <= 4; i++ { // missed while disconnected
			publish(t, s, ch, map[string]int{"n": i})
		}
		gate.release()

		waitFor(t, c.connected, "reconnected")
		ev := sub.waitSubscribed(t)
		if !ev.WasRecovering || !ev.Recovered {
			t.Fatalf("resubscribed with was_recovering=%v recovered=%v, want both true",
				ev.WasRecovering, ev.Recovered)
		}
		for i := 2; i <= 4; i++ {
			if p := sub.nextPub(t, fmt.Sprintf(`{"n":%d}`, i)); p.Offset != uint64(i) {
				t.Fatalf("recovered publication offset %d, want %d", p.Offset, i)
			}
		}
		publish(t, s, ch, map[string]int{"n": 5}) // and the live stream continues after them
		sub.nextPub(t, `{"n":5}`)
	})
}

func TestSDKConnectionTokenRefresh(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		t.Parallel()
		s := server(t, "main")
		user := unique("u")
		first := time.Now().Add(3 * time.Second)
		refreshed := make(chan struct{}, 4)
		c := newSDKClient(t, s, m, centrifuge.Config{
			Token: connToken(t, user, time.Until(first), nil),
			GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
				send(refreshed, struct{}{})
				return connToken(t, user, time.Hour, nil), nil
			},
		})
		c.connect(t)
		ch := unique("chat:refresh-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		waitFor(t, refreshed, "GetToken called before the first token expires")

		// Until past the first token's expiry plus client.expired_close_delay (1 s), by when
		// a connection that was not refreshed is closed with 3005, nothing may happen.
		select {
		case e := <-c.disconnected:
			t.Fatalf("disconnected after refresh: code %d %q", e.Code, e.Reason)
		case e := <-c.connecting:
			t.Fatalf("reconnecting after refresh: code %d %q", e.Code, e.Reason)
		case <-time.After(time.Until(first.Add(2500 * time.Millisecond))):
		}
		publish(t, s, ch, map[string]string{"after": "expiry"})
		sub.nextPub(t, `{"after":"expiry"}`)
		c.noDisconnect(t)
		if st := c.State(); st != centrifuge.StateConnected {
			t.Fatalf("client state %s after the first token expired, want connected", st)
		}
	})
}

func TestSDKPrivateChannelWithSubscriptionToken(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		user := unique("u")
		c := tokenClient(t, s, m, user)
		ch := unique("$chat:secret-")
		asked := make(chan string, 4)
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{
			GetToken: func(e centrifuge.SubscriptionTokenEvent) (string, error) {
				send(asked, e.Channel)
				return subToken(t, user, e.Channel), nil
			},
		})
		if got := waitFor(t, asked, "subscription GetToken"); got != ch {
			t.Fatalf("GetToken for %q, want %q", got, ch)
		}
		publish(t, s, ch, map[string]string{"secret": "yes"})
		sub.nextPub(t, `{"secret":"yes"}`)
	})
}

func TestSDKServerSideSubscriptionsFromToken(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "main")
		ch := unique("chat:server-")
		c := newSDKClient(t, s, m, centrifuge.Config{
			Token: connToken(t, unique("u"), time.Hour, map[string]any{"channels": []string{ch}}),
		})
		c.connect(t)
		if e := waitFor(t, c.serverSubs, "server-side subscribed event"); e.Channel != ch {
			t.Fatalf("server-side subscription to %q, want %q", e.Channel, ch)
		}
		publish(t, s, ch, map[string]int{"server": 1})
		p := waitFor(t, c.serverPubs, "server-side publication")
		if p.Channel != ch || string(p.Data) != `{"server":1}` {
			t.Fatalf("server-side publication %s on %q, want {\"server\":1} on %q",
				p.Data, p.Channel, ch)
		}
	})
}

func TestSDKAnonymousConnect(t *testing.T) {
	forEachProtocol(t, func(t *testing.T, m sdkMode) {
		s := server(t, "anon")
		c := newSDKClient(t, s, m, centrifuge.Config{})
		c.connect(t)
		ch := unique("anon:room-")
		sub := c.subscribe(t, ch, centrifuge.SubscriptionConfig{})
		publish(t, s, ch, map[string]string{"hello": "anonymous"})
		sub.nextPub(t, `{"hello":"anonymous"}`)
	})
}
