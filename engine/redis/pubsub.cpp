#include "engine/redis/pubsub.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <map>

#include "engine/redis/pubsub_impl.hpp"
#include "engine/redis/slot.hpp"

namespace herald::redis {

namespace detail {

namespace {

using Kind = PubSubImpl::Kind;
using Groups = std::vector<std::vector<std::string>>;

// Keeps single commands reasonable when thousands of channels are restored at once.
constexpr size_t kMaxChannelsPerCommand = 1000;

const char* command_name(Kind k) {
  switch (k) {
    case Kind::subscribe: return "SUBSCRIBE";
    case Kind::unsubscribe: return "UNSUBSCRIBE";
    case Kind::ssubscribe: return "SSUBSCRIBE";
    case Kind::sunsubscribe: return "SUNSUBSCRIBE";
    case Kind::ping: return "PING";
  }
  return "PING";
}

// Plain channels: chunks. Sharded: one group per hash slot (chunked too), since Redis
// Cluster answers CROSSSLOT to a multi-slot SSUBSCRIBE.
Groups group(Kind kind, std::vector<std::string> channels) {
  std::map<uint16_t, std::vector<std::string>> by_slot;
  for (auto& c : channels) {
    uint16_t slot = PubSubImpl::is_sharded(kind) ? key_slot(c) : 0;
    by_slot[slot].push_back(std::move(c));
  }
  Groups out;
  for (auto& [slot, list] : by_slot) {
    for (size_t i = 0; i < list.size(); i += kMaxChannelsPerCommand) {
      auto end = std::min(list.size(), i + kMaxChannelsPerCommand);
      out.emplace_back(std::make_move_iterator(list.begin() + i),
                       std::make_move_iterator(list.begin() + end));
    }
  }
  return out;
}

}  // namespace

PubSubImpl::PubSubImpl(Strand strand, Address address, Options options, PubSubHandlers handlers)
    : Link(std::move(strand), std::move(address), std::move(options), handlers.on_state),
      handlers_(std::move(handlers)) {}

PubSubImpl::~PubSubImpl() { close_now(); }

void PubSubImpl::request(Kind kind, std::vector<std::string> channels, ReplyCallback done) {
  if (inbox_.push({kind, std::move(channels), std::move(done)})) post_flush();
}

void PubSubImpl::post_flush() {
  auto self = std::static_pointer_cast<PubSubImpl>(shared_from_this());
  boost::asio::post(strand(), [self] { self->flush(); });
}

void PubSubImpl::flush() {
  auto requests = inbox_.take(state() == LinkState::connecting);
  // Up but without a context: hiredis just freed it and lost() is queued — treat as down.
  bool usable = is_up() && context() != nullptr;
  for (auto& r : requests) {
    if (usable) {
      apply(std::move(r));
    } else if (state() != LinkState::closed && !is_subscribe(r.kind)) {
      for (const auto& c : r.channels) set_of(r.kind).erase(c);  // nothing to tell Redis
      if (r.done) r.done({}, Reply::status_value("OK"));
    } else if (r.done) {
      auto ec = state() == LinkState::closed ? Errc::closed : Errc::not_connected;
      r.done(make_error_code(ec), {});
    }
  }
  if (!requests.empty() && usable) {
    ++flushes_;
    write_now();
  }
}

void PubSubImpl::apply(Request r) {
  ChannelSet& set = set_of(r.kind);
  std::vector<std::string> channels;
  for (auto& c : r.channels) {
    if (is_subscribe(r.kind)) {
      set.try_emplace(c, false);
      channels.push_back(std::move(c));
    } else if (set.erase(c) > 0) {
      channels.push_back(std::move(c));  // only what Redis knows about
    }
  }
  Groups groups = group(r.kind, std::move(channels));
  if (groups.empty()) {
    if (r.done) r.done({}, Reply::status_value("OK"));
    return;
  }
  auto join = make_join(std::move(r.done), groups.size());
  for (auto& g : groups) send(r.kind, std::move(g), join);
}

void PubSubImpl::send(Kind kind, std::vector<std::string> channels, const JoinPtr& join,
                      bool restore) {
  Args args{command_name(kind)};
  args.insert(args.end(), channels.begin(), channels.end());
  ArgvView v(args);
  redisAppendCommandArgv(&context()->c, v.argc(), v.ptrs.data(), v.lens.data());
  ++commands_;
  // Redis confirms each channel separately (one reply per argument); PING gets one reply.
  expect_replies(kind == Kind::ping ? 1 : channels.size());
  ops_.push_back({kind, std::move(channels), 0, join, restore});
}

void PubSubImpl::finish(Op& op, std::error_code ec, const Reply& reply) {
  if (op.join) op.join->part(ec, reply);
}

// -- link events ------------------------------------------------------------------------------

void PubSubImpl::on_up(bool reconnected) {
  set_raw_reads(true);
  // Restore the set (kept through the outage: only confirmed channels remain in it).
  auto restore = make_join({}, 0);
  if (reconnected) {
    // Not after a failure: the connection dropped again and the next one restores the set.
    restore->done = [this](std::error_code ec, const Reply&) {
      if (!ec) report(Event::resubscribed, "");
    };
  }
  std::vector<std::pair<Kind, Groups>> all;
  for (Kind k : {Kind::subscribe, Kind::ssubscribe}) {
    std::vector<std::string> channels;
    for (const auto& [c, confirmed] : set_of(k)) channels.push_back(c);
    all.emplace_back(k, group(k, std::move(channels)));
    restore->left += all.back().second.size();
  }
  if (restore->left == 0 && restore->done) restore->done({}, {});
  for (auto& [k, groups] : all) {
    for (auto& g : groups) send(k, std::move(g), restore, true);
  }
  flush();  // requests made during the attempt
  write_now();
}

void PubSubImpl::on_down(Errc why) {
  auto ops = std::move(ops_);
  ops_.clear();
  for (auto& op : ops) {
    if (is_subscribe(op.kind)) {
      // Forget what Redis never confirmed; confirmed channels are restored on reconnect.
      for (const auto& c : op.channels) {
        auto it = set_of(op.kind).find(c);
        if (it != set_of(op.kind).end() && !it->second) set_of(op.kind).erase(it);
      }
      finish(op, make_error_code(why), {});
    } else {
      finish(op, {}, Reply::status_value("OK"));  // the server dropped it with the connection
    }
  }
  flush();
}

void PubSubImpl::on_closed() {
  auto ops = std::move(ops_);
  ops_.clear();
  for (auto& op : ops) finish(op, make_error_code(Errc::closed), {});
  plain_.clear();
  sharded_.clear();
  flush();
  handlers_ = {};
}

void PubSubImpl::send_ping() {
  send(Kind::ping, {}, nullptr);
  write_now();
}

}  // namespace detail

PubSub::PubSub(boost::asio::any_io_executor executor, Address address, Options options,
               PubSubHandlers handlers)
    : impl_(std::make_shared<detail::PubSubImpl>(boost::asio::make_strand(executor),
                                                 std::move(address), std::move(options),
                                                 std::move(handlers))) {
  impl_->start();
}

PubSub::~PubSub() { impl_->close(); }

void PubSub::subscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->request(detail::PubSubImpl::Kind::subscribe, std::move(channels), std::move(done));
}
void PubSub::unsubscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->request(detail::PubSubImpl::Kind::unsubscribe, std::move(channels), std::move(done));
}
void PubSub::ssubscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->request(detail::PubSubImpl::Kind::ssubscribe, std::move(channels), std::move(done));
}
void PubSub::sunsubscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->request(detail::PubSubImpl::Kind::sunsubscribe, std::move(channels), std::move(done));
}

void PubSub::close() { impl_->close(); }
bool PubSub::is_up() const { return impl_->state() == detail::LinkState::up; }
Stats PubSub::stats() const { return impl_->stats(); }

}  // namespace herald::redis
