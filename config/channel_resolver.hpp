// Channel name → namespace options, with Centrifugo's naming rules (docs/protocol.md §6.1).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "engine/types.hpp"

namespace herald {

struct ResolvedChannel {
  const ChannelOptions* options = nullptr;  ///< owned by the resolver (or the Config)
  std::string namespace_name;               ///< "" = channel.without_namespace
  bool is_private = false;       ///< starts with channel.private_prefix: needs a sub token
  /// Contains channel.user_boundary AND the options allow user-limited channels, i.e. the
  /// subscribe check must use allowed_users().
  bool is_user_limited = false;
};

/// `error` is 0 on success; otherwise 107 (empty, too long, non-ASCII without channel_regex,
/// channel_regex mismatch) or 102 (unknown namespace) as Centrifugo answers.
struct ResolveResult {
  ResolvedChannel channel;
  Error error;

  bool ok() const { return !error; }
};

/// Resolves channels in O(1) + regex time: namespaces are indexed and regexes compiled once.
/// Owns a copy of the channel section, so it does not depend on the Config's lifetime;
/// `options` pointers stay valid while the resolver lives (also across moves).
class ChannelResolver {
 public:
  explicit ChannelResolver(const Config& cfg);
  ~ChannelResolver();
  ChannelResolver(ChannelResolver&&) noexcept;
  ChannelResolver& operator=(ChannelResolver&&) noexcept;

  ResolveResult resolve(std::string_view channel) const;

  /// The options of the channel's namespace, nullptr when that namespace does not exist:
  /// the lookup alone, without the name rules `resolve` applies (length, characters,
  /// channel_regex). The server API looks channels up this way, as Centrifugo's does.
  const ChannelOptions* namespace_options(std::string_view channel) const;

  /// The users after the last user_boundary, split by user_separator ("dialog#42,43" →
  /// {"42","43"}); empty when the channel has no user boundary.
  std::vector<std::string> allowed_users(std::string_view channel) const;

  /// The channel section this resolver was built from.
  const ChannelConfig& channel_config() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Convenience for one-off lookups (linear scan, regex compiled per call): `options` points
/// into `cfg`. Servers should keep a ChannelResolver instead.
ResolveResult resolve_channel(const Config& cfg, std::string_view channel);
ResolveResult resolve_channel(const ChannelResolver& resolver, std::string_view channel);

std::vector<std::string> allowed_users(const Config& cfg, std::string_view channel);
std::vector<std::string> allowed_users(const ChannelResolver& resolver,
                                       std::string_view channel);

}  // namespace herald
