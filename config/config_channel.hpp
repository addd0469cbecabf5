// Channel, namespace and RPC parts of the config tree (see config.hpp for the naming rule).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config_proxy.hpp"

namespace herald {

/// Options of one namespace (or of channels without namespace), docs/protocol.md §6.2.
/// Every boolean defaults to false and every size to 0: a namespace allows nothing until
/// configured, as in Centrifugo.
struct ChannelOptions {
  bool presence = false;               ///< keep presence; needed by state_proxy_enabled
  bool join_leave = false;             ///< emit join/leave pushes for this namespace
  bool force_push_join_leave = false;  ///< push join/leave even when clients did not ask
  uint64_t history_size = 0;           ///< publications kept; needs history_ttl > 0 too
  std::chrono::milliseconds history_ttl{0};  ///< stream retention; needs history_size > 0
  /// Namespace override of channel.history_meta_ttl; 0 = use channel.history_meta_ttl.
  std::chrono::milliseconds history_meta_ttl{0};
  bool force_positioning = false;  ///< positioning on for every subscription
  bool allow_positioning = false;  ///< clients may ask for positioning
  bool force_recovery = false;     ///< recovery on for every subscription; needs history
  bool allow_recovery = false;     ///< clients may ask for recovery
  /// "" or "stream" = from history; "cache" = last publication only: not supported yet.
  std::string force_recovery_mode;
  /// Delta types subscribers may negotiate; only "fossil" exists. Herald never negotiates
  /// delta (a subscribe reply without it means full publications, which clients handle), so
  /// the list has no effect.
  std::vector<std::string> allowed_delta_types;
  /// Publish with delta by default. Only subscribers that negotiated delta get deltas, and
  /// none do in Herald: no effect.
  bool delta_publish = false;
  bool allow_subscribe_for_client = false;      ///< any authenticated client may subscribe
  bool allow_subscribe_for_anonymous = false;   ///< ...and anonymous ones too
  bool allow_publish_for_client = false;        ///< any authenticated client may publish
  bool allow_publish_for_subscriber = false;    ///< subscribers may publish
  bool allow_publish_for_anonymous = false;     ///< ...and anonymous ones too
  bool allow_presence_for_client = false;       ///< any client may read presence
  bool allow_presence_for_subscriber = false;   ///< subscribers may read presence
  bool allow_presence_for_anonymous = false;    ///< ...and anonymous ones too
  bool allow_history_for_client = false;        ///< any client may read history
  bool allow_history_for_subscriber = false;    ///< subscribers may read history
  bool allow_history_for_anonymous = false;     ///< ...and anonymous ones too
  bool allow_user_limited_channels = false;     ///< `#` channels limit who may subscribe
  /// When set, the part after the namespace boundary must match (search, not full match;
  /// ECMAScript syntax, which covers the RE2 patterns people use) and non-ASCII is allowed.
  std::string channel_regex;
  // Proxies: every *_proxy_enabled is refused (not supported yet) until proxies exist.
  bool subscribe_proxy_enabled = false;  ///< ask a proxy on subscribe
  std::string subscribe_proxy_name;      ///< "" or "default" = channel.proxy.subscribe
  bool publish_proxy_enabled = false;    ///< ask a proxy on client publish
  std::string publish_proxy_name;        ///< "" or "default" = channel.proxy.publish
  bool sub_refresh_proxy_enabled = false;  ///< ask a proxy when a subscription expires
  std::string sub_refresh_proxy_name;      ///< "" or "default" = channel.proxy.sub_refresh
  bool subscribe_stream_proxy_enabled = false;  ///< stream proxy; excludes the three above
  std::string subscribe_stream_proxy_name;  ///< "" or "default" = channel.proxy.subscribe_stream
  bool subscribe_stream_proxy_bidirectional = false;  ///< bidirectional stream proxy
  /// Channel state events (Centrifugo PRO): occupied/vacated to channel.proxy.state.
  /// Requires presence in the same options and channel.proxy.state.endpoint.
  bool state_proxy_enabled = false;
  /// Which state events to send: "occupied", "vacated"; empty = both.
  std::vector<std::string> state_events;
  // Centrifugo namespace features Herald does not have yet: refused when set.
  bool allow_tags_filter = false;  ///< subscribers filter publications by tags
  /// "" or "stream" (PUB/SUB with history) work; map and shared poll types are refused.
  std::string subscription_type;
  /// "" (empty data refused, as Herald does); "json", "json_object", "binary": refused.
  std::string publication_data_format;

  /// Whether channels keep a history stream (both a size and a retention are set).
  bool has_history() const { return history_size > 0 && history_ttl.count() > 0; }
};

/// One `channel.namespaces[]` item. In JSON the options sit flat next to "name".
struct NamespaceConfig {
  std::string name;        ///< `^[-a-zA-Z0-9_.]{2,}$`, unique
  ChannelOptions options;  ///< the namespace's options (flat in JSON)
};

/// channel.proxy: the "default" proxy of each channel event.
struct ChannelProxyConfig {
  ProxyEndpointConfig subscribe;         ///< used by subscribe_proxy_enabled
  ProxyEndpointConfig publish;           ///< used by publish_proxy_enabled
  ProxyEndpointConfig sub_refresh;       ///< used by sub_refresh_proxy_enabled
  ProxyEndpointConfig subscribe_stream;  ///< used by subscribe_stream_proxy_enabled
  ProxyEndpointConfig state;  ///< channel state events (state_proxy_enabled); no named variant
};

/// The `channel` section: naming rules and per-namespace options.
struct ChannelConfig {
  ChannelProxyConfig proxy;         ///< default proxies per event
  ChannelOptions without_namespace;  ///< options of channels with no namespace boundary
  std::vector<NamespaceConfig> namespaces;  ///< named namespaces
  /// How long a stream's epoch/offset outlive activity; 30 days as in Centrifugo.
  std::chrono::milliseconds history_meta_ttl = std::chrono::hours(720);
  int max_length = 255;  ///< bytes; longer channel names get 107
  std::string private_prefix = "$";      ///< channels starting with it need a sub token
  std::string namespace_boundary = ":";  ///< namespace = text before the first boundary
  std::string user_boundary = "#";       ///< user-limited channels: users after the last one
  std::string user_separator = ",";      ///< separates users in a user-limited channel
};

/// Options of an RPC namespace (or of methods without namespace).
struct RpcOptions {
  bool proxy_enabled = false;  ///< send RPCs of this namespace to a proxy
  std::string proxy_name;      ///< "" or "default" = rpc.proxy
};

/// One `rpc.namespaces[]` item; options flat next to "name" in JSON.
struct RpcNamespaceConfig {
  std::string name;    ///< `^[-a-zA-Z0-9_.]{2,}$`, unique
  RpcOptions options;  ///< flat in JSON
};

/// rpc.ping: answer a built-in RPC method without a proxy (latency checks).
struct RpcPingConfig {
  bool enabled = false;         ///< off by default as in Centrifugo; on: not supported yet
  std::string method = "ping";  ///< method name answered with empty data
};

/// The `rpc` section. Client RPC needs a proxy or rpc.ping, both refused until they exist.
struct RpcConfig {
  ProxyEndpointConfig proxy;           ///< the "default" RPC proxy
  RpcOptions without_namespace;        ///< methods without a namespace boundary
  std::vector<RpcNamespaceConfig> namespaces;  ///< named RPC namespaces
  RpcPingConfig ping;                  ///< built-in ping method
  std::string namespace_boundary = ":";  ///< namespace = text before the first boundary
};

}  // namespace herald
