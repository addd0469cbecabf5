// Internals of PubSub, shared with ClusterClient (one per master for sharded channels).
//
// Why replies are read here and not by hiredis: hiredis 0.14's async dispatcher knows
// SUBSCRIBE/PSUBSCRIBE only. SSUBSCRIBE confirmations and `smessage` pushes have no callback
// in its tables, which either trips an assert (abort) or reuses a stale callback; and it
// invokes the SUBSCRIBE callback for every later message on that channel. So after the
// handshake the link switches to raw reads: we feed hiredis' reader and pull replies with
// redisGetReply, match confirmations against our own FIFO of sent commands, and route
// pushes ourselves. Commands are appended with redisAppendCommandArgv (no hiredis callback).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/redis/join.hpp"
#include "engine/redis/link.hpp"
#include "engine/redis/pubsub.hpp"

struct redisReply;

namespace herald::redis::detail {

/// std::string keys looked up by string_view (messages) without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
/// channel → confirmed by Redis at least once on the current connection.
using ChannelSet = std::unordered_map<std::string, bool, StringHash, std::equal_to<>>;

class PubSubImpl final : public Link {
 public:
  enum class Kind : uint8_t { subscribe, unsubscribe, ssubscribe, sunsubscribe, ping };
  static bool is_sharded(Kind k) { return k == Kind::ssubscribe || k == Kind::sunsubscribe; }
  static bool is_subscribe(Kind k) { return k == Kind::subscribe || k == Kind::ssubscribe; }

  PubSubImpl(Strand strand, Address address, Options options, PubSubHandlers handlers);
  ~PubSubImpl() override;

  /// Any thread. See PubSub.
  void request(Kind kind, std::vector<std::string> channels, ReplyCallback done);

 private:
  struct Request {
    Kind kind;
    std::vector<std::string> channels;
    ReplyCallback done;
  };
  /// A sent command waiting for its confirmations, in send order.
  struct Op {
    Kind kind;
    std::vector<std::string> channels;
    size_t next = 0;  ///< channels[next] is the next confirmation expected
    JoinPtr join;  ///< one request may become several commands (slot groups, chunks)
    bool restore = false;  ///< part of the resubscription after a reconnect
  };

  void post_flush();
  void flush();
  void apply(Request r);
  void send(Kind kind, std::vector<std::string> channels, const JoinPtr& join,
            bool restore = false);
  void finish(Op& op, std::error_code ec, const Reply& reply);
  void dispatch(const redisReply& r);
  void confirm(Kind kind, std::string_view channel);
  void fail_head(const Reply& error);
  ChannelSet& set_of(Kind kind) { return is_sharded(kind) ? sharded_ : plain_; }

  void on_up(bool reconnected) override;
  void on_down(Errc why) override;
  void on_closed() override;
  void send_ping() override;
  void on_raw_readable() override;

  PubSubHandlers handlers_;
  Inbox<Request> inbox_;
  std::deque<Op> ops_;
  ChannelSet plain_;
  ChannelSet sharded_;
};

}  // namespace herald::redis::detail
