#include "actors/partition/partition_state.hpp"

#include <algorithm>

#include "engine/redis/shard.hpp"

namespace herald {

std::string_view to_string(StateReason reason) {
  switch (reason) {
    case StateReason::unsubscribe:
      return "unsubscribe";
    case StateReason::disconnect:
      return "disconnect";
    case StateReason::presence_expired:
      return "presence_expired";
    case StateReason::node_lost:
      return "node_lost";
  }
  return "unsubscribe";
}

uint32_t partition_of(std::string_view channel, uint32_t num_partitions) {
  return num_partitions == 0 ? 0 : static_cast<uint32_t>(redis::fnv1a64(channel) % num_partitions);
}

PartitionState::PartitionState(uint32_t partition, PartitionLimits limits, uint64_t initial_gen)
    : partition_(partition), limits_(limits), counter_(initial_gen) {
  if (limits_.max_log == 0) limits_.max_log = 1;
}

// -- transitions ------------------------------------------------------------------------------

uint64_t PartitionState::next_gen(bool odd) {
  uint64_t g = counter_ + 1;
  if ((g % 2 == 1) != odd) ++g;
  counter_ = g;
  return g;
}

void PartitionState::emit(const std::string& channel, ChannelStateEvent::Type type, uint64_t gen,
                          int64_t now_ms, std::string reason) {
  if (log_.size() >= limits_.max_log) {
    log_.pop_front();  // the oldest goes: the newest event of a channel is what matters most
    ++dropped_;
  }
  ChannelStateEvent ev;
  ev.id = std::to_string(partition_) + "-" + std::to_string(gen);
  ev.channel = channel;
  ev.type = type;
  ev.gen = gen;
  ev.time_ms = now_ms;
  ev.reason = std::move(reason);
  log_.push_back(LoggedEvent{next_seq_++, std::move(ev)});
  ++emitted_;
}

bool PartitionState::add(const std::string& channel, const ClientInfo& info,
                         const std::string& node, int64_t ttl_ms, int64_t now_ms) {
  auto& members = channels_[channel];
  const Key key{channel, info.client};
  auto [it, inserted] = members.try_emplace(info.client);
  Member& m = it->second;
  if (!inserted) {
    by_expiry_.erase({m.expire_at_ms, key});
    if (m.node != node) {
      auto n = by_node_.find(m.node);
      if (n != by_node_.end()) {
        n->second.erase(key);
        if (n->second.empty()) by_node_.erase(n);
      }
    }
  }
  m.info = info;
  m.expire_at_ms = now_ms + ttl_ms;
  m.node = node;
  by_expiry_.insert({m.expire_at_ms, key});
  by_node_[node].insert(key);

  if (auto p = pending_.find(channel); p != pending_.end()) {
    pending_by_due_.erase({p->second.due_ms, channel});
    pending_.erase(p);  // back within the delay: the vacated is cancelled, nothing is sent
  }
  if (occupied_.count(channel)) return false;
  const uint64_t gen = next_gen(true);
  occupied_[channel] = gen;
  emit(channel, ChannelStateEvent::Type::occupied, gen, now_ms, {});
  return true;
}

void PartitionState::erase_member(const std::string& channel, const std::string& client,
                                  StateReason reason, int64_t now_ms) {
  auto c = channels_.find(channel);
  if (c == channels_.end()) return;
  auto it = c->second.find(client);
  if (it == c->second.end()) return;
  const Key key{channel, client};
  by_expiry_.erase({it->second.expire_at_ms, key});
  if (auto n = by_node_.find(it->second.node); n != by_node_.end()) {
    n->second.erase(key);
    if (n->second.empty()) by_node_.erase(n);
  }
  c->second.erase(it);
  if (!c->second.empty()) return;
  channels_.erase(c);
  if (!occupied_.count(channel)) return;  // cannot happen: members imply occupied
  const int64_t due = now_ms + limits_.vacated_delay_ms;
  pending_[channel] = Pending{due, reason};
  pending_by_due_.insert({due, channel});
}

bool PartitionState::remove(const std::string& channel, const std::string& client,
                            StateReason reason, int64_t now_ms) {
  auto c = channels_.find(channel);
  if (c == channels_.end() || !c->second.count(client)) return false;
  erase_member(channel, client, reason, now_ms);
  return true;
}

size_t PartitionState::sweep(int64_t now_ms, const std::vector<std::string>& dead_nodes) {
  size_t removed = 0;
  for (const auto& node : dead_nodes) {
    auto n = by_node_.find(node);
    if (n == by_node_.end()) continue;
    const std::set<Key> keys = n->second;  // erase_member edits the index
    for (const auto& [channel, client] : keys) {
      erase_member(channel, client, StateReason::node_lost, now_ms);
      ++removed;
    }
  }
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) {
    const Key key = by_expiry_.begin()->second;
    erase_member(key.first, key.second, StateReason::presence_expired, now_ms);
    ++removed;
  }
  return removed;
}

