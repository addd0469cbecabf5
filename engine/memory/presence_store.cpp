#include "engine/memory/presence_store.hpp"

#include <utility>

namespace herald::memory {

void PresenceStore::add(const std::string& channel, const ClientInfo& info,
                        std::chrono::milliseconds ttl, Clock::time_point now) {
  Channel& ch = channels_[channel];
  const Clock::time_point deadline = now + ttl;
  auto [it, inserted] = ch.clients.try_emplace(info.client);
  Entry& entry = it->second;
  if (inserted) {
    entry.generation = next_generation_++;
    deadlines_.push(deadline, Key{channel, info.client}, entry.generation);
    ++entries_;
    ++ch.users[info.user];
  } else if (entry.info.user != info.user) {
    auto old_user = ch.users.find(entry.info.user);
    if (old_user != ch.users.end() && --old_user->second == 0) ch.users.erase(old_user);
    ++ch.users[info.user];
  }
  // An existing entry keeps its single heap item; expire() re-pushes it if extended.
  entry.info = info;
  entry.deadline = deadline;
}

void PresenceStore::erase_entry(std::unordered_map<std::string, Channel>::iterator ch_it,
                                std::unordered_map<std::string, Entry>::iterator entry_it) {
  Channel& ch = ch_it->second;
  auto user = ch.users.find(entry_it->second.info.user);
  if (user != ch.users.end() && --user->second == 0) ch.users.erase(user);
  ch.clients.erase(entry_it);
  if (ch.clients.empty()) channels_.erase(ch_it);
}

bool PresenceStore::remove(const std::string& channel, const std::string& client_id) {
  auto ch_it = channels_.find(channel);
  if (ch_it == channels_.end()) return false;
  auto entry_it = ch_it->second.clients.find(client_id);
  if (entry_it == ch_it->second.clients.end()) return false;
  // The heap item turns stale: its channel/client is gone or has another generation.
  erase_entry(ch_it, entry_it);
  --entries_;
  deadlines_.compact(entries_, [this](const auto& item) {
    auto c = channels_.find(item.key.channel);
    if (c == channels_.end()) return false;
    auto e = c->second.clients.find(item.key.client);
    return e != c->second.clients.end() && e->second.generation == item.generation;
  });
  return true;
}

std::map<std::string, ClientInfo> PresenceStore::get(const std::string& channel,
                                                     Clock::time_point now) {
  expire(now);
  std::map<std::string, ClientInfo> result;
  auto ch_it = channels_.find(channel);
  if (ch_it == channels_.end()) return result;
  for (const auto& [client, entry] : ch_it->second.clients) result.emplace(client, entry.info);
  return result;
}

PresenceStats PresenceStore::stats(const std::string& channel, Clock::time_point now) {
  expire(now);
  auto ch_it = channels_.find(channel);
  if (ch_it == channels_.end()) return PresenceStats{};
  return PresenceStats{static_cast<uint32_t>(ch_it->second.clients.size()),
                       static_cast<uint32_t>(ch_it->second.users.size())};
}

size_t PresenceStore::expire(Clock::time_point now) {
  size_t dropped = 0;
  while (auto item = deadlines_.pop_due(now)) {
    auto ch_it = channels_.find(item->key.channel);
    if (ch_it == channels_.end()) continue;
    auto entry_it = ch_it->second.clients.find(item->key.client);
    if (entry_it == ch_it->second.clients.end()) continue;
    const Entry& entry = entry_it->second;
    if (entry.generation != item->generation) continue;
    if (entry.deadline > now) {
      deadlines_.push(entry.deadline, std::move(item->key), item->generation);
      continue;
    }
    erase_entry(ch_it, entry_it);
    --entries_;
    ++dropped;
  }
  return dropped;
}

}  // namespace herald::memory
