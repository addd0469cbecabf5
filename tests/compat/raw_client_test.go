// A hand-written WebSocket client (gorilla/websocket) for the raw protocol tests.
package compat

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawTimeout bounds each wait of a raw test for a frame or a close.
const rawTimeout = 10 * time.Second

type rawClient struct {
	t        *testing.T
	ws       *websocket.Conn
	protobuf bool
	autoPong bool    // answer server pings (§1.10); off to test the pong timeout
	pending  []reply // decoded but not yet consumed
	lastType int     // WebSocket message type of the last frame read
	pings    int     // server pings seen
}

// dialRaw opens a WebSocket to s; protobuf mode offers the centrifuge-protobuf subprotocol.
func dialRaw(t *testing.T, s *Server, protobuf bool) *rawClient {
	t.Helper()
	var sub []string
	if protobuf {
		sub = []string{"centrifuge-protobuf"}
	}
	ws, resp, err := dialWS(s.WSURL(""), nil, sub)
	if err != nil {
		t.Fatalf("dial %s: %v (response %v)", s.WSURL(""), err, statusOf(resp))
	}
	return newRawClient(t, ws, protobuf)
}

func newRawClient(t *testing.T, ws *websocket.Conn, protobuf bool) *rawClient {
	t.Cleanup(func() { ws.Close() })
	return &rawClient{t: t, ws: ws, protobuf: protobuf, autoPong: true}
}

func dialWS(url string, header http.Header, subprotocols []string) (*websocket.Conn,
	*http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: rawTimeout, Subprotocols: subprotocols}
	ws, resp, err := d.Dial(url, header)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return ws, resp, err
}

func statusOf(resp *http.Response) string {
	if resp == nil {
		return "none"
	}
	return resp.Status
}

// sendText writes one text frame as is (raw bytes, no validation).
func (c *rawClient) sendText(s string) { c.write(websocket.TextMessage, []byte(s)) }

// sendBinary writes one binary frame as is.
func (c *rawClient) sendBinary(b []byte) { c.write(websocket.BinaryMessage, b) }

func (c *rawClient) write(typ int, b []byte) {
	c.t.Helper()
	_ = c.ws.SetWriteDeadline(time.Now().Add(rawTimeout))
	if err := c.ws.WriteMessage(typ, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// sendPong answers a server ping with an empty Command.
func (c *rawClient) sendPong() {
	if c.protobuf {
		c.sendBinary([]byte{0})
	} else {
		c.sendText("{}")
	}
}

// readFrame reads and decodes one frame into c.pending.
func (c *rawClient) readFrame() error {
	_ = c.ws.SetReadDeadline(time.Now().Add(rawTimeout))
	typ, data, err := c.ws.ReadMessage()
	if err != nil {
		return err
	}
	c.lastType = typ
	var rs []reply
	if c.protobuf {
		if typ != websocket.BinaryMessage {
			return fmt.Errorf("protobuf connection got a text frame %q", data)
		}
		rs, err = decodeProtobufFrame(data)
	} else {
		if typ != websocket.TextMessage {
			return fmt.Errorf("JSON connection got a binary frame % x", data)
		}
		rs, err = decodeJSONFrame(data)
	}
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.isPing() {
			c.pings++
			if c.autoPong {
				c.sendPong()
			}
		}
	}
	c.pending = append(c.pending, rs...)
	return nil
}

// next returns the next reply, push or ping.
func (c *rawClient) next() reply {
	c.t.Helper()
	for len(c.pending) == 0 {
		if err := c.readFrame(); err != nil {
			c.t.Fatalf("read: %v", err)
		}
	}
	r := c.pending[0]
	c.pending = c.pending[1:]
	return r
}

// reply waits for the reply to command id, skipping pings and pushes.
func (c *rawClient) reply(id uint32) reply {
	c.t.Helper()
	for {
		if r := c.next(); r.id == id {
			return r
		} else if r.id != 0 {
			c.t.Fatalf("reply %s while waiting for id %d", r.raw, id)
		}
	}
}

// pub waits for a publication push on channel, skipping pings.
func (c *rawClient) pub(channel string) string {
	c.t.Helper()
	for {
		r := c.next()
		if r.keys["push"] && r.pushChan == channel && r.pubData != "" {
			return r.pubData
		}
		if !r.isPing() {
			c.t.Fatalf("got %s while waiting for a publication on %s", r.raw, channel)
		}
	}
}

// connect sends connect with token (empty = none) as command 1 and returns its reply.
func (c *rawClient) connect(token string) reply {
	c.t.Helper()
	if c.protobuf {
		c.sendBinary(protobufConnect(1, token))
	} else {
		req := map[string]any{}
		if token != "" {
			req["token"] = token
		}
		c.sendText(string(jsonCommand(1, "connect", req)))
	}
	return c.reply(1)
}

// mustConnect connects and fails unless the reply carries a client id.
func (c *rawClient) mustConnect(token string) reply {
	c.t.Helper()
	r := c.connect(token)
	if r.errCode != 0 || r.client == "" {
		c.t.Fatalf("connect reply %s, want a client id", r.raw)
	}
	return r
}

// call sends one JSON command and returns its reply.
func (c *rawClient) call(id uint32, method string, req any) reply {
	c.t.Helper()
	c.sendText(string(jsonCommand(id, method, req)))
	return c.reply(id)
}

// closeCode reads until the server closes the connection and returns the close code;
// replies received meanwhile are skipped. Fails if the TCP connection ends without a close
// frame or nothing happens within rawTimeout.
func (c *rawClient) closeCode() (int, string) {
	c.t.Helper()
	for {
		err := c.readFrame()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			if ce.Code == websocket.CloseAbnormalClosure {
				c.t.Fatalf("connection dropped without a close frame: %v", err)
			}
			return ce.Code, ce.Text
		}
		c.t.Fatalf("waiting for a close frame: %v (pending %v)", err, c.pending)
	}
}

// expectClose fails unless the server closes with code.
func (c *rawClient) expectClose(code int) {
	c.t.Helper()
	if got, reason := c.closeCode(); got != code {
		c.t.Fatalf("closed with %d %q, want %d", got, reason, code)
	}
}
