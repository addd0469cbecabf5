// PubSubImpl's reply side: raw reads, pushes and confirmations (see pubsub_impl.hpp for why
// hiredis' own pub/sub dispatcher is not used).
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "engine/redis/pubsub_impl.hpp"

namespace herald::redis::detail {

namespace {

using Kind = PubSubImpl::Kind;

std::optional<Kind> confirmation_kind(std::string_view s) {
  if (s == "subscribe") return Kind::subscribe;
  if (s == "unsubscribe") return Kind::unsubscribe;
  if (s == "ssubscribe") return Kind::ssubscribe;
  if (s == "sunsubscribe") return Kind::sunsubscribe;
  return std::nullopt;
}

std::string_view view(const redisReply* r) { return {r->str, r->len}; }

}  // namespace

void PubSubImpl::on_raw_readable() {
  redisContext* c = &context()->c;
  if (redisBufferRead(c) != REDIS_OK) return drop(Errc::connection_lost, c->errstr);
  for (;;) {
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) {
      return drop(Errc::connection_lost, std::string("protocol error: ") + c->errstr);
    }
    if (r == nullptr) return;
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(r),
                                                       &freeReplyObject);
    dispatch(*reply);
    if (context() == nullptr) return;
  }
}

void PubSubImpl::dispatch(const redisReply& r) {
  if (r.type == REDIS_REPLY_ERROR) return fail_head(Reply::from_hiredis(&r));
  bool pong = r.type == REDIS_REPLY_STATUS && view(&r) == "PONG";  // not subscribed: +PONG
  if (r.type == REDIS_REPLY_ARRAY && r.elements >= 2 && r.element[0]->type == REDIS_REPLY_STRING) {
    std::string_view kind = view(r.element[0]);
    const redisReply* second = r.element[1];
    bool named = second->type == REDIS_REPLY_STRING;
    if ((kind == "message" || kind == "smessage") && r.elements == 3 && named &&
        r.element[2]->type == REDIS_REPLY_STRING) {
      const ChannelSet& set = kind == "message" ? plain_ : sharded_;
      if (handlers_.on_message && set.find(view(second)) != set.end()) {
        handlers_.on_message(view(second), view(r.element[2]));
      }
      return;
    }
    if (auto k = confirmation_kind(kind); k && named) return confirm(*k, view(second));
    pong = kind == "pong";
  }
  if (pong && !ops_.empty() && ops_.front().kind == Kind::ping) {
    got_replies(1);
    ops_.pop_front();
  }
  // Anything else (pmessage, a stray reply) is ignored; if it was an answer we were waiting
  // for, io_timeout reconnects and resynchronizes.
}

void PubSubImpl::confirm(Kind kind, std::string_view channel) {
  if (!ops_.empty()) {
    Op& head = ops_.front();
    if (head.kind == kind && head.next < head.channels.size() &&
        head.channels[head.next] == channel) {
      got_replies(1);
      if (is_subscribe(kind)) {
        if (auto it = set_of(kind).find(channel); it != set_of(kind).end()) it->second = true;
      }
      if (++head.next == head.channels.size()) {
        Op op = std::move(head);
        ops_.pop_front();
        finish(op, {}, Reply::status_value("OK"));
      }
      return;
    }
  }
  // Not an answer to us: Redis Cluster unsubscribes shard channels whose slot moved away.
  if (kind == Kind::sunsubscribe) {
    if (auto it = sharded_.find(channel); it != sharded_.end()) {
      std::string name = it->first;
      sharded_.erase(it);
      if (handlers_.on_lost) handlers_.on_lost(name, true);
    }
  }
}

void PubSubImpl::fail_head(const Reply& error) {
  if (ops_.empty()) return;  // a spontaneous error: the server closes next
  Op op = std::move(ops_.front());
  ops_.pop_front();
  got_replies(op.kind == Kind::ping ? 1 : op.channels.size() - op.next);
  if (is_subscribe(op.kind)) {
    ChannelSet& set = set_of(op.kind);
    for (size_t i = op.next; i < op.channels.size(); ++i) {
      auto it = set.find(op.channels[i]);
      if (it == set.end() || (it->second && !op.restore)) continue;
      set.erase(it);
      if (op.restore && handlers_.on_lost) handlers_.on_lost(op.channels[i], is_sharded(op.kind));
    }
  }
  finish(op, {}, error);
}

}  // namespace herald::redis::detail
