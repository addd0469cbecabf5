// A minimal client-protocol codec written from docs/protocol.md §1 alone (no project code, no SDK):
// JSON frames are newline-separated objects; protobuf frames are varint-length-prefixed
// Command/Reply messages, encoded here field by field.
package compat

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// reply is the part of a server Reply the raw tests look at.
type reply struct {
	raw      string          // the message as received (JSON text or hex)
	id       uint32          // 0 for pushes and pings
	errCode  uint32          // Reply.error.code, 0 if no error
	errMsg   string          //
	keys     map[string]bool // result / push keys present: "connect", "subscribe", "push"...
	client   string          // connect.client
	ping     uint32          // connect.ping
	pong     bool            // connect.pong
	pushChan string          // push.channel
	pubData  string          // push.pub.data (raw JSON in JSON mode)
}

// isPing tells whether r is a server ping: an empty Reply.
func (r reply) isPing() bool { return r.id == 0 && r.errCode == 0 && len(r.keys) == 0 }

// decodeJSONFrame splits a text frame into replies (§1.2: objects joined by '\n').
func decodeJSONFrame(frame []byte) ([]reply, error) {
	var out []reply
	for _, line := range strings.Split(strings.TrimRight(string(frame), "\n"), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return nil, fmt.Errorf("bad JSON reply %q: %w", line, err)
		}
		r := reply{raw: line, keys: map[string]bool{}}
		for k, v := range m {
			switch k {
			case "id":
				if err := json.Unmarshal(v, &r.id); err != nil {
					return nil, fmt.Errorf("bad id in %q", line)
				}
			case "error":
				var e struct {
					Code    uint32 `json:"code"`
					Message string `json:"message"`
				}
				if err := json.Unmarshal(v, &e); err != nil {
					return nil, fmt.Errorf("bad error in %q", line)
				}
				r.errCode, r.errMsg = e.Code, e.Message
			default:
				r.keys[k] = true
			}
		}
		if v, ok := m["connect"]; ok {
			var c struct {
				Client string `json:"client"`
				Ping   uint32 `json:"ping"`
				Pong   bool   `json:"pong"`
			}
			if err := json.Unmarshal(v, &c); err != nil {
				return nil, fmt.Errorf("bad connect result in %q", line)
			}
			r.client, r.ping, r.pong = c.Client, c.Ping, c.Pong
		}
		if v, ok := m["push"]; ok {
			var p struct {
				Channel string `json:"channel"`
				Pub     *struct {
					Data json.RawMessage `json:"data"`
				} `json:"pub"`
			}
			if err := json.Unmarshal(v, &p); err != nil {
				return nil, fmt.Errorf("bad push in %q", line)
			}
			r.pushChan = p.Channel
			if p.Pub != nil {
				r.pubData = string(p.Pub.Data)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Reply field numbers (§1.4) to the JSON key of the same field.
var replyFieldNames = map[protowire.Number]string{
	4: "push", 5: "connect", 6: "subscribe", 7: "unsubscribe", 8: "publish", 9: "presence",
	10: "presence_stats", 11: "history", 12: "ping", 13: "rpc", 14: "refresh", 15: "sub_refresh",
}

// decodeProtobufFrame splits a binary frame into varint-length-prefixed replies (§1.2).
func decodeProtobufFrame(frame []byte) ([]reply, error) {
	var out []reply
	for len(frame) > 0 {
		size, n := protowire.ConsumeVarint(frame)
		if n < 0 || uint64(len(frame)-n) < size {
			return nil, fmt.Errorf("truncated protobuf frame % x", frame)
		}
		msg := frame[n : n+int(size)]
		frame = frame[n+int(size):]
		r := reply{raw: fmt.Sprintf("% x", msg), keys: map[string]bool{}}
		err := eachField(msg, func(num protowire.Number, v uint64, b []byte) error {
			switch num {
			case 1:
				r.id = uint32(v)
			case 2:
				return eachField(b, func(num protowire.Number, v uint64, b []byte) error {
					if num == 1 {
						r.errCode = uint32(v)
					} else if num == 2 {
						r.errMsg = string(b)
					}
					return nil
				})
			default:
				if name, ok := replyFieldNames[num]; ok {
					r.keys[name] = true
				}
			}
			switch num {
			case 4:
				return decodeProtobufPush(b, &r)
			case 5:
				return eachField(b, func(num protowire.Number, v uint64, b []byte) error {
					switch num {
					case 1:
						r.client = string(b)
					case 7:
						r.ping = uint32(v)
					case 8:
						r.pong = v != 0
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func decodeProtobufPush(b []byte, r *reply) error {
	return eachField(b, func(num protowire.Number, v uint64, b []byte) error {
		switch num {
		case 2:
			r.pushChan = string(b)
		case 4: // Publication: 4 data
			return eachField(b, func(num protowire.Number, v uint64, b []byte) error {
				if num == 4 {
					r.pubData = string(b)
				}
				return nil
			})
		}
		return nil
	})
}

// eachField calls fn with each field of a protobuf message: v for varints, b for bytes.
func eachField(msg []byte, fn func(num protowire.Number, v uint64, b []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("bad protobuf tag: %w", protowire.ParseError(n))
		}
		msg = msg[n:]
		var v uint64
		var b []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(msg)
		case protowire.BytesType:
			b, n = protowire.ConsumeBytes(msg)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return fmt.Errorf("bad protobuf field %d: %w", num, protowire.ParseError(n))
		}
		msg = msg[n:]
		if err := fn(num, v, b); err != nil {
			return err
		}
	}
	return nil
}

// protobufConnect encodes Command{1 id, 4 connect{1 token}} with its length prefix.
func protobufConnect(id uint32, token string) []byte {
	var req []byte
	if token != "" {
		req = protowire.AppendTag(req, 1, protowire.BytesType)
		req = protowire.AppendString(req, token)
	}
	var cmd []byte
	cmd = protowire.AppendTag(cmd, 1, protowire.VarintType)
	cmd = protowire.AppendVarint(cmd, uint64(id))
	cmd = protowire.AppendTag(cmd, 4, protowire.BytesType)
	cmd = protowire.AppendBytes(cmd, req)
	return protowire.AppendBytes(nil, cmd) // varint length + message
}

// jsonCommand renders one JSON command.
func jsonCommand(id uint32, method string, req any) []byte {
	b, err := json.Marshal(map[string]any{"id": id, method: req})
	if err != nil {
		panic(err)
	}
	return b
}
