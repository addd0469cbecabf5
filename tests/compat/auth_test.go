package compat

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
)

// signHS256 builds a compact JWT signed with secret (RFC 7519, no external library).
func signHS256(t *testing.T, secret string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	unsigned := header + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// connToken is a connection token for user valid for ttl (negative ⇒ already expired).
func connToken(t *testing.T, user string, ttl time.Duration, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{"sub": user, "exp": time.Now().Add(ttl).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	return signHS256(t, hmacSecret, claims)
}

// subToken is a subscription token of user for channel, valid for an hour.
func subToken(t *testing.T, user, channel string) string {
	t.Helper()
	return signHS256(t, hmacSecret, map[string]any{
		"sub": user, "channel": channel, "exp": time.Now().Add(time.Hour).Unix(),
	})
}

// unique returns prefix plus random hex: channel and user names no other test uses.
func unique(prefix string) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b)
}
