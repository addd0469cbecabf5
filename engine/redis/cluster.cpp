// ClusterClient's facade and command routing: slot → master, MOVED/ASK, TRYAGAIN/CLUSTERDOWN.
#include "engine/redis/cluster.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "engine/redis/cluster_impl.hpp"

namespace herald::redis {

namespace detail {

namespace asio = boost::asio;

void ClusterImpl::command(std::string_view key, Args args, ReplyCallback callback) {
  Op op{key_slot(key), std::move(args), std::move(callback)};
  if (inbox_.push(std::move(op))) {
    asio::post(strand_, [self = shared_from_this()] { self->drain(); });
  }
}

void ClusterImpl::drain() {
  for (auto& op : inbox_.take()) {
    auto ptr = std::make_shared<Op>(std::move(op));
    if (slots_.empty() && !closed_ && !discovery_failed()) {
      waiting_.push_back(std::move(ptr));  // routed by apply(), failed by refresh_done(false)
    } else {
      route(ptr);  // no map after a failed discovery: cluster_unavailable at once
    }
  }
}

void ClusterImpl::finish(const OpPtr& op, std::error_code ec, Reply reply) {
  if (op->callback) std::exchange(op->callback, nullptr)(ec, std::move(reply));
}

void ClusterImpl::route(const OpPtr& op) {
  if (closed_) return finish(op, make_error_code(Errc::closed), {});
  Node* node = owner(op->slot);
  if (node == nullptr) {
    start_refresh();
    return finish(op, make_error_code(Errc::cluster_unavailable), {});
  }
  send(*node, op, false);
}

void ClusterImpl::send(Node& node, const OpPtr& op, bool asking) {
  // The node's callbacks run on our strand: no hop needed to act on the reply.
  ReplyCallback on_reply = [self = shared_from_this(), op, host = node.address.host](
                               std::error_code ec, Reply reply) {
    self->on_reply(op, host, ec, std::move(reply));
  };
  Args args = op->args;  // kept in op for a redirect or a retry
  if (asking) {
    // ASKING applies to the next command only: both leave back to back.
    std::vector<Command> pair;
    pair.push_back({{"ASKING"}, {}});
    pair.push_back({std::move(args), std::move(on_reply)});
    node.connection->batch(std::move(pair));
  } else {
    node.connection->command(std::move(args), std::move(on_reply));
  }
}

void ClusterImpl::on_reply(const OpPtr& op, const std::string& host, std::error_code ec,
                           Reply reply) {
  if (ec) {
    // Not retried: the command may have run. A node that vanished from the map closes its
    // connection; that is a lost connection to the caller, not a closed client.
    if (ec == Errc::closed && !closed_) ec = make_error_code(Errc::connection_lost);
    if (!closed_) start_refresh();  // the node may have failed over
    return finish(op, ec, {});
  }
  if (reply.is_error() && !closed_) {
    if (auto redirect = parse_redirect(reply)) {
      if (++op->redirects > options_.max_redirects) {
        return finish(op, make_error_code(Errc::too_many_redirects), {});
      }
      Node& target = node_for(redirect->host.empty() ? host : redirect->host, redirect->port);
      if (redirect->kind == Redirect::Kind::moved) {
        ++moved_;
        if (!slots_.empty()) slots_[redirect->slot] = &target;  // until the refresh lands
        start_refresh();
      } else {
        ++ask_;
      }
      return send(target, op, redirect->kind == Redirect::Kind::ask);
    }
    bool down = reply.error_is("CLUSTERDOWN");
    if ((down || reply.error_is("TRYAGAIN")) && op->retries < options_.max_retries) {
      if (down) start_refresh();
      return retry_later(op);
    }
  }
  finish(op, ec, std::move(reply));
}

void ClusterImpl::retry_later(const OpPtr& op) {
  ++retries_;
  ++op->retries;
  auto timer = std::make_shared<asio::steady_timer>(strand_, options_.retry_delay * op->retries);
  retry_timers_.insert(timer);
  timer->async_wait([self = shared_from_this(), timer, op](boost::system::error_code) {
    self->retry_timers_.erase(timer);
    self->route(op);  // fails with Errc::closed when close() cancelled the timer
  });
}

}  // namespace detail

ClusterClient::ClusterClient(boost::asio::any_io_executor executor, std::vector<Address> seeds,
                             ClusterOptions options, ClusterHandlers handlers)
    : impl_(std::make_shared<detail::ClusterImpl>(boost::asio::make_strand(executor),
                                                  std::move(seeds), std::move(options),
                                                  std::move(handlers))) {
  impl_->start();
}

ClusterClient::~ClusterClient() { impl_->close(); }

void ClusterClient::command(std::string key, Args args, ReplyCallback callback) {
  impl_->command(key, std::move(args), std::move(callback));
}

Sender ClusterClient::sender_for(std::string key) const {
  return [impl = impl_, key = std::move(key)](Args args, ReplyCallback callback) {
    impl->command(key, std::move(args), std::move(callback));
  };
}

void ClusterClient::ssubscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->subscribe(true, std::move(channels), std::move(done));
}

void ClusterClient::sunsubscribe(std::vector<std::string> channels, ReplyCallback done) {
  impl_->subscribe(false, std::move(channels), std::move(done));
}

void ClusterClient::refresh() { impl_->refresh(); }
void ClusterClient::close() { impl_->close(); }
ClusterClient::Stats ClusterClient::stats() const { return impl_->stats(); }

}  // namespace herald::redis
