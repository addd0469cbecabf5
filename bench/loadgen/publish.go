// Publishing through herald's server HTTP API (POST /api/publish, X-API-Key), keep-alive.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

const publishTimeout = 10 * time.Second

// Publisher calls the server API of one node.
type Publisher struct {
	base   string // http://host:port
	client *http.Client
}

func newPublisher(base string, conns int) *Publisher {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns,
		MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &Publisher{base: base, client: &http.Client{Transport: tr, Timeout: publishTimeout}}
}

// Publish sends publication n to channel with the current time in "ts" (Unix ns), which the
// receivers subtract from their clock; it returns the HTTP round trip.
func (p *Publisher) Publish(channel string, n int64) (time.Duration, error) {
	start := time.Now()
	body := make([]byte, 0, 128)
	body = append(body, `{"channel":`...)
	body = strconv.AppendQuote(body, channel)
	body = append(body, `,"data":{"n":`...)
	body = strconv.AppendInt(body, n, 10)
	body = append(body, `,"ts":`...)
	body = strconv.AppendInt(body, start.UnixNano(), 10)
	body = append(body, `}}`...)
	req, err := http.NewRequest(http.MethodPost, p.base+"/api/publish", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-API-Key", apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	// Centrifugo answers errors with HTTP 200 and an "error" object in the default mode.
	if resp.StatusCode != http.StatusOK || bytes.Contains(answer, []byte(`"error"`)) {
		return 0, fmt.Errorf("publish: HTTP %d %s", resp.StatusCode, answer)
	}
	return time.Since(start), nil
}

// NodeCounts are the counters of the server API `info` method for the (single) node.
type NodeCounts struct {
	Clients  int `json:"num_clients"`
	Channels int `json:"num_channels"`
	Subs     int `json:"num_subs"`
}

// Info calls POST /api/info.
func (p *Publisher) Info() (NodeCounts, error) {
	req, err := http.NewRequest(http.MethodPost, p.base+"/api/info", bytes.NewReader([]byte("{}")))
	if err != nil {
		return NodeCounts{}, err
	}
	req.Header.Set("X-API-Key", apiKey)
	resp, err := p.client.Do(req)
	if err != nil {
		return NodeCounts{}, err
	}
	defer resp.Body.Close()
	var answer struct {
		Result struct {
			Nodes []NodeCounts `json:"nodes"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil {
		return NodeCounts{}, fmt.Errorf("info: %w", err)
	}
	if len(answer.Result.Nodes) != 1 {
		return NodeCounts{}, fmt.Errorf("info: %d nodes", len(answer.Result.Nodes))
	}
	return answer.Result.Nodes[0], nil
}

// awaitClients polls info until the node counts want clients, for at most limit.
func (p *Publisher) awaitClients(want int, limit time.Duration) (NodeCounts, error) {
	deadline := time.Now().Add(limit)
	for {
		n, err := p.Info()
		if err != nil || n.Clients == want || time.Now().After(deadline) {
			return n, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *Publisher) Close() { p.client.CloseIdleConnections() }
