#include "config/config_validate.hpp"

#include <algorithm>
#include <type_traits>

#include "config/duration.hpp"
#include "config/fields.hpp"
#include "config/not_supported.hpp"
#include "config/validate_checker.hpp"

namespace herald {
namespace {

using std::chrono::milliseconds;
using validation::check_channels_proxies_rpc;
using validation::check_endpoint;
using validation::Checker;
using validation::one_of;
using validation::regex_compiles;
using validation::starts_with;

// Walks every duration in the tree: only keys flagged kFieldNegativeOk may be negative.
struct NegativeDurationCheck {
  std::vector<std::string>& errors;
  std::string path;

  template <class T>
  void operator()(std::string_view key, const T& field, unsigned flags) {
    const std::string p = join(key);
    if constexpr (std::is_same_v<T, milliseconds>) {
      if (field.count() < 0 && (flags & kFieldNegativeOk) == 0) {
        errors.push_back(p + ": must not be negative");
      }
    } else if constexpr (ConfigStruct<T>) {
      NegativeDurationCheck nested{errors, p};
      visit_fields(field, nested);
    } else if constexpr (requires { typename T::value_type; field.size(); field[0]; }) {
      if constexpr (ConfigStruct<typename T::value_type>) {
        for (size_t i = 0; i < field.size(); ++i) {
          NegativeDurationCheck nested{errors, p + "[" + std::to_string(i) + "]"};
          visit_fields(field[i], nested);
        }
      }
    }
  }
  std::string join(std::string_view key) const {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
};

class Validator {
 public:
  explicit Validator(const Config& cfg) : cfg_(cfg) {}

  std::vector<std::string> run() {
    NegativeDurationCheck durations{errors_, ""};
    visit_fields(cfg_, durations);
    http_server();
    backends();
    client();
    check_channels_proxies_rpc(c_);
    apis();
    check_not_supported(cfg_, errors_);
    return std::move(errors_);
  }

 private:
  // Short names for the shared checks, so the rules below read as a list.
  void err(const std::string& path, const std::string& what) { c_.err(path, what); }
  void port(const std::string& path, int value, int min) { c_.port(path, value, min); }
  void handler_prefix(const std::string& path, const std::string& prefix) {
    c_.handler_prefix(path, prefix);
  }
  void positive(const std::string& path, milliseconds d) { c_.positive(path, d); }
  template <class T>
  void not_negative(const std::string& path, T value) {
    c_.not_negative(path, value);
  }

  void http_server() {
    port("http_server.port", cfg_.http_server.port, 0);  // 0: any free port (logged at start)
    port("http_server.internal_port", cfg_.http_server.internal_port, 0);
    if (!one_of(cfg_.log.level, {"trace", "debug", "info", "warn", "error", "none"})) {
      err("log.level", "must be one of trace, debug, info, warn, error, none; got \"" +
                           cfg_.log.level + "\"");
    }
  }

  // Checked whether or not the engine is in use: they are cheap to get right.
  void channel_state(const std::string& path, const ChannelStateConfig& cs) {
    if (cs.num_partitions < 1 || cs.num_partitions > 65536) {
      err(path + ".num_partitions",
          "must be in 1..65536, got " + std::to_string(cs.num_partitions));
    }
  }

  void redis(const std::string& path, const RedisConfig& r, bool used) {
    channel_state(path + ".channel_state", r.channel_state);
    positive(path + ".channel_state.node_lease", r.channel_state.node_lease);
    if (!used) return;
    if (r.address.empty() && r.cluster_address.empty()) {
      err(path + ".address", "at least one Redis address is required");
    }
    for (size_t i = 0; i < r.address.size(); ++i) {
      redis_address(path + ".address[" + std::to_string(i) + "]", r.address[i]);
    }
    for (size_t i = 0; i < r.cluster_address.size(); ++i) {
      redis_address(path + ".cluster_address[" + std::to_string(i) + "]", r.cluster_address[i]);
    }
    positive(path + ".connect_timeout", r.connect_timeout);
    positive(path + ".presence_ttl", r.presence_ttl);
    not_negative(path + ".db", r.db);
  }

