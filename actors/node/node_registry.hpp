// The node's books, with no CAF behaviour: which channels have local subscribers (and their
// channel actor), which connections exist and for which users. Templated on the handle types
// so tests can use plain values.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/messages.hpp"

namespace herald {

template <class ChannelHandle, class ConnectionHandle>
class NodeRegistry {
 public:
  struct Channel {
    ChannelHandle actor;
    uint32_t subscribers = 0;
  };
  struct Connection {
    std::string user;
    std::string session;
    ConnectionHandle control;
  };

  // -- channels ---------------------------------------------------------------------------

  Channel* find_channel(const std::string& name) {
    auto it = channels_.find(name);
    return it == channels_.end() ? nullptr : &it->second;
  }

  /// Registers a channel actor for a channel that had none.
  Channel& add_channel(const std::string& name, ChannelHandle actor) {
    return channels_[name] = Channel{std::move(actor), 0};
  }

  /// Counts one subscriber out; returns true (and forgets the channel) when it was the last.
  bool release_subscriber(const std::string& name) {
    auto it = channels_.find(name);
    if (it == channels_.end()) return false;
    if (it->second.subscribers > 0) --it->second.subscribers;
    --num_subs_;
    if (it->second.subscribers > 0) return false;
    channels_.erase(it);
    return true;
  }

  void count_subscriber(Channel& ch) {
    ++ch.subscribers;
    ++num_subs_;
  }

  ChannelCounts channel_counts() const {
    ChannelCounts out;
    for (const auto& [name, ch] : channels_) out.emplace(name, ch.subscribers);
    return out;
  }

  template <class F>
  void for_each_channel(F&& f) const {
    for (const auto& [name, ch] : channels_) f(name, ch.actor);
  }

  // -- connections ------------------------------------------------------------------------

  template <class F>
  void for_each_connection(F&& f) const {
    for (const auto& [client, c] : connections_) f(client, c.control);
  }

  /// Whether one more connection of `user` fits the limits (0 = unlimited). Anonymous
  /// connections are not counted against a user limit.
  bool admits(const std::string& user, uint32_t connection_limit,
              uint32_t user_connection_limit) const {
    if (connection_limit > 0 && connections_.size() >= connection_limit) return false;
    if (user_connection_limit == 0 || user.empty()) return true;
    auto it = users_.find(user);
    return it == users_.end() || it->second < user_connection_limit;
  }

  void add_connection(const std::string& client, std::string user, std::string session,
                      ConnectionHandle control) {
    auto [it, inserted] =
        connections_.try_emplace(client, Connection{user, std::move(session), std::move(control)});
    if (!inserted) return;
    ++users_[it->second.user];
  }

  /// Forgets a connection; returns its control handle (a default one if it was unknown).
  ConnectionHandle remove_connection(const std::string& client) {
    auto it = connections_.find(client);
    if (it == connections_.end()) return ConnectionHandle{};
    ConnectionHandle control = std::move(it->second.control);
    erase(it);
    return control;
  }

  /// Forgets the connections whose control handle satisfies `pred` (a linear scan: for
  /// connections that died without saying goodbye, which is rare).
  template <class Pred>
  size_t remove_connections_if(Pred pred) {
    size_t n = 0;
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (pred(it->second.control)) {
        it = erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

  /// The control handles of every connection matching `filter` (user, client, session; the
  /// whitelist excludes client ids). Commands target one user's connections, optionally
  /// narrowed to a client or session; the empty user names the anonymous connections, as in
  /// Centrifugo.
  std::vector<ConnectionHandle> match(const ConnectionFilter& filter) const {
    std::vector<ConnectionHandle> out;
    auto consider = [&](const std::string& client, const Connection& c) {
      if (c.user != filter.user) return;
      if (!filter.client.empty() && client != filter.client) return;
      if (!filter.session.empty() && c.session != filter.session) return;
      for (const auto& w : filter.whitelist)
        if (w == client) return;
      out.push_back(c.control);
    };
    if (!filter.client.empty()) {
      auto it = connections_.find(filter.client);
      if (it != connections_.end()) consider(it->first, it->second);
      return out;
    }
    for (const auto& [client, c] : connections_) consider(client, c);
    return out;
  }

  NodeCounts counts() const {
    NodeCounts n;
    n.num_clients = static_cast<uint32_t>(connections_.size());
    n.num_users = static_cast<uint32_t>(users_.size());
    n.num_channels = static_cast<uint32_t>(channels_.size());
    n.num_subs = num_subs_;
    return n;
  }

 private:
  using ConnectionMap = std::unordered_map<std::string, Connection>;

  typename ConnectionMap::iterator erase(typename ConnectionMap::iterator it) {
    auto u = users_.find(it->second.user);
    if (u != users_.end() && --u->second == 0) users_.erase(u);
    return connections_.erase(it);
  }

  std::unordered_map<std::string, Channel> channels_;
  ConnectionMap connections_;
  std::unordered_map<std::string, uint32_t> users_;
  uint32_t num_subs_ = 0;
};

}  // namespace herald
