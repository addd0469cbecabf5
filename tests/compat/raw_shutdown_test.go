// Graceful shutdown with clients connected: SIGTERM closes every WebSocket with 3001
// "shutdown" (a reconnect code, so SDKs come back) and the node exits 0 within
// shutdown.timeout.
package compat

import (
	"os"
	"testing"
	"time"
)

func TestRawShutdownClosesClientsWith3001(t *testing.T) {
	if os.Getenv("HERALD_BIN") == "" {
		t.Skip("HERALD_BIN is not set")
	}
	cfg := configs["main"]()
	cfg["shutdown"] = map[string]any{"timeout": "5s"}
	s, err := startServer("shutdown", cfg)
	if err != nil {
		t.Fatal(err)
	}
	dumpLogOnFailure(t, s)
	a := connectedRaw(t, s, unique("bye-a"))
	b := dialRaw(t, s, true)
	b.mustConnect(connToken(t, unique("bye-b"), time.Hour, nil))

	stopped := make(chan error, 1)
	start := time.Now()
	go func() { stopped <- s.stop() }()
	// Like the SDKs, drop the TCP connection once the close frame is in: the server's
	// teardown waits (up to 5 s) for the peer to go.
	a.expectClose(3001)
	a.ws.Close()
	b.expectClose(3001)
	b.ws.Close()
	if err := <-stopped; err != nil {
		t.Fatalf("herald did not exit cleanly: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("shutdown took %v, want well under shutdown.timeout", d)
	}
}
