// Proxy and TLS parts of the config tree (see config.hpp for the naming rule).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace herald {

/// TLS material for a listener or an outgoing connection. No TLS is served, and only the
/// channel state sender (channel.proxy.state) dials it: `enabled` is refused everywhere else.
struct TlsConfig {
  bool enabled = false;             ///< turn TLS on for this listener/connection
  std::string cert_pem;             ///< certificate, PEM text
  std::string cert_pem_file;        ///< certificate, path to a PEM file
  std::string key_pem;              ///< private key, PEM text
  std::string key_pem_file;         ///< private key, path to a PEM file
  std::string server_ca_pem;        ///< CA to verify the server (client side), PEM text
  std::string server_ca_pem_file;   ///< same, path to a PEM file
  std::string client_ca_pem;        ///< CA to verify clients (mutual TLS), PEM text
  std::string client_ca_pem_file;   ///< same, path to a PEM file
  bool insecure_skip_verify = false;  ///< skip peer verification (tests only)
  std::string server_name;          ///< SNI / name checked on the server certificate
};

/// The error a proxy HTTP status is turned into (Centrifugo `to_error`).
struct TransformErrorConfig {
  uint32_t code = 0;        ///< client error code (400..1999 for custom codes)
  std::string message;      ///< ASCII, at most 123 bytes
  bool temporary = false;   ///< the SDK retries temporary errors
};

/// The disconnect a proxy HTTP status is turned into (Centrifugo `to_disconnect`).
struct TransformDisconnectConfig {
  uint32_t code = 0;        ///< disconnect code (4000..4999 for custom codes)
  std::string reason;       ///< ASCII, at most 123 bytes (WebSocket close reason limit)
};

/// Maps a non-200 proxy HTTP status to an error or a disconnect instead of a call failure.
struct StatusToCodeTransformConfig {
  int status_code = 0;                      ///< HTTP status to match; required
  TransformErrorConfig to_error;            ///< exactly one of to_error / to_disconnect
  TransformDisconnectConfig to_disconnect;  ///< exactly one of to_error / to_disconnect
};

/// HTTP-only proxy options.
struct ProxyHttpConfig {
  TlsConfig tls;                                 ///< client TLS for https:// endpoints
  std::map<std::string, std::string> static_headers;  ///< added to every request
  std::vector<StatusToCodeTransformConfig> status_to_code_transforms;  ///< see above
};

/// gRPC-only proxy options.
struct ProxyGrpcConfig {
  TlsConfig tls;                  ///< channel TLS for grpc:// endpoints
  std::string credentials_key;    ///< per-RPC metadata key carrying credentials_value
  std::string credentials_value;  ///< per-RPC credential value
  bool compression = false;       ///< gzip request/response bodies
};

/// One proxy target: `http(s)://` ⇒ HTTP JSON, `grpc://host:port` ⇒ gRPC (docs/protocol.md §5.1).
struct ProxyEndpointConfig {
  std::string endpoint;                   ///< "" = this proxy is not configured
  std::chrono::milliseconds timeout = std::chrono::seconds(1);  ///< per call; Centrifugo's default
  std::vector<std::string> http_headers;  ///< client request headers forwarded (lower-cased)
  std::vector<std::string> grpc_metadata;  ///< client metadata keys forwarded (gRPC transports)
  bool binary_encoding = false;  ///< send b64data + encoding "binary" instead of data
  bool include_connection_meta = false;  ///< add the connection's `meta` to requests
  ProxyHttpConfig http;                  ///< HTTP transport options
  ProxyGrpcConfig grpc;                  ///< gRPC transport options
};

/// client.proxy.connect / client.proxy.refresh: a proxy with its own on/off switch.
struct ConnectProxyConfig : ProxyEndpointConfig {
  bool enabled = false;  ///< off: connects need a token; on: not supported yet (refused)
};

/// A top-level `proxies[]` item, referenced by name from `*_proxy_name` options.
/// The name "default" is reserved for the proxies under channel.proxy / rpc.proxy.
struct NamedProxyConfig : ProxyEndpointConfig {
  std::string name;  ///< `^[-a-zA-Z0-9_.]{2,}$`, unique
};

}  // namespace herald
