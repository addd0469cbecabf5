// Router over one Redis deployment (see router.hpp).
#include "engine/redis/router.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

#include "engine/redis/cluster.hpp"
#include "engine/redis/connection.hpp"
#include "engine/redis/errors.hpp"
#include "engine/redis/router_factory.hpp"
#include "engine/redis/shard.hpp"

namespace herald::redis {

namespace {

class RouterImpl final : public Router {
 public:
  RouterImpl(boost::asio::any_io_executor executor, const DeploymentOptions& d,
             std::string role)
      : role_(std::move(role)) {
    if (!d.cluster.empty()) {
      ClusterOptions co;
      co.node = d.connection;
      ClusterHandlers h;
      h.on_state = [role = role_](Event e, const std::string& reason) {
        if (e == Event::up)
          spdlog::info("msg=\"redis cluster up\" role={}", role);
        else if (e == Event::down)
          spdlog::warn("msg=\"redis cluster down\" role={} reason=\"{}\"", role, reason);
      };
      h.on_node_state = [role = role_](const std::string& endpoint, Event e,
                                       const std::string& reason) {
        if (e == Event::up)
          spdlog::info("msg=\"redis node up\" role={} address={}", role, endpoint);
        else if (e == Event::down)
          spdlog::warn("msg=\"redis node down\" role={} address={} reason=\"{}\"", role,
                       endpoint, reason);
      };
      cluster_ = std::make_unique<ClusterClient>(executor, d.cluster, co, std::move(h));
      return;
    }
    for (const auto& address : d.shards) {
      // Each transition is reported once by the connection: logged as it comes.
      auto on_state = [role = role_, endpoint = address.endpoint()](Event e,
                                                                     const std::string& why) {
        if (e == Event::up)
          spdlog::info("msg=\"redis up\" role={} address={}", role, endpoint);
        else if (e == Event::down)
          spdlog::warn("msg=\"redis down\" role={} address={} reason=\"{}\"", role, endpoint,
                       why);
      };
      shards_.push_back(std::make_unique<Connection>(executor, address, d.connection, on_state));
    }
  }
  ~RouterImpl() override { close(); }

  Sender sender(const std::string& tag) override {
    if (cluster_) return cluster_->sender_for("{" + tag + "}");
    if (shards_.empty())
      return [](Args, ReplyCallback cb) {
        if (cb) cb(make_error_code(Errc::not_connected), {});
      };
    const size_t i = shards_.size() == 1 ? 0 : shard_index(tag, shards_.size());
    return shards_[i]->sender();
  }
  size_t shards() const override { return shards_.size(); }
  void close() override {
    if (closed_.exchange(true)) return;
    if (cluster_) cluster_->close();
    for (auto& s : shards_) s->close();
  }

 private:
  std::string role_;
  std::unique_ptr<ClusterClient> cluster_;
  std::vector<std::unique_ptr<Connection>> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace

std::shared_ptr<Router> make_router(boost::asio::any_io_executor executor,
                                    const DeploymentOptions& deployment, std::string role) {
  return std::make_shared<RouterImpl>(std::move(executor), deployment, std::move(role));
}

}  // namespace herald::redis