size_t PartitionState::fire_due(int64_t now_ms) {
  size_t fired = 0;
  while (!pending_by_due_.empty() && pending_by_due_.begin()->first <= now_ms) {
    const std::string channel = pending_by_due_.begin()->second;
    pending_by_due_.erase(pending_by_due_.begin());
    auto p = pending_.find(channel);
    const StateReason reason = p == pending_.end() ? StateReason::unsubscribe : p->second.reason;
    if (p != pending_.end()) pending_.erase(p);
    if (channels_.count(channel) || !occupied_.count(channel)) continue;  // defensive
    occupied_.erase(channel);
    emit(channel, ChannelStateEvent::Type::vacated, next_gen(false), now_ms,
         std::string(to_string(reason)));
    ++fired;
  }
  return fired;
}

// -- the log ----------------------------------------------------------------------------------

std::vector<LoggedEvent> PartitionState::read(uint64_t after, size_t max) const {
  std::vector<LoggedEvent> out;
  // Positions are consecutive within the log: the first one after `after` is found directly.
  size_t i = 0;
  if (!log_.empty() && after >= log_.front().seq)
    i = static_cast<size_t>(std::min<uint64_t>(after - log_.front().seq + 1, log_.size()));
  for (; i < log_.size() && out.size() < max; ++i) out.push_back(log_[i]);
  return out;
}

size_t PartitionState::ack(uint64_t up_to) {
  size_t n = 0;
  while (!log_.empty() && log_.front().seq <= up_to) {
    log_.pop_front();
    ++n;
  }
  return n;
}

std::optional<int64_t> PartitionState::oldest_unacked_ms() const {
  if (log_.empty()) return std::nullopt;
  return log_.front().event.time_ms;
}

// -- reads ------------------------------------------------------------------------------------

std::map<std::string, ClientInfo> PartitionState::presence(const std::string& channel,
                                                          int64_t now_ms) const {
  std::map<std::string, ClientInfo> out;
  auto c = channels_.find(channel);
  if (c == channels_.end()) return out;
  for (const auto& [client, m] : c->second)
    if (m.expire_at_ms > now_ms) out.emplace(client, m.info);
  return out;
}

PresenceStats PartitionState::stats(const std::string& channel, int64_t now_ms) const {
  PresenceStats s;
  auto c = channels_.find(channel);
  if (c == channels_.end()) return s;
  std::set<std::string_view> users;
  for (const auto& [client, m] : c->second) {
    if (m.expire_at_ms <= now_ms) continue;
    ++s.num_clients;
    users.insert(m.info.user);
  }
  s.num_users = static_cast<uint32_t>(users.size());
  return s;
}

// -- bookkeeping ------------------------------------------------------------------------------

std::optional<int64_t> PartitionState::next_due() const {
  std::optional<int64_t> due;
  if (!by_expiry_.empty()) due = by_expiry_.begin()->first;
  if (!pending_by_due_.empty() && (!due || pending_by_due_.begin()->first < *due))
    due = pending_by_due_.begin()->first;
  return due;
}

std::optional<uint64_t> PartitionState::occupied_gen(const std::string& channel) const {
  auto it = occupied_.find(channel);
  if (it == occupied_.end()) return std::nullopt;
  return it->second;
}

size_t PartitionState::members(const std::string& channel) const {
  auto c = channels_.find(channel);
  return c == channels_.end() ? 0 : c->second.size();
}

}  // namespace herald
