#include "config/channel_resolver.hpp"

#include <algorithm>
#include <optional>
#include <regex>
#include <unordered_map>

#include "engine/codes.hpp"

namespace herald {
namespace {

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; });
}

struct Split {
  std::string_view ns;    // "" = no namespace
  std::string_view rest;  // what channel_regex is matched against
};

// Centrifugo: strip the private prefix, cut at the first boundary; with no boundary the
// whole (unstripped) channel is the rest.
Split split_channel(const ChannelConfig& ch, std::string_view channel) {
  std::string_view trimmed = channel;
  if (!ch.private_prefix.empty() && trimmed.substr(0, ch.private_prefix.size()) ==
                                        ch.private_prefix) {
    trimmed.remove_prefix(ch.private_prefix.size());
  }
  if (ch.namespace_boundary.empty()) return {{}, channel};
  const size_t pos = trimmed.find(ch.namespace_boundary);
  if (pos == std::string_view::npos) return {{}, channel};
  return {trimmed.substr(0, pos), trimmed.substr(pos + ch.namespace_boundary.size())};
}

// `find_ns(name)` → pair(options*, regex*) or {nullptr, _} when unknown.
template <class Find>
ResolveResult resolve_with(const ChannelConfig& ch, std::string_view channel, Find find_ns) {
  ResolveResult r;
  if (channel.empty() ||
      channel.size() > static_cast<size_t>(std::max(ch.max_length, 0))) {
    r.error = make_error(ErrorCode::bad_request);
    return r;
  }
  const Split split = split_channel(ch, channel);
  auto [options, regex] = find_ns(split.ns);
  if (options == nullptr) {
    r.error = make_error(ErrorCode::unknown_channel);
    return r;
  }
  if (!options->channel_regex.empty()) {
    if (regex == nullptr ||
        !std::regex_search(split.rest.begin(), split.rest.end(), *regex)) {
      r.error = make_error(ErrorCode::bad_request);
      return r;
    }
  } else if (!is_ascii(channel)) {
    r.error = make_error(ErrorCode::bad_request);
    return r;
  }
  r.channel.options = options;
  r.channel.namespace_name = std::string(split.ns);
  r.channel.is_private = !ch.private_prefix.empty() &&
                         channel.substr(0, ch.private_prefix.size()) == ch.private_prefix;
  r.channel.is_user_limited = options->allow_user_limited_channels &&
                              !ch.user_boundary.empty() &&
                              channel.find(ch.user_boundary) != std::string_view::npos;
  return r;
}

std::vector<std::string> users_of(const ChannelConfig& ch, std::string_view channel) {
  std::vector<std::string> users;
  if (ch.user_boundary.empty()) return users;
  const size_t pos = channel.rfind(ch.user_boundary);
  if (pos == std::string_view::npos) return users;
  std::string_view list = channel.substr(pos + ch.user_boundary.size());
  if (ch.user_separator.empty()) {
    users.emplace_back(list);
    return users;
  }
  while (true) {
    const size_t sep = list.find(ch.user_separator);
    users.emplace_back(list.substr(0, sep));
    if (sep == std::string_view::npos) break;
    list.remove_prefix(sep + ch.user_separator.size());
  }
  return users;
}

std::optional<std::regex> compile(const std::string& pattern) {
  if (pattern.empty()) return std::nullopt;
  try {
    return std::regex(pattern);
  } catch (const std::regex_error&) {
    return std::nullopt;  // validate() reports it; here the channel is refused (107)
  }
}

}  // namespace

struct ChannelResolver::State {
  struct Entry {
    const ChannelOptions* options;
    std::optional<std::regex> regex;
  };
  ChannelConfig channel;
  Entry without_namespace;
  std::unordered_map<std::string_view, Entry> namespaces;  // keys view channel.namespaces

  /// The entry of namespace `ns` ("" = without namespace), nullptr when unknown.
  const Entry* find(std::string_view ns) const;
};

ChannelResolver::ChannelResolver(const Config& cfg) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.channel = cfg.channel;
  s.without_namespace = {&s.channel.without_namespace,
                         compile(s.channel.without_namespace.channel_regex)};
  s.namespaces.reserve(s.channel.namespaces.size());
  for (const NamespaceConfig& ns : s.channel.namespaces) {
    s.namespaces.try_emplace(ns.name, State::Entry{&ns.options, compile(ns.options.channel_regex)});
  }
}

ChannelResolver::~ChannelResolver() = default;
ChannelResolver::ChannelResolver(ChannelResolver&&) noexcept = default;
ChannelResolver& ChannelResolver::operator=(ChannelResolver&&) noexcept = default;

const ChannelResolver::State::Entry* ChannelResolver::State::find(std::string_view ns) const {
  if (ns.empty()) return &without_namespace;
  auto it = namespaces.find(ns);
  return it == namespaces.end() ? nullptr : &it->second;
}

ResolveResult ChannelResolver::resolve(std::string_view channel) const {
  const State& s = *state_;
  return resolve_with(s.channel, channel, [&](std::string_view ns) {
    const State::Entry* e = s.find(ns);
    if (e == nullptr) return std::pair<const ChannelOptions*, const std::regex*>{nullptr, nullptr};
    return std::pair<const ChannelOptions*, const std::regex*>{
        e->options, e->regex ? &*e->regex : nullptr};
  });
}

const ChannelOptions* ChannelResolver::namespace_options(std::string_view channel) const {
  const State::Entry* e = state_->find(split_channel(state_->channel, channel).ns);
  return e == nullptr ? nullptr : e->options;
}

std::vector<std::string> ChannelResolver::allowed_users(std::string_view channel) const {
  return users_of(state_->channel, channel);
}

const ChannelConfig& ChannelResolver::channel_config() const { return state_->channel; }

ResolveResult resolve_channel(const Config& cfg, std::string_view channel) {
  std::optional<std::regex> regex;  // lives until resolve_with returns
  return resolve_with(cfg.channel, channel, [&](std::string_view ns) {
    const ChannelOptions* opts = nullptr;
    if (ns.empty()) {
      opts = &cfg.channel.without_namespace;
    } else {
      for (const NamespaceConfig& n : cfg.channel.namespaces) {
        if (n.name == ns) {
          opts = &n.options;
          break;
        }
      }
    }
    if (opts != nullptr) regex = compile(opts->channel_regex);
    return std::pair<const ChannelOptions*, const std::regex*>{opts, regex ? &*regex : nullptr};
  });
}

ResolveResult resolve_channel(const ChannelResolver& resolver, std::string_view channel) {
  return resolver.resolve(channel);
}

std::vector<std::string> allowed_users(const Config& cfg, std::string_view channel) {
  return users_of(cfg.channel, channel);
}

std::vector<std::string> allowed_users(const ChannelResolver& resolver,
                                       std::string_view channel) {
  return resolver.allowed_users(channel);
}

}  // namespace herald
