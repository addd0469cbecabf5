package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

const apiTimeout = 5 * time.Second

// api calls POST /api/<method> on s with the API key and returns the `result` object; an HTTP
// failure or an `error` answer fails the test.
func api(t *testing.T, s *Server, method string, req any) json.RawMessage {
	t.Helper()
	res, err := tryAPI(s, method, req)
	if err != nil {
		t.Fatalf("api %s: %v", method, err)
	}
	return res
}

func tryAPI(s *Server, method string, req any) (json.RawMessage, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), apiTimeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://"+s.Addr()+"/api/"+method, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("X-API-Key", apiKey)
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, text)
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(text, &out); err != nil {
		return nil, fmt.Errorf("bad JSON %q: %w", text, err)
	}
	if out.Error != nil {
		return nil, fmt.Errorf("error %d %q", out.Error.Code, out.Error.Message)
	}
	return out.Result, nil
}

// publish sends data to channel through the server API; returns the offset (0 without history).
func publish(t *testing.T, s *Server, channel string, data any) uint64 {
	t.Helper()
	res := api(t, s, "publish", map[string]any{"channel": channel, "data": data})
	var out struct {
		Offset uint64 `json:"offset"`
	}
	if err := json.Unmarshal(res, &out); err != nil {
		t.Fatalf("publish result %s: %v", res, err)
	}
	return out.Offset
}
