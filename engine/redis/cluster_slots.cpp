// ClusterClient's nodes and slot map: discovery and refresh with CLUSTER SLOTS, one
// Connection per master, node state, closing.
#include <boost/asio/post.hpp>

#include "engine/redis/cluster_impl.hpp"

namespace herald::redis::detail {

namespace asio = boost::asio;

ClusterImpl::ClusterImpl(Strand strand, std::vector<Address> seeds, ClusterOptions options,
                         ClusterHandlers handlers)
    : strand_(std::move(strand)),
      seeds_(std::move(seeds)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      refresh_timer_(strand_),
      backoff_(options_.node.reconnect_min, options_.node.reconnect_max),
      placement_backoff_(options_.node.reconnect_min, options_.node.reconnect_max) {
  options_.node.db = 0;  // a cluster has database 0 only
  if (options_.node.user.empty() && !seeds_.empty()) options_.node.user = seeds_[0].user;
  if (options_.node.password.empty() && !seeds_.empty()) {
    options_.node.password = seeds_[0].password;
  }
}

ClusterImpl::~ClusterImpl() { close_now(); }

void ClusterImpl::start() {
  asio::post(strand_, [self = shared_from_this()] { self->start_refresh(); });
}

void ClusterImpl::refresh() {
  asio::post(strand_, [self = shared_from_this()] { self->start_refresh(); });
}

void ClusterImpl::close() {
  asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
}

ClusterClient::Stats ClusterImpl::stats() const {
  return {moved_.load(), ask_.load(), retries_.load(), refreshes_.load(), node_count_.load()};
}

void ClusterImpl::report(Event e, const std::string& reason) {
  if (closed_) return;
  if (e != Event::resubscribed) {
    if (reported_ == e) return;
    reported_ = e;
  }
  if (handlers_.on_state) handlers_.on_state(e, reason);
}

ClusterImpl::Node& ClusterImpl::node_for(const std::string& host, uint16_t port) {
  Address address;
  address.host = host;
  address.port = port;
  std::string endpoint = address.endpoint();
  auto& slot = nodes_[endpoint];
  if (slot) return *slot;
  slot = std::make_unique<Node>();
  slot->id = next_node_id_++;
  slot->address = address;
  // Weak: the node's connection lives in this object; a strong reference would be a cycle.
  std::weak_ptr<ClusterImpl> weak = shared_from_this();
  slot->connection = std::make_shared<ConnectionImpl>(
      strand_, address, options_.node, [weak, endpoint](Event e, const std::string& reason) {
        if (auto self = weak.lock()) self->on_node_state(endpoint, e, reason);
      });
  slot->connection->start();
  node_count_ = nodes_.size();
  return *slot;
}

void ClusterImpl::on_node_state(const std::string& endpoint, Event e, const std::string& reason) {
  if (closed_) return;
  if (handlers_.on_node_state) handlers_.on_node_state(endpoint, e, reason);
  if (e == Event::down) start_refresh();  // a replica may have taken over its slots
}

// -- CLUSTER SLOTS ------------------------------------------------------------------------------

void ClusterImpl::start_refresh() {
  if (closed_) return;
  if (refreshing_) {
    refresh_again_ = true;  // at most one round at a time; one more after it
    return;
  }
  refreshing_ = true;
  ++refreshes_;
  // Nodes that are up answer at once; then the others (a down node fails fast, a connecting
  // one within connect_timeout); then the seeds, which may be new names for known nodes.
  std::vector<std::pair<std::string, uint16_t>> candidates;
  for (bool up : {true, false}) {
    for (auto& [endpoint, node] : nodes_) {
      if ((node->connection->state() == LinkState::up) == up) {
        candidates.emplace_back(node->address.host, node->address.port);
      }
    }
  }
  for (const auto& seed : seeds_) candidates.emplace_back(seed.host, seed.port);
  try_refresh(std::move(candidates), 0);
}

void ClusterImpl::try_refresh(std::vector<std::pair<std::string, uint16_t>> candidates,
                              size_t i) {
  if (closed_) return;
  if (i >= candidates.size()) return refresh_done(false);
  Node& node = node_for(candidates[i].first, candidates[i].second);
  node.connection->command(
      {"CLUSTER", "SLOTS"}, [self = shared_from_this(), candidates, i,
                            host = node.address.host](std::error_code ec, Reply reply) mutable {
        if (self->closed_) return;
        if (!ec && !reply.is_error()) {
          auto ranges = parse_cluster_slots(reply, host);
          if (ranges && !ranges->empty()) {
            self->apply(*ranges);
            return self->refresh_done(true);
          }
        }
        self->try_refresh(std::move(candidates), i + 1);
      });
}

void ClusterImpl::apply(const std::vector<SlotRange>& ranges) {
  std::vector<Node*> slots(kSlotCount, nullptr);
  std::set<Node*> masters;
  for (const auto& r : ranges) {
    Node& node = node_for(r.host, r.port);
    masters.insert(&node);
    for (size_t s = r.first; s <= r.last; ++s) slots[s] = &node;
  }
  slots_ = std::move(slots);
  // Nodes that serve no slot (a seed known under another name, a removed master) go. Their
  // in-flight commands fail with connection_lost.
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (masters.count(it->second.get()) > 0) {
      ++it;
      continue;
    }
    forget_node(it->second.get());
    it->second->connection->close();
    if (it->second->pubsub) it->second->pubsub->close();
    it = nodes_.erase(it);
  }
  node_count_ = nodes_.size();
  report(Event::up, "");
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& op : waiting) route(op);
  follow_slot_map();
}

void ClusterImpl::refresh_done(bool ok) {
  refreshing_ = false;
  if (ok) {
    backoff_.reset();
    if (std::exchange(refresh_again_, false)) return start_refresh();
    if (options_.refresh_interval.count() > 0) arm_refresh_timer(options_.refresh_interval);
    return;
  }
  report(Event::down, "no node answered CLUSTER SLOTS");
  if (slots_.empty()) {
    // Never had a map: what waits for one fails now (fail fast, as connections do).
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& op : waiting) finish(op, make_error_code(Errc::cluster_unavailable), {});
    follow_slot_map();  // fails sharded channels waiting for a first placement
  }
  arm_refresh_timer(backoff_.next());
}

void ClusterImpl::arm_refresh_timer(std::chrono::milliseconds after) {
  refresh_timer_.expires_after(after);
  refresh_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->start_refresh();
  });
}

void ClusterImpl::close_now() {
  if (closed_) return;
  closed_ = true;
  refresh_timer_.cancel();
  for (auto& t : retry_timers_) t->cancel();
  for (auto& [endpoint, node] : nodes_) {
    node->connection->close();
    if (node->pubsub) node->pubsub->close();
  }
  auto closed = make_error_code(Errc::closed);
  for (auto& op : waiting_) finish(op, closed, {});
  waiting_.clear();
  for (auto& op : inbox_.take()) {
    if (op.callback) op.callback(closed, {});
  }
  for (auto& [channel, s] : sharded_) {
    for (auto& join : s.waiters) join->part(closed, {});
  }
  sharded_.clear();
  slots_.clear();
  nodes_.clear();
  node_count_ = 0;
  handlers_ = {};
}

}  // namespace herald::redis::detail
