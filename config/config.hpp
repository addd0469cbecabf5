// Herald's configuration: ONE struct tree mirroring Centrifugo v6's JSON layout.
//
// Naming rule: struct types are PascalCase ending in `Config` (or `Options`); every member
// is named exactly like its JSON key. Durations are std::chrono::milliseconds and are
// written as Go duration strings in JSON ("25s"). Defaults are Centrifugo v6's.
// The key list lives once, in config/fields.hpp; docs/configuration.md describes each key.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_channel.hpp"
#include "config/config_engine.hpp"
#include "config/config_proxy.hpp"

namespace herald {

/// A Centrifugo section for a feature Herald does not have yet (a transport, an endpoint,
/// an exporter): only `enabled` is read, and validation refuses it when true. The section's
/// other keys are Centrifugo's and accepted without a warning (kFieldOtherKeysIgnored):
/// they configure something that cannot be on.
struct UnimplementedSectionConfig {
  bool enabled = false;  ///< true: not supported yet (refused)
};

/// The `http_server` section: the public listener (WebSocket, HTTP API, metrics...).
struct HttpServerConfig {
  std::string address;   ///< bind address; "" = all interfaces
  int port = 8000;       ///< 1..65535; Centrifugo's default
  /// Bind address of the internal listener; "" = address. Herald has one listener: any
  /// other value is refused (not supported yet).
  std::string internal_address;
  /// Internal listener (API, metrics, health) port; 0 = serve them on `port`, the only
  /// thing Herald does (others are refused). Accepts a number or a numeric string
  /// (Centrifugo types it as a string).
  int internal_port = 0;
  /// Herald extension: a request's headers must arrive within this of its start (its first
  /// byte; a new connection's accept); 0 = `read_timeout`. Centrifugo: 10 s, fixed.
  std::chrono::milliseconds read_header_timeout = std::chrono::seconds(10);
  /// Herald extension: the whole request, body included, within this of its start; also how
  /// long a keep-alive connection may wait for its next request; 0 = no limit. Centrifugo:
  /// 30 s, fixed.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  TlsConfig tls;  ///< TLS: enabled is refused until Herald serves TLS
  // Centrifugo listener features Herald does not have yet: refused when on.
  UnimplementedSectionConfig tls_autocert;  ///< ACME certificates (Let's Encrypt)
  UnimplementedSectionConfig http3;         ///< HTTP/3 (QUIC)
  UnimplementedSectionConfig internal_tls;  ///< TLS of the internal listener
  bool tls_external = false;                ///< TLS on the external port only
};

/// The `log` section.
struct LogConfig {
  std::string level = "info";  ///< trace | debug | info | warn | error | none
  std::string file;            ///< "" = stderr
};

/// JWT verification keys and claims checks (docs/protocol.md §3.1).
struct TokenConfig {
  std::string hmac_secret_key;     ///< HS256/384/512 shared secret
  std::string rsa_public_key;      ///< RS256/384/512 public key, PEM
  std::string ecdsa_public_key;    ///< ES256/384/512 public key, PEM
  std::string jwks_public_endpoint;  ///< JWKS URL (http/https): not supported yet (refused)
  /// A second HMAC key accepted during a rotation: not supported yet (refused).
  std::string hmac_previous_secret_key;
  std::string audience;            ///< required `aud` value; "" = not checked
  std::string audience_regex;      ///< `aud` must match; groups usable in the JWKS URL
  std::string issuer;              ///< required `iss` value; "" = not checked
  std::string issuer_regex;        ///< `iss` must match; groups usable in the JWKS URL
  std::string user_id_claim;       ///< claim holding the user id instead of `sub`
};

/// client.subscription_token: separate keys for subscription tokens when enabled;
/// otherwise subscription tokens are checked with client.token.
struct SubscriptionTokenConfig : TokenConfig {
  bool enabled = false;  ///< off = reuse client.token for subscription tokens
};

/// client.proxy: connect and refresh proxies.
struct ClientProxyConfig {
  ConnectProxyConfig connect;  ///< called for connects without a token
  ConnectProxyConfig refresh;  ///< called when a connection's expire_at passes
};

/// client.subscribe_to_user_personal_channel.
struct PersonalChannelConfig {
  bool enabled = false;  ///< subscribe every user to `ns:#<user>`: not supported yet (refused)
  std::string personal_channel_namespace;  ///< "" = channel without namespace (`#<user>`)
  bool single_connection = false;  ///< one connection per user (needs presence there)
};

/// The `client` section: connection lifecycle, limits and authentication.
struct ClientConfig {
  ClientProxyConfig proxy;  ///< connect/refresh proxies
  /// Origins allowed for browser WebSocket connects ("*" and "https://*.x.com" patterns);
  /// empty = only same-origin (and non-browser) clients.
  std::vector<std::string> allowed_origins;
  TokenConfig token;                          ///< connection token verification
  SubscriptionTokenConfig subscription_token;  ///< subscription token verification
  bool allow_anonymous_connect_without_token = false;  ///< tokenless connect = anonymous
  bool disallow_anonymous_connection_tokens = false;   ///< refuse tokens with empty `sub`
  /// Server ping period; negative disables pings (and pong checks).
  std::chrono::milliseconds ping_interval = std::chrono::seconds(25);
  /// How long to wait for a pong after a ping; must be < ping_interval; negative disables.
  std::chrono::milliseconds pong_timeout = std::chrono::seconds(8);
  /// Grace after connection expiry before 3005 when the client does not refresh.
  std::chrono::milliseconds expired_close_delay = std::chrono::seconds(25);
  /// Grace after subscription expiry before unsubscribe 2501 / disconnect 3006.
  std::chrono::milliseconds expired_sub_close_delay = std::chrono::seconds(25);
  /// Time allowed between TCP/WebSocket accept and a successful connect, then 3502.
  std::chrono::milliseconds stale_close_delay = std::chrono::seconds(10);
  int channel_limit = 128;  ///< subscriptions per connection, then 3505; 0 = unlimited
  int64_t queue_max_size = 1048576;  ///< bytes queued per connection before 3008 "slow"
  /// Presence refresh period for all subscriptions (must stay < presence_ttl).
  std::chrono::milliseconds presence_update_interval = std::chrono::seconds(27);
  /// Period of Centrifugo's stream position checks for positioned subscriptions. Herald
  /// checks the position of every delivery instead, so it reads no period.
  std::chrono::milliseconds channel_position_check_delay = std::chrono::seconds(40);
  /// Largest PUB/SUB lag a positioned subscriber may have; 0 = not checked (the only thing
  /// Herald does: others are refused).
  std::chrono::milliseconds channel_position_max_time_lag{0};
  int connection_limit = 0;       ///< connections per node; 0 = unlimited
  int user_connection_limit = 0;  ///< connections per user per node, then 3504; 0 = none
  int connection_rate_limit = 0;  ///< new connections per second; 0 = none (others refused)
  bool connect_include_server_time = false;  ///< add `time` to connect replies
  int history_max_publication_limit = 300;   ///< cap of client history `limit`
  int recovery_max_publication_limit = 300;  ///< recovery larger than this fails with 112
  bool insecure_skip_token_signature_verify = false;  ///< NEVER in production
  bool insecure = false;  ///< allow everything without tokens (development only)
  /// Trust this header as the user id (behind a proxy): not supported yet (refused).
  std::string user_id_http_header;
  PersonalChannelConfig subscribe_to_user_personal_channel;  ///< personal channel
};

/// The `http_api` section: the server API over HTTP (docs/protocol.md §4.1).
struct HttpApiConfig {
  bool disabled = false;              ///< true = no HTTP API
  std::string handler_prefix = "/api";  ///< methods at <prefix>/<method>
  std::string key;                    ///< X-API-Key; empty key = every request gets 401
  std::string error_mode;             ///< "" or "transport" (errors as HTTP statuses)
  /// Serve on the public port even with internal_port. With the one listener Herald has
  /// (internal_port is refused) the API is always there: true changes nothing, as in
  /// Centrifugo without an internal port.
  bool external = false;
  bool insecure = false;              ///< no API key check (development only)
};

/// The `grpc_api` section. `enabled` is refused until the gRPC API exists.
struct GrpcApiConfig {
  bool enabled = false;    ///< off by default; on: not supported yet (refused)
  std::string error_mode;  ///< "" or "transport"
  std::string address;     ///< bind address; "" = all interfaces
  int port = 10000;        ///< 1..65535
  std::string key;         ///< "authorization: apikey <key>" metadata; "" = none
  TlsConfig tls;           ///< server TLS
  bool reflection = false;  ///< gRPC server reflection service
  int64_t max_receive_message_size = 0;  ///< bytes; 0 = gRPC default (4 MiB)
};

/// The `websocket` section: the bidirectional WebSocket transport.
struct WebsocketConfig {
  bool disabled = false;  ///< true = no WebSocket endpoint
  std::string handler_prefix = "/connection/websocket";  ///< endpoint path
  bool compression = false;  ///< permessage-deflate when the client offers it
  int compression_min_size = 0;   ///< bytes; smaller messages uncompressed; only 0 (refused)
  int compression_level = 1;      ///< zlib level 1..9 (Beast's deflate); 1 = cheapest
  int read_buffer_size = 0;       ///< bytes; 0 = transport default
  bool use_write_buffer_pool = false;  ///< share write buffers between idle connections
  int write_buffer_size = 0;      ///< bytes; 0 = transport default
  std::chrono::milliseconds write_timeout = std::chrono::seconds(1);  ///< per write
  int64_t message_size_limit = 65536;  ///< bytes per incoming message, then disconnect
};

/// The `prometheus` section.
struct PrometheusConfig {
  bool enabled = false;                    ///< expose metrics: not supported yet (refused)
  std::string handler_prefix = "/metrics";  ///< endpoint path
};

/// The `health` section.
struct HealthConfig {
  bool enabled = false;                   ///< expose a health check
  std::string handler_prefix = "/health";  ///< endpoint path
};

/// The `admin` section. `enabled` is refused until the admin UI exists.
struct AdminConfig {
  bool enabled = false;        ///< serve the admin endpoints: not supported yet (refused)
  std::string handler_prefix;  ///< path prefix; "" = root
  std::string password;        ///< admin login password
  std::string secret;          ///< signs admin session tokens
  bool insecure = false;       ///< no login (development only)
};

/// The `node` section.
struct NodeConfig {
  std::string name;  ///< "" = computed at start as "<hostname>_<port>"
  /// How often node metrics shown by the `info` API are aggregated. The API reports live
  /// values as a 60 s period: other values are not supported yet (refused).
  std::chrono::milliseconds info_metrics_aggregate_interval = std::chrono::seconds(60);
};

/// The `shutdown` section.
struct ShutdownConfig {
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  ///< graceful stop budget
};


/// One `consumers[]` item (Kafka, PostgreSQL outbox, ...): refused when enabled.
struct ConsumerConfig : UnimplementedSectionConfig {
  std::string name;  ///< Centrifugo's unique consumer name (env overrides address it)
};

/// The root of the tree. Herald-only keys: `engine.memory` and
/// `engine.redis.channel_state.node_lease`.
struct Config {
  HttpServerConfig http_server;       ///< public (and internal) listener
  LogConfig log;                      ///< logging
  EngineConfig engine;                ///< default backend
  BrokerConfig broker;                ///< optional separate pub/sub backend
  PresenceManagerConfig presence_manager;  ///< optional separate presence backend
  ClientConfig client;                ///< connections
  ChannelConfig channel;              ///< channels and namespaces
  RpcConfig rpc;                      ///< client RPC routing
  std::vector<NamedProxyConfig> proxies;  ///< named proxies for `*_proxy_name`
  HttpApiConfig http_api;             ///< HTTP server API
  GrpcApiConfig grpc_api;             ///< gRPC server API
  WebsocketConfig websocket;          ///< WebSocket transport
  PrometheusConfig prometheus;        ///< metrics endpoint
  HealthConfig health;                ///< health endpoint
  AdminConfig admin;                  ///< admin endpoints
  NodeConfig node;                    ///< node identity
  ShutdownConfig shutdown;            ///< graceful shutdown
  std::string pid_file;               ///< write the PID here at start; "" = don't
  // Centrifugo features Herald does not have yet: refused when enabled.
  UnimplementedSectionConfig sse;              ///< bidirectional SSE transport
  UnimplementedSectionConfig http_stream;      ///< bidirectional HTTP-streaming transport
  UnimplementedSectionConfig uni_websocket;    ///< unidirectional WebSocket transport
  UnimplementedSectionConfig uni_sse;          ///< unidirectional SSE transport
  UnimplementedSectionConfig uni_http_stream;  ///< unidirectional HTTP-streaming transport
  UnimplementedSectionConfig uni_grpc;         ///< unidirectional gRPC transport
  UnimplementedSectionConfig webtransport;     ///< WebTransport (HTTP/3) transport
  UnimplementedSectionConfig init;             ///< connection init endpoint
  UnimplementedSectionConfig swagger;          ///< Swagger UI of the HTTP API
  UnimplementedSectionConfig debug;            ///< pprof endpoints
  UnimplementedSectionConfig opentelemetry;    ///< tracing export
  UnimplementedSectionConfig graphite;         ///< metrics export to Graphite
  UnimplementedSectionConfig controller;       ///< custom cross-node controller (PostgreSQL)
  std::vector<ConsumerConfig> consumers;       ///< message queue consumers
};

}  // namespace herald