  void redis_address(const std::string& path, const std::string& a) {
    if (a.empty()) {
      err(path, "must not be empty");
    } else if (const size_t scheme = a.find("://"); scheme != std::string::npos) {
      if (!one_of(std::string_view(a).substr(0, scheme), {"redis", "rediss", "unix", "tcp"})) {
        err(path, "scheme must be redis://, rediss://, unix:// or tcp://, got \"" + a + "\"");
      }
    } else if (a.find(':') == std::string::npos) {
      err(path, "expected host:port or a redis:// URL, got \"" + a + "\"");
    }
  }

  void backend_type(const std::string& path, bool enabled, const std::string& type) {
    if (!enabled) return;
    if (type.empty()) {
      err(path, "required when enabled (memory or redis)");
    } else if (!one_of(type, {"memory", "redis"})) {
      err(path, "must be memory or redis (\"" + type + "\" is not supported by Herald)");
    }
  }

  void backends() {
    const auto& e = cfg_.engine;
    if (!one_of(e.type, {"memory", "redis"})) {
      err("engine.type", "must be memory or redis, got \"" + e.type + "\"");
    }
    channel_state("engine.memory.channel_state", e.memory.channel_state);
    redis("engine.redis", e.redis, e.type == "redis");
    const auto& b = cfg_.broker;
    backend_type("broker.type", b.enabled, b.type);
    redis("broker.redis", b.redis, b.enabled && b.type == "redis");
    const auto& pm = cfg_.presence_manager;
    backend_type("presence_manager.type", pm.enabled, pm.type);
    redis("presence_manager.redis", pm.redis, pm.enabled && pm.type == "redis");
  }

  void token(const std::string& path, const TokenConfig& t) {
    static const std::regex kClaim("^[a-zA-Z_]+$");
    if (!t.user_id_claim.empty() && !std::regex_match(t.user_id_claim, kClaim)) {
      err(path + ".user_id_claim", "must match ^[a-zA-Z_]+$");
    }
    if (!t.audience_regex.empty() && !regex_compiles(t.audience_regex)) {
      err(path + ".audience_regex", "invalid regular expression");
    }
    if (!t.issuer_regex.empty() && !regex_compiles(t.issuer_regex)) {
      err(path + ".issuer_regex", "invalid regular expression");
    }
    const auto& jwks = t.jwks_public_endpoint;
    if (!jwks.empty() && !starts_with(jwks, "http://") && !starts_with(jwks, "https://")) {
      err(path + ".jwks_public_endpoint", "must be an http:// or https:// URL");
    }
  }

  void client() {
    const auto& c = cfg_.client;
    token("client.token", c.token);
    token("client.subscription_token", c.subscription_token);
    if (c.ping_interval.count() == 0) {
      err("client.ping_interval", "must be positive (or negative to disable pings)");
    }
    if (c.ping_interval.count() > 0 && c.pong_timeout.count() > 0 &&
        c.pong_timeout >= c.ping_interval) {
      err("client.pong_timeout", "must be less than client.ping_interval (" +
                                     format_duration(c.pong_timeout) + " >= " +
                                     format_duration(c.ping_interval) + ")");
    }
    if (c.queue_max_size <= 0) err("client.queue_max_size", "must be positive");
    not_negative("client.channel_limit", c.channel_limit);
    not_negative("client.connection_limit", c.connection_limit);
    not_negative("client.user_connection_limit", c.user_connection_limit);
    not_negative("client.history_max_publication_limit", c.history_max_publication_limit);
    not_negative("client.recovery_max_publication_limit", c.recovery_max_publication_limit);
    positive("client.presence_update_interval", c.presence_update_interval);
    positive("client.channel_position_check_delay", c.channel_position_check_delay);
    positive("client.stale_close_delay", c.stale_close_delay);
    for (size_t i = 0; i < c.allowed_origins.size(); ++i) {
      if (c.allowed_origins[i].empty()) {
        err("client.allowed_origins[" + std::to_string(i) + "]", "must not be empty");
      }
    }
    if (c.proxy.connect.enabled) check_endpoint(c_, "client.proxy.connect", c.proxy.connect, true);
    if (c.proxy.refresh.enabled) check_endpoint(c_, "client.proxy.refresh", c.proxy.refresh, true);
    personal_channel();
  }

