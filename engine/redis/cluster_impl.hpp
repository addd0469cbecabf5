// Internals of ClusterClient. One strand runs the client and every node's Connection and
// PubSub (they are created on it), so routing state needs no locks and a node's reply
// callback can route a redirect at once.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/redis/cluster.hpp"
#include "engine/redis/connection_impl.hpp"
#include "engine/redis/join.hpp"
#include "engine/redis/pubsub_impl.hpp"
#include "engine/redis/slot.hpp"

namespace herald::redis::detail {

class ClusterImpl : public std::enable_shared_from_this<ClusterImpl> {
 public:
  ClusterImpl(Strand strand, std::vector<Address> seeds, ClusterOptions options,
              ClusterHandlers handlers);
  ~ClusterImpl();

  // Any thread.
  void start();
  void command(std::string_view key, Args args, ReplyCallback callback);
  void subscribe(bool subscribe, std::vector<std::string> channels, ReplyCallback done);
  void refresh();
  void close();
  ClusterClient::Stats stats() const;

 private:
  struct Node {
    uint64_t id = 0;  ///< unique per object: callbacks recognise a node that was replaced
    Address address;
    std::shared_ptr<ConnectionImpl> connection;
    std::shared_ptr<PubSubImpl> pubsub;  ///< created with the node's first sharded channel
  };
  /// A command on its way: it may hop (MOVED/ASK) and be retried (TRYAGAIN/CLUSTERDOWN),
  /// so it keeps its arguments until the final reply.
  struct Op {
    uint16_t slot = 0;
    Args args;
    ReplyCallback callback;
    int redirects = 0;
    int retries = 0;
  };
  using OpPtr = std::shared_ptr<Op>;
  /// A wanted sharded channel and where it is (being) subscribed.
  struct Sharded {
    Node* node = nullptr;    ///< null: to be placed once the slot map says where
    bool confirmed = false;  ///< Redis confirmed it on `node` (or on a previous node)
    bool moving = false;     ///< counted in moving_: re-placed after having been confirmed
    int redirects = 0;
    std::vector<JoinPtr> waiters;  ///< ssubscribe calls waiting for this channel
  };

  // -- commands (cluster.cpp) ------------------------------------------------------------------
  void drain();
  void route(const OpPtr& op);
  void send(Node& node, const OpPtr& op, bool asking);
  void on_reply(const OpPtr& op, const std::string& host, std::error_code ec, Reply reply);
  void retry_later(const OpPtr& op);
  static void finish(const OpPtr& op, std::error_code ec, Reply reply);

  // -- nodes and the slot map (cluster_slots.cpp) ---------------------------------------------
  Node& node_for(const std::string& host, uint16_t port);
  Node* owner(uint16_t slot) const { return slots_.empty() ? nullptr : slots_[slot]; }
  /// No slot map and the last discovery round failed: fail fast instead of waiting.
  bool discovery_failed() const { return slots_.empty() && reported_ == Event::down; }
  void start_refresh();
  void try_refresh(std::vector<std::pair<std::string, uint16_t>> candidates, size_t i);
  void apply(const std::vector<SlotRange>& ranges);
  void refresh_done(bool ok);
  void arm_refresh_timer(std::chrono::milliseconds after);
  void on_node_state(const std::string& endpoint, Event e, const std::string& reason);
  void report(Event e, const std::string& reason);
  void close_now();

  // -- sharded pub/sub (cluster_pubsub.cpp) ----------------------------------------------------
  void subscribe_now(std::vector<std::string> channels, ReplyCallback done);
  void unsubscribe_now(const std::vector<std::string>& channels);
  void place(const std::vector<std::string>& channels);
  void on_placed(const std::vector<std::string>& channels, uint64_t node_id,
                 const std::string& host, std::error_code ec, const Reply& reply);
  void settle(const std::string& channel, Sharded& s, std::error_code ec, const Reply& reply);
  void on_sharded_lost(const std::string& channel);
  void follow_slot_map();
  void forget_node(Node* node);
  PubSubImpl& pubsub_of(Node& node);

  Strand strand_;
  std::vector<Address> seeds_;
  ClusterOptions options_;
  ClusterHandlers handlers_;
  Inbox<Op> inbox_;
  boost::asio::steady_timer refresh_timer_;
  Backoff backoff_;            ///< discovery retries after no node answered
  Backoff placement_backoff_;  ///< re-placing a sharded channel that failed to move

  std::map<std::string, std::unique_ptr<Node>> nodes_;  ///< by endpoint
  std::vector<Node*> slots_;                            ///< 16384 owners once a map is known
  bool closed_ = false;
  bool refreshing_ = false;
  bool refresh_again_ = false;
  std::optional<Event> reported_;
  std::vector<OpPtr> waiting_;  ///< commands issued before the first slot map
  std::set<std::shared_ptr<boost::asio::steady_timer>> retry_timers_;
  std::unordered_map<std::string, Sharded> sharded_;
  uint64_t next_node_id_ = 1;
  size_t moving_ = 0;  ///< confirmed channels being re-placed; 0 again ⇒ report resubscribed

  std::atomic<uint64_t> moved_{0}, ask_{0}, retries_{0}, refreshes_{0}, node_count_{0};
};

}  // namespace herald::redis::detail
