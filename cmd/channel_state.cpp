#include "cmd/channel_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "actors/partition/leases.hpp"
#include "actors/partition/memory_partition_store.hpp"
#include "actors/partition/redis_partition_store.hpp"
#include "actors/webhook/webhook_pool_actor.hpp"
#include "cmd/redis_engine_options.hpp"
#include "config/channel_resolver.hpp"
#include "engine/redis/router.hpp"
#include "engine/redis/router_factory.hpp"
#include "transport/webhook/state_sender.hpp"

namespace herald {

bool channel_state_enabled(const Config& config) {
  if (config.channel.without_namespace.state_proxy_enabled) return true;
  for (const auto& ns : config.channel.namespaces)
    if (ns.options.state_proxy_enabled) return true;
  return false;
}

namespace {

TlsClientOptions tls_options(const TlsConfig& tls) {
  TlsClientOptions out;
  out.ca_pem = tls.server_ca_pem;
  out.ca_pem_file = tls.server_ca_pem_file;
  out.cert_pem = tls.cert_pem;
  out.cert_pem_file = tls.cert_pem_file;
  out.key_pem = tls.key_pem;
  out.key_pem_file = tls.key_pem_file;
  out.server_name = tls.server_name;
  out.insecure_skip_verify = tls.insecure_skip_verify;
  return out;
}

/// channel.proxy.state as the sender wants it.
StateSenderOptions sender_options(const ProxyEndpointConfig& p) {
  StateSenderOptions o;
  o.endpoint = p.endpoint;
  o.timeout = p.timeout;
  for (const auto& [k, v] : p.http.static_headers) o.headers.emplace_back(k, v);
  const bool grpc = p.endpoint.rfind("grpc://", 0) == 0;
  o.tls = tls_options(grpc ? p.grpc.tls : p.http.tls);
  o.grpc_tls = p.grpc.tls.enabled;
  o.grpc_credentials_key = p.grpc.credentials_key;
  o.grpc_credentials_value = p.grpc.credentials_value;
  o.grpc_compression = p.grpc.compression;
  return o;
}

/// The start-up checks of the Redis store, on an io_context of their own (the node's io
/// threads do not run yet): the num_partitions guard (an error: the node must not start) and
/// the maxmemory-policy warning. Redis unreachable: a warning, the node starts (the guard
/// could not run).
std::string check_redis_store(const redis::DeploymentOptions& deployment,
                              const RedisPartitionStore::Options& options, bool force) {
  boost::asio::io_context io;
  auto router = redis::make_router(io.get_executor(), deployment, "channel_state");
  RedisPartitionStore store(router, options);
  std::optional<StoreResult<RedisPartitionStore::PartitionCountCheck>> count;
  std::optional<StoreResult<std::vector<std::string>>> policies;
  store.check_num_partitions(force, [&](auto r) { count = std::move(r); });
  store.maxmemory_policies([&](auto r) { policies = std::move(r); });
  const auto deadline = std::chrono::steady_clock::now() + deployment.connection.connect_timeout +
                        deployment.connection.io_timeout + std::chrono::seconds(1);
  while ((!count || !policies) && std::chrono::steady_clock::now() < deadline)
    io.run_one_for(std::chrono::milliseconds(50));
  router->close();
  io.restart();
  io.run_for(std::chrono::seconds(1));  // the connections' close handlers
  router.reset();

  const std::string config_key =
      "{" + RedisPartitionStore::cluster_tag(options.prefix) + "}:config";
  if (!count || !count->ok()) {
    spdlog::warn("msg=\"channel state: cannot check num_partitions against Redis\" key=\"{}\" "
                 "error=\"{}\"",
                 config_key, count ? count->error : "no answer");
  } else if (count->value.stored && *count->value.stored != options.num_partitions &&
             !count->value.written) {
    return "engine.redis.channel_state.num_partitions: " +
           std::to_string(options.num_partitions) + " differs from " +
           std::to_string(*count->value.stored) +
           ", the value the channel state in Redis was made with (Redis key \"" + config_key +
           "\", field num_partitions) and some of its partitions still hold state; start with "
           "num_partitions " + std::to_string(*count->value.stored) +
           ", remove the keys of prefix \"" + options.prefix + ".cs\" first, or set "
           "engine.redis.channel_state.force_num_partitions to orphan that state";
  } else if (count->value.stored && *count->value.stored != options.num_partitions &&
             count->value.live) {
    spdlog::warn("msg=\"channel state: num_partitions changed on live state "
                 "(force_num_partitions): the state on the old partitions is orphaned; channels "
                 "emptied before this start get no vacated event\" key=\"{}\" was={} now={}",
                 config_key, *count->value.stored, options.num_partitions);
  } else if (count->value.stored && *count->value.stored != options.num_partitions) {
    spdlog::warn("msg=\"channel state: num_partitions changed (no partition held state)\" "
                 "key=\"{}\" was={} now={}",
                 config_key, *count->value.stored, options.num_partitions);
  }
  if (policies && policies->ok()) {
    for (const auto& p : policies->value)
      if (!RedisPartitionStore::safe_policy(p))
        spdlog::warn("msg=\"channel state: Redis may evict its keys (they have no TTL); set "
                     "maxmemory-policy noeviction (or a volatile-* policy)\" "
                     "maxmemory_policy=\"{}\"",
                     p);
  }
  return {};
}

}  // namespace

void ChannelStateRuntime::leave() const {
  if (leases) caf::anon_send(leases, shutdown_atom::value);
}

void ChannelStateRuntime::stop() const {
  if (leases) caf::anon_send_exit(leases, caf::exit_reason::user_shutdown);
  if (webhooks) caf::anon_send(webhooks, shutdown_atom::value);
  for (const auto& p : partitions) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

void ChannelStateRuntime::close_transport() const {
  if (sender) sender->close();
  if (redis) redis->close();
}

ChannelStateRuntime start_channel_state(caf::actor_system& system, boost::asio::io_context& ioc,
                                        const Config& config, const engine_actor& engine,
                                        const std::string& node_uid,
                                        std::shared_ptr<TimerService> timers, size_t workers,
                                        std::function<void()> on_lease_lapsed) {
  ChannelStateRuntime rt;
  if (channel_state_enabled(config)) {
    const ProxyEndpointConfig& proxy = config.channel.proxy.state;
    const bool on_redis = config.engine.type == "redis";
    const ChannelStateConfig& cs =
        on_redis ? config.engine.redis.channel_state : config.engine.memory.channel_state;
    const auto num_partitions = static_cast<uint32_t>(cs.num_partitions);
    PartitionLimits limits;
    limits.vacated_delay_ms = cs.vacated_event_delay.count();

    // Redis: the partitions live where presence does (presence_manager's Redis if set).
    PartitionStorePtr store;
    std::string prefix;
    if (on_redis) {
      std::string why;
      auto eo = redis_engine_options(config, node_uid, &why);
      if (!eo) {
        rt.error = why;
        rt.router = std::make_shared<const PresenceRouter>(engine, rt.partitions);
        return rt;
      }
      const redis::DeploymentOptions& d = eo->presence ? *eo->presence : eo->broker;
      prefix = d.prefix;
      RedisPartitionStore::Options so;
      so.prefix = d.prefix;
      so.num_partitions = num_partitions;
      so.limits = limits;
      if (auto e = check_redis_store(d, so, config.engine.redis.channel_state.force_num_partitions); !e.empty()) {
        rt.error = e;
        rt.router = std::make_shared<const PresenceRouter>(engine, rt.partitions);
        return rt;
      }
      rt.redis = redis::make_router(ioc.get_executor(), d, "channel_state");
      store = std::make_shared<RedisPartitionStore>(rt.redis, so);
    } else {
      MemoryPartitionStore::Options so;
      so.num_partitions = num_partitions;
      so.limits = limits;
      // Generations start from the clock (µs): they keep growing across restarts.
      using namespace std::chrono;
      so.initial_gen = static_cast<uint64_t>(
          duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
      store = std::make_shared<MemoryPartitionStore>(so);
    }

    auto sender = make_state_sender(ioc, sender_options(proxy));
    if (!sender.sender) {
      rt.error = "channel.proxy.state: " + sender.error;
      rt.router = std::make_shared<const PresenceRouter>(engine, rt.partitions);
      return rt;
    }
    auto wh = std::make_shared<WebhookContext>();
    wh->sender = sender.sender;
    rt.sender = sender.sender;
    wh->timers = timers;
    wh->counters = rt.counters;
    wh->endpoint = proxy.endpoint;
    rt.webhooks = system.spawn(webhook_pool_actor_impl, std::shared_ptr<const WebhookContext>(wh),
                               std::max<size_t>(1, workers));

    auto ctx = std::make_shared<PartitionContext>();
    ctx->store = store;
    ctx->timers = timers;
    ctx->counters = rt.counters;
    ctx->gauges = std::make_shared<PartitionGauges>(num_partitions);
    if (on_redis) {
      // Other nodes' writes make vacated events due and append events: the owner looks.
      ctx->poll_interval = std::clamp(cs.vacated_event_delay / 4, std::chrono::milliseconds(10),
                                      std::chrono::milliseconds(250));
    }
    ctx->sink = rt.webhooks;
    ctx->node = node_uid;
    // A namespace's `state_events` lists what its backend wants (empty: both types).
    auto resolver = std::make_shared<const ChannelResolver>(config);
    ctx->wanted = [resolver](const ChannelStateEvent& ev) {
      auto r = resolver->resolve(ev.channel);
      if (r.error || !r.channel.options || r.channel.options->state_events.empty()) return true;
      const auto& want = r.channel.options->state_events;
      const char* type = ev.type == ChannelStateEvent::Type::occupied ? "occupied" : "vacated";
      return std::find(want.begin(), want.end(), type) != want.end();
    };
    rt.context = ctx;
    // Memory: this node owns every partition. Redis: the lease actor hands them out.
    for (uint32_t i = 0; i < num_partitions; ++i)
      rt.partitions.push_back(system.spawn(partition_actor_impl, ctx, i, !on_redis));
    if (on_redis) {
      const RedisChannelStateConfig& rcs = config.engine.redis.channel_state;
      auto lctx = std::make_shared<LeaseContext>();
      lctx->backend = std::make_shared<RedisLeases>(rt.redis, prefix);
      lctx->timers = timers;
      lctx->partitions = rt.partitions;
      lctx->node = node_uid;
      lctx->node_lease = rcs.node_lease;
      lctx->partition_lease = rcs.node_lease;
      lctx->on_lapsed = std::move(on_lease_lapsed);
      rt.leases = system.spawn(lease_actor_impl, std::shared_ptr<const LeaseContext>(lctx));
    }
    spdlog::info("msg=\"channel state events on\" engine={} partitions={} "
                 "vacated_event_delay_ms={} endpoint=\"{}\"",
                 config.engine.type, num_partitions, limits.vacated_delay_ms, proxy.endpoint);
  }
  rt.router = std::make_shared<const PresenceRouter>(engine, rt.partitions, rt.context);
  return rt;
}

}  // namespace herald
