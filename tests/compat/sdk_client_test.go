// Wrappers around the official centrifuge-go SDK that turn its callbacks into channels, so
// tests wait for events with deadlines instead of sleeping.
package compat

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// eventTimeout bounds every wait for one SDK event.
const eventTimeout = 10 * time.Second

// sdkMode is one of the two client protocols of the SDK.
type sdkMode struct {
	name      string
	newClient func(endpoint string, cfg centrifuge.Config) *centrifuge.Client
}

var sdkModes = []sdkMode{
	{"json", centrifuge.NewJsonClient},
	{"protobuf", centrifuge.NewProtobufClient},
}

// forEachProtocol runs fn as a subtest per SDK protocol.
func forEachProtocol(t *testing.T, fn func(t *testing.T, m sdkMode)) {
	for _, m := range sdkModes {
		t.Run(m.name, func(t *testing.T) { fn(t, m) })
	}
}

// send delivers v unless the buffer is full: SDK callbacks must never block.
func send[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// waitFor returns the next value of ch, failing the test after eventTimeout.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(eventTimeout):
		t.Fatalf("timed out after %v waiting for %s", eventTimeout, what)
	}
	panic("unreachable")
}

// ctx returns a context bounded by eventTimeout, cancelled at the end of the test.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), eventTimeout)
	t.Cleanup(cancel)
	return c
}

type sdkClient struct {
	*centrifuge.Client
	connected    chan centrifuge.ConnectedEvent
	connecting   chan centrifuge.ConnectingEvent
	disconnected chan centrifuge.DisconnectedEvent
	serverSubs   chan centrifuge.ServerSubscribedEvent
	serverPubs   chan centrifuge.ServerPublicationEvent
	mu           sync.Mutex
	errs         []string // SDK error events, shown when the test fails
}

// newSDKClient creates (not connects) a client of s in mode m; closed at the end of the test.
func newSDKClient(t *testing.T, s *Server, m sdkMode, cfg centrifuge.Config) *sdkClient {
	t.Helper()
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = 5 * time.Second
	}
	c := &sdkClient{
		Client:       m.newClient(s.WSURL(""), cfg),
		connected:    make(chan centrifuge.ConnectedEvent, 16),
		connecting:   make(chan centrifuge.ConnectingEvent, 16),
		disconnected: make(chan centrifuge.DisconnectedEvent, 16),
		serverSubs:   make(chan centrifuge.ServerSubscribedEvent, 16),
		serverPubs:   make(chan centrifuge.ServerPublicationEvent, 128),
	}
	c.OnConnected(func(e centrifuge.ConnectedEvent) { send(c.connected, e) })
	c.OnConnecting(func(e centrifuge.ConnectingEvent) { send(c.connecting, e) })
	c.OnDisconnected(func(e centrifuge.DisconnectedEvent) { send(c.disconnected, e) })
	c.OnSubscribed(func(e centrifuge.ServerSubscribedEvent) { send(c.serverSubs, e) })
	c.OnPublication(func(e centrifuge.ServerPublicationEvent) { send(c.serverPubs, e) })
	c.OnError(func(e centrifuge.ErrorEvent) {
		c.mu.Lock()
		c.errs = append(c.errs, e.Error.Error())
		c.mu.Unlock()
	})
	t.Cleanup(func() {
		c.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.Failed() && len(c.errs) > 0 {
			t.Logf("SDK errors (%s): %s", m.name, strings.Join(c.errs, "; "))
		}
	})
	return c
}

// connect connects and waits for the connected event (or a disconnect, which fails).
func (c *sdkClient) connect(t *testing.T) centrifuge.ConnectedEvent {
	t.Helper()
	if err := c.Connect(); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	select {
	case e := <-c.connected:
		if e.ClientID == "" {
			t.Fatal("connected event without a client id")
		}
		// Connect() itself emits connecting(0, "connect called") first; later ones are real.
		for len(c.connecting) > 0 {
			if ev := <-c.connecting; ev.Code != 0 {
				t.Fatalf("reconnect while connecting: code %d %q", ev.Code, ev.Reason)
			}
		}
		return e
	case e := <-c.disconnected:
		t.Fatalf("disconnected instead of connected: code %d %q", e.Code, e.Reason)
	case <-time.After(eventTimeout):
		t.Fatalf("not connected within %v", eventTimeout)
	}
	panic("unreachable")
}

