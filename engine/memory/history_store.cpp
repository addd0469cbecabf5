#include "engine/memory/history_store.hpp"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "engine/codes.hpp"

namespace herald::memory {

namespace {

constexpr std::string_view kEpochLetters =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr size_t kEpochLength = 8;

bool due(const std::optional<Clock::time_point>& deadline, Clock::time_point now) {
  return deadline && *deadline <= now;
}

}  // namespace

HistoryStore::HistoryStore() : rng_(std::random_device{}()) {}

HistoryStore::HistoryStore(uint64_t epoch_seed) : rng_(epoch_seed) {}

std::string HistoryStore::new_epoch() {
  std::uniform_int_distribution<size_t> pick(0, kEpochLetters.size() - 1);
  std::string epoch(kEpochLength, 'a');
  for (char& c : epoch) c = kEpochLetters[pick(rng_)];
  return epoch;
}

HistoryStore::Channel* HistoryStore::find_live(const std::string& channel,
                                               Clock::time_point now) {
  auto it = channels_.find(channel);
  if (it == channels_.end()) return nullptr;
  Channel& ch = it->second;
  if (due(ch.meta_deadline, now)) {
    // Its heap items become stale (generation gone) and are dropped when they come due.
    channels_.erase(it);
    return nullptr;
  }
  if (due(ch.stream_deadline, now)) {
    ch.pubs.clear();
    ch.stream_deadline.reset();  // the queued heap item sees this and un-queues itself
  }
  return &ch;
}

HistoryStore::Channel& HistoryStore::find_or_create(const std::string& channel,
                                                    Clock::time_point now) {
  if (Channel* ch = find_live(channel, now)) return *ch;
  Channel& ch = channels_[channel];
  ch.epoch = new_epoch();
  ch.generation = next_generation_++;
  return ch;
}

void HistoryStore::arm_stream(const std::string& channel, Channel& ch,
                              Clock::time_point deadline) {
  ch.stream_deadline = deadline;
  if (!ch.stream_queued) {
    deadlines_.push(deadline, Key{channel, Kind::stream}, ch.generation);
    ch.stream_queued = true;
  }
}

void HistoryStore::refresh_meta(const std::string& channel, Channel& ch, int64_t ttl_ms,
                                Clock::time_point now) {
  if (ttl_ms <= 0) return;
  ch.meta_deadline = deadline_after(now, ttl_ms);
  if (!ch.meta_queued) {
    deadlines_.push(*ch.meta_deadline, Key{channel, Kind::meta}, ch.generation);
    ch.meta_queued = true;
  }
}

StreamPosition HistoryStore::add(const std::string& channel, Publication pub,
                                 const PublishOptions& opts, Clock::time_point now) {
  Channel& ch = find_or_create(channel, now);
  ++ch.top;
  pub.offset = ch.top;
  // The first publication of a stream tells its epoch (kept in history too, as Centrifugo's
  // memory engine does).
  if (ch.top == 1) pub.epoch = ch.epoch;
  ch.pubs.push_back(std::move(pub));
  while (ch.pubs.size() > opts.history_size) ch.pubs.pop_front();
  if (opts.history_ttl_ms > 0) arm_stream(channel, ch, deadline_after(now, opts.history_ttl_ms));
  refresh_meta(channel, ch, opts.history_meta_ttl_ms, now);
  return StreamPosition{ch.top, ch.epoch};
}

HistoryResult HistoryStore::read(const std::string& channel, const HistoryQuery& query,
                                 Clock::time_point now, Error* err) {
  if (err) *err = Error{};
  HistoryResult result;
  // Checked before touching the store, as Centrifuge's Node.History does.
  if (query.reverse && query.since && query.since->offset == 0) {
    if (err) *err = make_error(ErrorCode::bad_request);
    return result;
  }
  Channel& ch = find_or_create(channel, now);
  refresh_meta(channel, ch, query.history_meta_ttl_ms, now);
  result.position = StreamPosition{ch.top, ch.epoch};

  const auto& since = query.since;
  if (since && !since->epoch.empty() && since->epoch != ch.epoch) {
    if (err) *err = make_error(ErrorCode::unrecoverable_position);
    return result;
  }
  if (query.limit == 0 || ch.pubs.empty()) return result;

  const size_t max_count = query.limit < 0 ? std::numeric_limits<size_t>::max()
                                           : static_cast<size_t>(query.limit);
  const uint64_t first = ch.top - ch.pubs.size() + 1;
  // Index range [lo, hi] into ch.pubs of the publications the query selects.
  size_t lo = 0;
  size_t hi = ch.pubs.size() - 1;
  if (since && !query.reverse) {
    if (since->offset >= ch.top) return result;
    if (since->offset + 1 > first) lo = since->offset + 1 - first;
  } else if (since && query.reverse) {
    if (since->offset <= first) return result;
    if (since->offset - 1 < ch.top) hi = since->offset - 1 - first;
  }
  const size_t count = std::min(max_count, hi - lo + 1);
  result.publications.reserve(count);
  if (query.reverse) {
    for (size_t i = 0; i < count; ++i) result.publications.push_back(ch.pubs[hi - i]);
  } else {
    for (size_t i = 0; i < count; ++i) result.publications.push_back(ch.pubs[lo + i]);
  }
  return result;
}

void HistoryStore::remove(const std::string& channel) {
  auto it = channels_.find(channel);
  if (it != channels_.end()) it->second.pubs.clear();
}

size_t HistoryStore::expire(Clock::time_point now) {
  size_t dropped = 0;
  while (auto item = deadlines_.pop_due(now)) {
    auto it = channels_.find(item->key.channel);
    if (it == channels_.end() || it->second.generation != item->generation) continue;
    Channel& ch = it->second;
    const bool is_meta = item->key.kind == Kind::meta;
    auto& deadline = is_meta ? ch.meta_deadline : ch.stream_deadline;
    bool& queued = is_meta ? ch.meta_queued : ch.stream_queued;
    if (!deadline) {
      queued = false;  // cleared lazily meanwhile; the next publish arms it again
    } else if (*deadline > now) {
      deadlines_.push(*deadline, std::move(item->key), item->generation);  // was extended
    } else if (is_meta) {
      channels_.erase(it);
      ++dropped;
    } else {
      ch.pubs.clear();
      ch.stream_deadline.reset();
      queued = false;
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace herald::memory
