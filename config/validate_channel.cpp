// Validation of channel.*, proxies[] and rpc.*: the rules that cross-reference proxies.
#include <set>

#include "config/config_validate.hpp"
#include "config/validate_checker.hpp"

namespace herald::validation {
namespace {

using std::chrono::milliseconds;

// Rules that need the whole channel/proxy picture (proxy names, default proxies).
class ChannelRules {
 public:
  explicit ChannelRules(Checker& c) : c_(c), cfg_(c.cfg()) {}

  void run() {
    proxies();
    channel();
    rpc();
  }

 private:
  void err(const std::string& path, const std::string& what) { c_.err(path, what); }

  void proxies() {
    std::set<std::string> names;
    for (size_t i = 0; i < cfg_.proxies.size(); ++i) {
      const auto& p = cfg_.proxies[i];
      const std::string path = "proxies[" + std::to_string(i) + "]";
      if (!valid_namespace_name(p.name)) {
        err(path + ".name", "\"" + p.name + "\" must match ^[-a-zA-Z0-9_.]{2,}$");
      } else if (p.name == "default") {
        err(path + ".name", "\"default\" is reserved for channel.proxy / rpc.proxy");
      } else if (!names.insert(p.name).second) {
        err(path + ".name", "duplicate proxy name \"" + p.name + "\"");
      }
      check_endpoint(c_, path, p, true);
    }
    const auto& cp = cfg_.channel.proxy;
    check_endpoint(c_, "channel.proxy.subscribe", cp.subscribe, false);
    check_endpoint(c_, "channel.proxy.publish", cp.publish, false);
    check_endpoint(c_, "channel.proxy.sub_refresh", cp.sub_refresh, false);
    check_endpoint(c_, "channel.proxy.subscribe_stream", cp.subscribe_stream, false);
    check_endpoint(c_, "channel.proxy.state", cp.state, false);
    check_endpoint(c_, "rpc.proxy", cfg_.rpc.proxy, false);
  }

  bool named_proxy_exists(const std::string& name) const {
    return std::any_of(cfg_.proxies.begin(), cfg_.proxies.end(),
                       [&](const NamedProxyConfig& p) { return p.name == name; });
  }

  // `<event>_proxy_enabled` + `<event>_proxy_name`: "" and "default" mean the default proxy.
  void proxy_use(const std::string& path, const char* event, bool enabled,
                 const std::string& name, const ProxyEndpointConfig& default_proxy,
                 const std::string& default_path) {
    const std::string name_key = path + "." + event + "_proxy_name";
    if (name.empty() || name == "default") {
      if (enabled && default_proxy.endpoint.empty()) {
        err(path + "." + event + "_proxy_enabled", "requires " + default_path + ".endpoint");
      }
    } else if (!named_proxy_exists(name)) {
      err(name_key, "proxy \"" + name + "\" not found in proxies");
    }
  }

  void channel_options(const std::string& path, const ChannelOptions& o) {
    const auto& ch = cfg_.channel;
    if ((o.history_size > 0) != (o.history_ttl.count() > 0)) {
      err(path, "history_size and history_ttl must both be set to enable history (got " +
                    std::to_string(o.history_size) + " and " + format_duration(o.history_ttl) +
                    ")");
    }
    const milliseconds meta = o.history_meta_ttl.count() != 0 ? o.history_meta_ttl
                                                              : ch.history_meta_ttl;
    if (meta < o.history_ttl) {
      err(path + ".history_ttl", "(" + format_duration(o.history_ttl) +
                                     ") must not exceed the history meta ttl (" +
                                     format_duration(meta) + ")");
    }
    const bool history = o.has_history();
    if (o.force_recovery && !history) {
      err(path + ".force_recovery", "requires history (history_size and history_ttl)");
    }
    if (!one_of(o.force_recovery_mode, {"", "stream", "cache"})) {
      err(path + ".force_recovery_mode", "must be \"\", \"stream\" or \"cache\", got \"" +
                                             o.force_recovery_mode + "\"");
    }
    for (size_t i = 0; i < o.allowed_delta_types.size(); ++i) {
      if (o.allowed_delta_types[i] != "fossil") {
        err(path + ".allowed_delta_types[" + std::to_string(i) + "]",
            "unknown delta type \"" + o.allowed_delta_types[i] + "\" (only \"fossil\")");
      }
    }
    if (!o.channel_regex.empty() && !regex_compiles(o.channel_regex)) {
      err(path + ".channel_regex", "invalid regular expression \"" + o.channel_regex + "\"");
    }
    if (o.subscribe_stream_proxy_enabled &&
        (o.subscribe_proxy_enabled || o.publish_proxy_enabled || o.sub_refresh_proxy_enabled)) {
      err(path + ".subscribe_stream_proxy_enabled",
          "cannot be combined with subscribe, publish or sub_refresh proxies");
    }
    proxy_use(path, "subscribe", o.subscribe_proxy_enabled, o.subscribe_proxy_name,
              ch.proxy.subscribe, "channel.proxy.subscribe");
    proxy_use(path, "publish", o.publish_proxy_enabled, o.publish_proxy_name, ch.proxy.publish,
              "channel.proxy.publish");
    proxy_use(path, "sub_refresh", o.sub_refresh_proxy_enabled, o.sub_refresh_proxy_name,
              ch.proxy.sub_refresh, "channel.proxy.sub_refresh");
    proxy_use(path, "subscribe_stream", o.subscribe_stream_proxy_enabled,
              o.subscribe_stream_proxy_name, ch.proxy.subscribe_stream,
              "channel.proxy.subscribe_stream");
    if (o.state_proxy_enabled) {
      if (!o.presence) {
        err(path + ".state_proxy_enabled",
            "requires \"presence\": true in the same namespace (channel state events are "
            "derived from presence)");
      }
      if (ch.proxy.state.endpoint.empty()) {
        err(path + ".state_proxy_enabled",
            "requires channel.proxy.state.endpoint (an http:// or https:// URL or "
            "grpc://host:port)");
      }
    }
    for (size_t i = 0; i < o.state_events.size(); ++i) {
      if (!one_of(o.state_events[i], {"occupied", "vacated"})) {
        err(path + ".state_events[" + std::to_string(i) + "]",
            "must be \"occupied\" or \"vacated\", got \"" + o.state_events[i] + "\"");
      }
    }
  }