  void personal_channel() {
    const auto& p = cfg_.client.subscribe_to_user_personal_channel;
    if (!p.enabled) return;
    const std::string path = "client.subscribe_to_user_personal_channel";
    const ChannelOptions* opts = &cfg_.channel.without_namespace;
    if (!p.personal_channel_namespace.empty()) {
      opts = nullptr;
      for (const auto& ns : cfg_.channel.namespaces) {
        if (ns.name == p.personal_channel_namespace) opts = &ns.options;
      }
      if (opts == nullptr) {
        err(path + ".personal_channel_namespace",
            "namespace \"" + p.personal_channel_namespace + "\" not found in channel.namespaces");
        return;
      }
    }
    if (p.single_connection && !opts->presence) {
      err(path + ".single_connection", "requires presence in the personal channel namespace");
    }
  }

  void apis() {
    const auto& h = cfg_.http_api;
    if (!one_of(h.error_mode, {"", "transport"})) {
      err("http_api.error_mode", "must be \"\" or \"transport\", got \"" + h.error_mode + "\"");
    }
    handler_prefix("http_api.handler_prefix", h.handler_prefix);
    const auto& g = cfg_.grpc_api;
    if (!one_of(g.error_mode, {"", "transport"})) {
      err("grpc_api.error_mode", "must be \"\" or \"transport\", got \"" + g.error_mode + "\"");
    }
    if (g.enabled) port("grpc_api.port", g.port, 1);
    not_negative("grpc_api.max_receive_message_size", g.max_receive_message_size);
    const auto& w = cfg_.websocket;
    handler_prefix("websocket.handler_prefix", w.handler_prefix);
    if (w.message_size_limit <= 0) err("websocket.message_size_limit", "must be positive");
    // Exactly what the WebSocket transport applies (Beast's deflate levels, 1 = fastest).
    // Centrifugo also takes 0 (no compression), -1 (zlib default) and -2 (Huffman only).
    if (w.compression_level < 1 || w.compression_level > 9) {
      err("websocket.compression_level",
          "must be in 1..9, got " + std::to_string(w.compression_level));
    }
    not_negative("websocket.compression_min_size", w.compression_min_size);
    not_negative("websocket.read_buffer_size", w.read_buffer_size);
    not_negative("websocket.write_buffer_size", w.write_buffer_size);
    positive("websocket.write_timeout", w.write_timeout);
    handler_prefix("prometheus.handler_prefix", cfg_.prometheus.handler_prefix);
    handler_prefix("health.handler_prefix", cfg_.health.handler_prefix);
    handler_prefix("admin.handler_prefix", cfg_.admin.handler_prefix);
    positive("node.info_metrics_aggregate_interval", cfg_.node.info_metrics_aggregate_interval);
    positive("shutdown.timeout", cfg_.shutdown.timeout);
  }

  const Config& cfg_;
  std::vector<std::string> errors_;
  Checker c_{cfg_, errors_};
};

}  // namespace

bool valid_namespace_name(std::string_view name) {
  if (name.size() < 2) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

bool valid_proxy_endpoint(std::string_view e) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (starts_with(e, scheme) && e.size() > scheme.size()) return true;
  }
  constexpr std::string_view kGrpc = "grpc://";
  if (!starts_with(e, kGrpc)) return false;
  // What a gRPC client dials: host:port and nothing else ("[::1]:10001" for IPv6).
  const std::string_view target = e.substr(kGrpc.size());
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || target.find('/') != std::string_view::npos)
    return false;
  const std::string_view port = target.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int n = std::stoi(std::string(port));
  return n >= 1 && n <= 65535;
}

std::vector<std::string> validate(const Config& cfg) { return Validator(cfg).run(); }

}  // namespace herald
