// Internals of Connection, shared with ClusterClient (which runs many of them on its strand).
#pragma once

#include <vector>

#include "engine/redis/link.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis::detail {

/// Automatic pipelining: command() appends to an Inbox from any thread and posts at most one
/// flush; the flush hands every queued command to hiredis (redisAsyncCommandArgv only
/// appends to its output buffer) and then writes once. Replies are matched by hiredis' FIFO
/// of callbacks; each callback owns a heap Pending with the user's ReplyCallback.
class ConnectionImpl final : public Link {
 public:
  using Link::Link;
  ~ConnectionImpl() override;

  /// Any thread. See Connection::command.
  void command(Args args, ReplyCallback callback);
  /// Any thread. The commands leave back to back.
  void batch(std::vector<Command> commands);

 private:
  struct Pending {
    ReplyCallback callback;
  };

  void post_flush();
  void flush();
  void on_up(bool reconnected) override;
  void on_down(Errc why) override;
  void on_closed() override;
  void send_ping() override;
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_ping(redisAsyncContext* ac, void* reply, void* privdata);

  Inbox<Command> inbox_;
};

}  // namespace herald::redis::detail