  void channel() {
    const auto& ch = cfg_.channel;
    if (ch.max_length <= 0) err("channel.max_length", "must be positive");
    if (ch.namespace_boundary.empty()) err("channel.namespace_boundary", "must not be empty");
    if (ch.user_boundary.empty()) err("channel.user_boundary", "must not be empty");
    if (ch.user_separator.empty()) err("channel.user_separator", "must not be empty");
    channel_options("channel.without_namespace", ch.without_namespace);
    std::set<std::string> names;
    for (size_t i = 0; i < ch.namespaces.size(); ++i) {
      const auto& ns = ch.namespaces[i];
      const std::string path = "channel.namespaces[" + std::to_string(i) + "]";
      if (!valid_namespace_name(ns.name)) {
        err(path + ".name", "\"" + ns.name + "\" must match ^[-a-zA-Z0-9_.]{2,}$");
      } else if (!names.insert(ns.name).second) {
        err(path + ".name", "duplicate namespace name \"" + ns.name + "\"");
      }
      channel_options(path, ns.options);
    }
  }

  void rpc_options(const std::string& path, const RpcOptions& o) {
    const std::string& name = o.proxy_name;
    if (name.empty() || name == "default") {
      if (o.proxy_enabled && cfg_.rpc.proxy.endpoint.empty()) {
        err(path + ".proxy_enabled", "requires rpc.proxy.endpoint");
      }
    } else if (!named_proxy_exists(name)) {
      err(path + ".proxy_name", "proxy \"" + name + "\" not found in proxies");
    }
  }

  void rpc() {
    const auto& r = cfg_.rpc;
    if (r.namespace_boundary.empty()) err("rpc.namespace_boundary", "must not be empty");
    if (r.ping.enabled && r.ping.method.empty()) err("rpc.ping.method", "must not be empty");
    rpc_options("rpc.without_namespace", r.without_namespace);
    std::set<std::string> names;
    for (size_t i = 0; i < r.namespaces.size(); ++i) {
      const auto& ns = r.namespaces[i];
      const std::string path = "rpc.namespaces[" + std::to_string(i) + "]";
      if (!valid_namespace_name(ns.name)) {
        err(path + ".name", "\"" + ns.name + "\" must match ^[-a-zA-Z0-9_.]{2,}$");
      } else if (!names.insert(ns.name).second) {
        err(path + ".name", "duplicate rpc namespace name \"" + ns.name + "\"");
      }
      rpc_options(path, ns.options);
    }
  }

  Checker& c_;
  const Config& cfg_;
};

}  // namespace

void check_endpoint(Checker& c, const std::string& path, const ProxyEndpointConfig& p,
                  bool required) {
  if (p.endpoint.empty()) {
    if (required) c.err(path + ".endpoint", "required (proxy is enabled)");
    return;
  }
  if (!valid_proxy_endpoint(p.endpoint)) {
    c.err(path + ".endpoint",
          "must be an http:// or https:// URL or grpc://host:port, got \"" + p.endpoint + "\"");
  }
  c.positive(path + ".timeout", p.timeout);
  const auto& transforms = p.http.status_to_code_transforms;
  for (size_t i = 0; i < transforms.size(); ++i) {
    const auto& t = transforms[i];
    const std::string tp = path + ".http.status_to_code_transforms[" + std::to_string(i) + "]";
    if (t.status_code == 0) c.err(tp + ".status_code", "required");
    if ((t.to_error.code == 0) == (t.to_disconnect.code == 0)) {
      c.err(tp, "set exactly one of to_error.code and to_disconnect.code");
    }
    if (!is_ascii(t.to_error.message) || t.to_error.message.size() > 123) {
      c.err(tp + ".to_error.message", "must be ASCII, at most 123 bytes");
    }
    if (!is_ascii(t.to_disconnect.reason) || t.to_disconnect.reason.size() > 123) {
      c.err(tp + ".to_disconnect.reason", "must be ASCII, at most 123 bytes");
    }
  }
}

void check_channels_proxies_rpc(Checker& c) { ChannelRules(c).run(); }

}  // namespace herald::validation
