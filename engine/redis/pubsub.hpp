// A dedicated pub/sub connection: SUBSCRIBE and Redis 7 sharded SSUBSCRIBE, messages by
// callback, and the subscription set restored after every reconnect.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/redis/address.hpp"
#include "engine/redis/options.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis {

namespace detail {
class PubSubImpl;
}

/// A `message` (SUBSCRIBE) or `smessage` (SSUBSCRIBE) push. The views are valid during the
/// call only (they point into hiredis' reply): copy what you keep.
using MessageCallback = std::function<void(std::string_view channel, std::string_view payload)>;

struct PubSubHandlers {
  /// up, down, and resubscribed: after a reconnect, once every remembered channel is
  /// confirmed again (even when there were none). Publications sent while down are lost.
  StateCallback on_state;
  /// Messages for channels in the subscription set; others (in flight around an
  /// unsubscribe) are dropped.
  MessageCallback on_message;
  /// A remembered subscription ended without our unsubscribe: Redis Cluster moved a sharded
  /// channel's slot to another node (an unsolicited SUNSUBSCRIBE), or the server refused it
  /// when restoring it after a reconnect. The channel left the set.
  std::function<void(const std::string& channel, bool sharded)> on_lost;
};

/// Threading, lifetime and "fail fast while down" as for Connection. Subscribe and
/// unsubscribe calls are batched: one command carries many channels, and calls made in the
/// same event-loop turn leave in one write.
///
/// `done` (may be empty) is called once: no error ⇒ the reply is OK status once every channel
/// is confirmed by Redis (messages flow from then on), or Redis' error reply (NOPERM, MOVED,
/// CROSSSLOT); ec ⇒ not_connected, connection_lost, timeout or closed. A channel is
/// remembered (and restored after reconnects) once subscribed; a failed subscribe forgets it.
/// Unsubscribing while down just forgets the channels.
class PubSub {
 public:
  PubSub(boost::asio::any_io_executor executor, Address address, Options options,
         PubSubHandlers handlers);
  ~PubSub();  ///< close()
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  void subscribe(std::vector<std::string> channels, ReplyCallback done = {});
  void unsubscribe(std::vector<std::string> channels, ReplyCallback done = {});
  /// Sharded pub/sub (Redis ≥ 7). Channels are grouped by hash slot, one SSUBSCRIBE per slot,
  /// because Redis Cluster refuses channels of different slots in one command.
  void ssubscribe(std::vector<std::string> channels, ReplyCallback done = {});
  void sunsubscribe(std::vector<std::string> channels, ReplyCallback done = {});

  void close();
  bool is_up() const;
  Stats stats() const;

 private:
  std::shared_ptr<detail::PubSubImpl> impl_;
};

}  // namespace herald::redis
