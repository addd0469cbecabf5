// ClusterClient's sharded pub/sub. The wanted set (sharded_) is reconciled with the slot map:
// each channel is subscribed on the master owning its slot; when the slot moves (a refresh
// shows it, Redis sends an unsolicited SUNSUBSCRIBE, or SSUBSCRIBE answers MOVED) the
// channel leaves the old node and is placed on the new one, and once every moved channel is
// confirmed again the owner hears "resubscribed" (messages may have been missed meanwhile).
#include <boost/asio/post.hpp>

#include "engine/redis/cluster_impl.hpp"

namespace herald::redis::detail {

using Kind = PubSubImpl::Kind;

void ClusterImpl::subscribe(bool on, std::vector<std::string> channels, ReplyCallback done) {
  boost::asio::post(strand_, [self = shared_from_this(), on, channels = std::move(channels),
                              done = std::move(done)]() mutable {
    if (on) return self->subscribe_now(std::move(channels), std::move(done));
    self->unsubscribe_now(channels);
    if (done) done(self->closed_ ? make_error_code(Errc::closed) : std::error_code{}, {});
  });
}

void ClusterImpl::subscribe_now(std::vector<std::string> channels, ReplyCallback done) {
  if (closed_ || discovery_failed()) {
    auto ec = closed_ ? Errc::closed : Errc::cluster_unavailable;
    if (done) done(make_error_code(ec), {});
    return;
  }
  auto join = make_join(std::move(done), channels.size() + 1);  // +1: released below
  std::vector<std::string> fresh;
  for (auto& c : channels) {
    auto [it, inserted] = sharded_.try_emplace(c);
    if (it->second.confirmed && it->second.node != nullptr) {
      join->part({}, {});  // already subscribed
      continue;
    }
    it->second.waiters.push_back(join);
    if (inserted) fresh.push_back(c);  // others have an answer (or a placement) coming
  }
  if (!slots_.empty()) place(fresh);  // without a map yet, apply() places them
  join->part({}, {});
}

void ClusterImpl::unsubscribe_now(const std::vector<std::string>& channels) {
  std::map<Node*, std::vector<std::string>> by_node;
  for (const auto& c : channels) {
    auto it = sharded_.find(c);
    if (it == sharded_.end()) continue;
    Sharded& s = it->second;
    if (s.node != nullptr && s.node->pubsub) by_node[s.node].push_back(c);
    if (s.moving) --moving_;
    auto waiters = std::move(s.waiters);
    sharded_.erase(it);
    for (auto& j : waiters) j->part({}, {});
  }
  for (auto& [node, list] : by_node) node->pubsub->request(Kind::sunsubscribe, list, {});
}

void ClusterImpl::place(const std::vector<std::string>& channels) {
  // One SSUBSCRIBE per slot: the answer (OK or MOVED) then holds for the whole group.
  std::map<uint16_t, std::vector<std::string>> by_slot;
  for (const auto& c : channels) {
    if (sharded_.count(c) > 0) by_slot[key_slot(c)].push_back(c);
  }
  for (auto& [slot, group] : by_slot) {
    Node* node = owner(slot);
    if (node == nullptr) {
      for (const auto& c : group) {
        if (auto it = sharded_.find(c); it != sharded_.end()) {
          settle(c, it->second, make_error_code(Errc::cluster_unavailable), {});
        }
      }
      continue;
    }
    for (const auto& c : group) sharded_[c].node = node;
    pubsub_of(*node).request(
        Kind::ssubscribe, group,
        [self = shared_from_this(), group, id = node->id, host = node->address.host](
            std::error_code ec, Reply reply) { self->on_placed(group, id, host, ec, reply); });
  }
}

void ClusterImpl::on_placed(const std::vector<std::string>& channels, uint64_t node_id,
                            const std::string& host, std::error_code ec, const Reply& reply) {
  if (closed_) return;
  auto redirect = ec ? std::nullopt : parse_redirect(reply);
  std::vector<std::string> again;
  for (const auto& c : channels) {
    auto it = sharded_.find(c);
    if (it == sharded_.end()) continue;  // unsubscribed meanwhile
    Sharded& s = it->second;
    if (s.node == nullptr || s.node->id != node_id) continue;  // moved on meanwhile
    if (redirect && ++s.redirects <= options_.max_redirects) {
      s.node = nullptr;
      again.push_back(c);
      continue;
    }
    settle(c, s, redirect ? make_error_code(Errc::too_many_redirects) : ec, reply);
  }
  if (again.empty()) return;
  // The slot moved before our map knew: follow the redirect now, fix the map in background.
  Node& target = node_for(redirect->host.empty() ? host : redirect->host, redirect->port);
  if (redirect->kind == Redirect::Kind::moved && !slots_.empty()) {
    slots_[redirect->slot] = &target;
  }
  start_refresh();
  place(again);
}

void ClusterImpl::settle(const std::string& channel, Sharded& s, std::error_code ec,
                         const Reply& reply) {
  bool ok = !ec && !reply.is_error();
  bool was_moving = std::exchange(s.moving, false);
  if (was_moving) --moving_;
  auto waiters = std::move(s.waiters);
  s.waiters.clear();
  if (ok) {
    s.confirmed = true;
    s.redirects = 0;
    placement_backoff_.reset();
    if (was_moving && moving_ == 0) report(Event::resubscribed, "sharded subscriptions moved");
  } else if (s.confirmed) {
    // It was subscribed before (CLUSTERDOWN after a restart, a node still down): keep
    // wanting it; a refresh re-places it, sooner than the periodic one, with backoff.
    s.node = nullptr;
    arm_refresh_timer(placement_backoff_.next());
  } else {
    sharded_.erase(channel);  // a new subscription that failed: forget it
  }
  for (auto& j : waiters) j->part(ec, reply);
}

void ClusterImpl::on_sharded_lost(const std::string& channel) {
  auto it = sharded_.find(channel);
  if (closed_ || it == sharded_.end()) return;
  it->second.node = nullptr;
  start_refresh();  // apply() → follow_slot_map() places it on the new owner
}

void ClusterImpl::follow_slot_map() {
  std::map<Node*, std::vector<std::string>> leave;
  std::vector<std::string> to_place;
  for (auto& [c, s] : sharded_) {
    Node* want = owner(key_slot(c));
    if (s.node != nullptr && s.node == want) continue;
    if (s.node != nullptr) {
      if (s.node->pubsub) leave[s.node].push_back(c);
      s.node = nullptr;
    }
    if (s.confirmed && !s.moving) {
      s.moving = true;
      ++moving_;
    }
    to_place.push_back(c);
  }
  for (auto& [node, list] : leave) node->pubsub->request(Kind::sunsubscribe, list, {});
  place(to_place);
}

void ClusterImpl::forget_node(Node* node) {
  for (auto& [c, s] : sharded_) {
    if (s.node == node) s.node = nullptr;
  }
}

PubSubImpl& ClusterImpl::pubsub_of(Node& node) {
  if (node.pubsub) return *node.pubsub;
  std::weak_ptr<ClusterImpl> weak = shared_from_this();
  std::string endpoint = node.address.endpoint();
  PubSubHandlers h;
  h.on_state = [weak, endpoint](Event e, const std::string& reason) {
    auto self = weak.lock();
    if (!self) return;
    if (e == Event::resubscribed) {
      self->report(Event::resubscribed, "node " + endpoint + " reconnected");
    } else {
      self->on_node_state(endpoint, e, "pub/sub: " + reason);
    }
  };
  h.on_message = [weak](std::string_view channel, std::string_view payload) {
    auto self = weak.lock();
    if (self && !self->closed_ && self->handlers_.on_message) {
      self->handlers_.on_message(channel, payload);
    }
  };
  h.on_lost = [weak](const std::string& channel, bool) {
    if (auto self = weak.lock()) self->on_sharded_lost(channel);
  };
  node.pubsub = std::make_shared<PubSubImpl>(strand_, node.address, options_.node, std::move(h));
  node.pubsub->start();
  return *node.pubsub;
}

}  // namespace herald::redis::detail
