// A lean Centrifugo JSON-protocol client for load: connect, subscribe, then one goroutine per
// connection that answers server pings and counts publication pushes without decoding them.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// setupTimeout bounds the handshake, connect and subscribe of one client.
const setupTimeout = 15 * time.Second

// pongWriteTimeout bounds the write of one pong.
const pongWriteTimeout = 5 * time.Second

var pong = []byte("{}")

// Totals are shared by every client of a run.
type Totals struct {
	Pushes atomic.Int64 // publication pushes received
	Frames atomic.Int64 // WebSocket messages carrying at least one push
	Pings  atomic.Int64 // server pings answered
}

// Client is one WebSocket connection.
type Client struct {
	ws      *websocket.Conn
	totals  *Totals
	latency bool // parse "ts" of each push and keep publish-to-receive samples

	pushes  atomic.Int64
	pings   atomic.Int64
	closing atomic.Bool
	done    chan struct{}

	// Owned by the read goroutine until done is closed.
	buf     []byte
	samples []time.Duration
	err     error // why reading stopped
}

type reply struct {
	ID    uint32 `json:"id"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// dialClient opens a connection, connects anonymously and subscribes to channels; the
// read goroutine starts only after that, so setup reads are synchronous.
func dialClient(url string, channels []string, totals *Totals, latency bool) (*Client, error) {
	d := websocket.Dialer{HandshakeTimeout: setupTimeout, ReadBufferSize: 4096,
		WriteBufferSize: 512}
	ws, resp, err := d.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	c := &Client{ws: ws, totals: totals, latency: latency, done: make(chan struct{})}
	if err := c.setup(channels); err != nil {
		ws.Close()
		return nil, err
	}
	go c.read()
	return c, nil
}

func (c *Client) setup(channels []string) error {
	deadline := time.Now().Add(setupTimeout)
	_ = c.ws.SetWriteDeadline(deadline)
	_ = c.ws.SetReadDeadline(deadline)
	if err := c.ws.WriteMessage(websocket.TextMessage,
		[]byte(`{"id":1,"connect":{"name":"loadgen"}}`)); err != nil {
		return err
	}
	if err := c.awaitReplies(1, 1); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// All subscribes in one frame: commands of a frame are processed in order (§1.2).
	var cmds []string
	for i, ch := range channels {
		cmds = append(cmds, fmt.Sprintf(`{"id":%d,"subscribe":{"channel":%q}}`, i+2, ch))
	}
	if len(cmds) > 0 {
		if err := c.ws.WriteMessage(websocket.TextMessage,
			[]byte(strings.Join(cmds, "\n"))); err != nil {
			return err
		}
		if err := c.awaitReplies(2, uint32(len(cmds)+1)); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	_ = c.ws.SetWriteDeadline(time.Time{})
	_ = c.ws.SetReadDeadline(time.Time{})
	return nil
}

// awaitReplies reads until replies first..last have all arrived, answering pings.
func (c *Client) awaitReplies(first, last uint32) error {
	missing := int(last - first + 1)
	for missing > 0 {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if bytes.Equal(line, pong) {
				if err := c.ws.WriteMessage(websocket.TextMessage, pong); err != nil {
					return err
				}
				continue
			}
			var r reply
			if err := json.Unmarshal(line, &r); err != nil {
				return fmt.Errorf("bad reply %q: %w", line, err)
			}
			if r.ID < first || r.ID > last {
				return fmt.Errorf("unexpected message %s", line)
			}
			if r.Error != nil {
				return fmt.Errorf("error %d %s", r.Error.Code, r.Error.Message)
			}
			missing--
		}
	}
	return nil
}

// read is the connection's goroutine: one message at a time into a reused buffer.
func (c *Client) read() {
	defer close(c.done)
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			c.err = err
			return
		}
		c.buf = c.buf[:0]
		for {
			if len(c.buf) == cap(c.buf) {
				c.buf = slices.Grow(c.buf, max(512, cap(c.buf)))
			}
			n, err := r.Read(c.buf[len(c.buf):cap(c.buf)])
			c.buf = c.buf[:len(c.buf)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				c.err = err
				return
			}
		}
		if err := c.handle(c.buf, time.Now()); err != nil {
			c.err = err
			c.ws.Close()
			return
		}
	}
}

var pushPrefix = []byte(`{"push":`)

// handle counts the pushes of one message (newline-joined replies) and answers pings.
func (c *Client) handle(msg []byte, at time.Time) error {
	var pushes int64
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		switch {
		case bytes.HasPrefix(line, pushPrefix):
			pushes++
			if c.latency {
				if ts, ok := field(line, `"ts":`); ok {
					c.samples = append(c.samples, at.Sub(time.Unix(0, ts)))
				}
			}
		case bytes.Equal(line, pong):
			c.pings.Add(1)
			c.totals.Pings.Add(1)
			_ = c.ws.SetWriteDeadline(time.Now().Add(pongWriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, pong); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected message %.200s", line)
		}
	}
	if pushes > 0 {
		c.pushes.Add(pushes)
		c.totals.Pushes.Add(pushes)
		c.totals.Frames.Add(1)
	}
	return nil
}

// field parses the non-negative integer after key in line.
func field(line []byte, key string) (int64, bool) {
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return 0, false
	}
	var v int64
	digits := 0
	for _, b := range line[i+len(key):] {
		if b < '0' || b > '9' {
			break
		}
		v = v*10 + int64(b-'0')
		digits++
	}
	return v, digits > 0
}

// Close ends the connection (TCP close) and waits for the read goroutine.
func (c *Client) Close() {
	c.closing.Store(true)
	c.ws.Close()
	<-c.done
}

// Lost reports whether the connection ended while the run still wanted it, and why.
func (c *Client) Lost() (bool, string) {
	select {
	case <-c.done:
	default:
		return false, ""
	}
	if c.closing.Load() {
		return false, ""
	}
	var ce *websocket.CloseError
	if errors.As(c.err, &ce) {
		return true, fmt.Sprintf("close %d %s", ce.Code, ce.Text)
	}
	return true, fmt.Sprint(c.err)
}

// connectAll opens n clients with `parallel` dials in flight; channels(i) names client i's
// subscriptions. It stops at the first failure.
func connectAll(url string, n, parallel int, channels func(int) []string, totals *Totals,
	latency bool) ([]*Client, error) {
	clients := make([]*Client, n)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				mu.Lock()
				failed := firstErr != nil
				mu.Unlock()
				if failed {
					return
				}
				c, err := dialClient(url, channels(i), totals, latency)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("client %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				clients[i] = c
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		closeAll(clients)
		return nil, firstErr
	}
	return clients, nil
}

func closeAll(clients []*Client) {
	for _, c := range clients {
		if c != nil {
			c.Close()
		}
	}
}

// lostClients counts connections that ended on their own, by reason.
func lostClients(clients []*Client) map[string]int {
	lost := map[string]int{}
	for _, c := range clients {
		if gone, why := c.Lost(); gone {
			lost[why]++
		}
	}
	return lost
}