type sdkSub struct {
	*centrifuge.Subscription
	subscribed   chan centrifuge.SubscribedEvent
	subscribing  chan centrifuge.SubscribingEvent
	unsubscribed chan centrifuge.UnsubscribedEvent
	pubs         chan centrifuge.PublicationEvent
	joins        chan centrifuge.JoinEvent
	leaves       chan centrifuge.LeaveEvent
}

// newSub creates a subscription with every event routed to a channel (not yet subscribed).
func (c *sdkClient) newSub(t *testing.T, channel string,
	cfg centrifuge.SubscriptionConfig) *sdkSub {
	t.Helper()
	raw, err := c.NewSubscription(channel, cfg)
	if err != nil {
		t.Fatalf("NewSubscription(%s): %v", channel, err)
	}
	s := &sdkSub{
		Subscription: raw,
		subscribed:   make(chan centrifuge.SubscribedEvent, 16),
		subscribing:  make(chan centrifuge.SubscribingEvent, 16),
		unsubscribed: make(chan centrifuge.UnsubscribedEvent, 16),
		pubs:         make(chan centrifuge.PublicationEvent, 128),
		joins:        make(chan centrifuge.JoinEvent, 16),
		leaves:       make(chan centrifuge.LeaveEvent, 16),
	}
	raw.OnSubscribed(func(e centrifuge.SubscribedEvent) { send(s.subscribed, e) })
	raw.OnSubscribing(func(e centrifuge.SubscribingEvent) { send(s.subscribing, e) })
	raw.OnUnsubscribed(func(e centrifuge.UnsubscribedEvent) { send(s.unsubscribed, e) })
	raw.OnPublication(func(e centrifuge.PublicationEvent) { send(s.pubs, e) })
	raw.OnJoin(func(e centrifuge.JoinEvent) { send(s.joins, e) })
	raw.OnLeave(func(e centrifuge.LeaveEvent) { send(s.leaves, e) })
	return s
}

// subscribe creates a subscription and waits until it is subscribed.
func (c *sdkClient) subscribe(t *testing.T, channel string,
	cfg centrifuge.SubscriptionConfig) *sdkSub {
	t.Helper()
	s := c.newSub(t, channel, cfg)
	if err := s.Subscribe(); err != nil {
		t.Fatalf("Subscribe(%s): %v", channel, err)
	}
	s.waitSubscribed(t)
	return s
}

// waitSubscribed waits for the subscribed event; an unsubscribed event fails the test.
func (s *sdkSub) waitSubscribed(t *testing.T) centrifuge.SubscribedEvent {
	t.Helper()
	select {
	case e := <-s.subscribed:
		return e
	case e := <-s.unsubscribed:
		t.Fatalf("%s: unsubscribed instead of subscribed: code %d %q", s.Channel, e.Code, e.Reason)
	case <-time.After(eventTimeout):
		t.Fatalf("%s: not subscribed within %v", s.Channel, eventTimeout)
	}
	panic("unreachable")
}

// nextPub waits for the next publication and checks its data.
func (s *sdkSub) nextPub(t *testing.T, wantData string) centrifuge.PublicationEvent {
	t.Helper()
	p := waitFor(t, s.pubs, fmt.Sprintf("publication %s on %s", wantData, s.Channel))
	if got := string(p.Data); got != wantData {
		t.Fatalf("%s: publication data %s, want %s", s.Channel, got, wantData)
	}
	return p
}

// noDisconnect fails if the client went through a disconnect or reconnect so far.
func (c *sdkClient) noDisconnect(t *testing.T) {
	t.Helper()
	select {
	case e := <-c.disconnected:
		t.Fatalf("unexpected disconnect: code %d %q", e.Code, e.Reason)
	case e := <-c.connecting:
		t.Fatalf("unexpected reconnect: code %d %q", e.Code, e.Reason)
	default:
	}
}
