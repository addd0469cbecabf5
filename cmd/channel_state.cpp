#include "cmd/channel_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "actors/partition/memory_partition_store.hpp"
#include "actors/webhook/webhook_pool_actor.hpp"
#include "config/channel_resolver.hpp"
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

}  // namespace

void ChannelStateRuntime::stop() const {
  if (webhooks) caf::anon_send(webhooks, shutdown_atom::value);
  for (const auto& p : partitions) caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

ChannelStateRuntime start_channel_state(caf::actor_system& system, boost::asio::io_context& ioc,
                                        const Config& config, const engine_actor& engine,
                                        const std::string& node_uid,
                                        std::shared_ptr<TimerService> timers, size_t workers) {
  ChannelStateRuntime rt;
  if (channel_state_enabled(config) && config.engine.type != "memory") {
    // The partitions' state is in this process: right for one node only. The Redis store
    // (shared by the nodes) comes next.
    rt.error = "state_proxy_enabled needs engine.type \"memory\" for now (engine.type is \"" +
               config.engine.type + "\")";
  } else if (channel_state_enabled(config)) {
    const ProxyEndpointConfig& proxy = config.channel.proxy.state;
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

    const ChannelStateConfig& cs = config.engine.memory.channel_state;
    MemoryPartitionStore::Options so;
    so.num_partitions = static_cast<uint32_t>(cs.num_partitions);
    so.limits.vacated_delay_ms = cs.vacated_event_delay.count();
    // Generations start from the clock (µs): they keep growing across restarts.
    using namespace std::chrono;
    so.initial_gen = static_cast<uint64_t>(
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
    auto ctx = std::make_shared<PartitionContext>();
    ctx->store = std::make_shared<MemoryPartitionStore>(so);
    ctx->timers = std::move(timers);
    ctx->counters = rt.counters;
    ctx->gauges = std::make_shared<PartitionGauges>(so.num_partitions);
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
    // One node: it owns every partition (leases decide with a shared store).
    for (uint32_t i = 0; i < so.num_partitions; ++i)
      rt.partitions.push_back(system.spawn(partition_actor_impl, ctx, i, true));
    spdlog::info("msg=\"channel state events on\" partitions={} vacated_event_delay_ms={} "
                 "endpoint=\"{}\"",
                 so.num_partitions, so.limits.vacated_delay_ms, proxy.endpoint);
  }
  rt.router = std::make_shared<const PresenceRouter>(engine, rt.partitions, rt.context);
  return rt;
}

}  // namespace herald
