#include "cmd/node_runtime.hpp"

#include <sched.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "actors/api/api_actor.hpp"
#include "actors/connection/connection_actor.hpp"
#include "actors/engine/memory_engine_actor.hpp"
#include "actors/engine/redis_direct_publisher.hpp"
#include "actors/engine/redis_engine_actor.hpp"
#include "actors/node/node_actor.hpp"
#include "cmd/channel_state.hpp"
#include "cmd/redis_engine_options.hpp"
#include "config/random.hpp"
#include "engine/redis/redis_engine_factory.hpp"
#include "transport/http/api_http.hpp"
#include "transport/http/http_server.hpp"
#include "transport/ws/ws_endpoint.hpp"

#ifndef HERALD_VERSION_STRING
#define HERALD_VERSION_STRING "0.0.0"
#endif

namespace herald {

namespace asio = boost::asio;

namespace {

std::string default_node_name(uint16_t port) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "herald");
  return std::string(host) + "_" + std::to_string(port);
}

/// Threads per pool: the CPUs this process may run on (taskset, cgroups' cpusets), not all
/// the machine's: two pools of N threads on fewer cores only steal time from each other.
unsigned worker_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

/// How often the connection timers (ping, pong, expiry, presence) are checked: their
/// resolution. Centrifugo's own timers are seconds apart; 50 ms is far below what a client sees.
constexpr std::chrono::milliseconds kTimerTick{50};

/// Connection actors alive, so that shutdown can stop those still waiting for a transport
/// that will never report back (the io threads are gone), instead of ~actor_system waiting
/// for them forever. Also where an actor's abnormal end gets logged: CAF 0.17 as packaged
/// has its own logging compiled out.
class LiveConnections {
 public:
  void add(const caf::actor& a) {
    {
      std::lock_guard lock(mu_);
      live_.insert(a.address());
    }
    a->attach_functor([this, addr = a.address()](const caf::error& reason) {
      {
        std::lock_guard lock(mu_);
        live_.erase(addr);
      }
      if (reason && reason != caf::exit_reason::user_shutdown)
        spdlog::error("msg=\"connection actor failed\" reason=\"{}\"", caf::to_string(reason));
    });
  }

  /// Connection actors alive (connected or not yet).
  size_t count() {
    std::lock_guard lock(mu_);
    return live_.size();
  }

  /// Stops every connection actor still alive; returns how many.
  size_t stop_all() {
    std::vector<caf::actor_addr> left;
    {
      std::lock_guard lock(mu_);
      left.assign(live_.begin(), live_.end());
    }
    for (const auto& addr : left)
      if (auto a = caf::actor_cast<caf::actor>(addr))
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return left.size();
  }

 private:
  std::mutex mu_;
  std::unordered_set<caf::actor_addr> live_;
};

/// Logs the end of an actor the node cannot work without, unless it is the planned one.
template <class Handle>
void log_if_fails(const Handle& actor, const char* what) {
  actor->attach_functor([what](const caf::error& reason) {
    if (reason && reason != caf::exit_reason::user_shutdown)
      spdlog::error("msg=\"actor failed\" actor={} reason=\"{}\"", what,
                    caf::to_string(reason));
  });
}

/// The one bridge between Asio sessions and actors: a call that needs no actor runs on the
/// io thread at once (run_api_inline), the others go round-robin over the API actor pool.
class ApiBridge {
 public:
  ApiBridge(std::shared_ptr<const ApiContext> ctx, std::vector<api_actor> pool)
      : ctx_(std::move(ctx)), pool_(std::move(pool)) {}
  void dispatch(std::string method, std::string body, ApiReplyFn reply) {
    if (run_api_inline(*ctx_, method, body, reply)) return;
    auto i = next_.fetch_add(1, std::memory_order_relaxed) % pool_.size();
    caf::anon_send(pool_[i], api_atom::value, std::move(method), std::move(body),
                   std::move(reply));
  }

 private:
  std::shared_ptr<const ApiContext> ctx_;
  std::vector<api_actor> pool_;
  std::atomic<size_t> next_{0};
};

}  // namespace

int run_node(Config config) {
  if (config.engine.type != "memory" && config.engine.type != "redis") {
    spdlog::error("msg=\"engine.type {} is not available in this build: memory or redis\"",
                  config.engine.type);
    return 1;
  }
  if (config.http_api.key.empty() && !config.http_api.insecure && !config.http_api.disabled) {
    config.http_api.key = generate_uuid_v4();
    spdlog::warn("msg=\"http_api.key is not set: generated one for this run\" http_api_key={} "
                 "hint=\"set http_api.key in the config or HERALD_HTTP_API_KEY to keep a key\"",
                 config.http_api.key);
  }
  if (!config.pid_file.empty()) {
    std::ofstream pid(config.pid_file);
    pid << getpid() << "\n";
    pid.close();
    if (!pid) {
      spdlog::error("msg=\"cannot write pid file\" pid_file=\"{}\" error=\"{}\"",
                    config.pid_file, std::strerror(errno));
      return 1;
    }
  }

  auto shared_config = std::make_shared<const Config>(config);
  const unsigned threads = worker_threads();

  // Declared before the actor system: ~actor_system waits for actors whose callbacks post
  // onto this io_context, so it must be destroyed after them.
  asio::io_context ioc(static_cast<int>(threads));
  // Also before the actor system: connection actors report their end to it until the last.
  LiveConnections live_connections;

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
  // An idle CAF worker polls its queue, then by default sleeps 50 µs at a time for up to
  // 500 rounds before it waits on its condition variable. The io threads share the cores
  // with the workers, so each of those short sleeps is a context switch taken from them:
  // skip that phase (server API publishes per CPU-second +20 % on one core, measured).
  caf_cfg.set("work-stealing.moderate-poll-attempts", size_t{0});
  caf::actor_system system{caf_cfg};

  NodeIdentity identity;
  identity.uid = generate_uuid_v4();
  identity.name = config.node.name.empty() ? default_node_name(config.http_server.port)
                                           : config.node.name;
  identity.version = HERALD_VERSION_STRING;

  engine_actor engine;
  // The engine's publish path without a mailbox: the server API's io threads publish through it.
  std::shared_ptr<DirectPublisher> direct_publisher;
  if (config.engine.type == "redis") {
    std::string error;
    auto redis_options = redis_engine_options(config, identity.uid, &error);
    if (!redis_options) {
      spdlog::error("msg=\"cannot use the Redis engine\" error=\"{}\"", error);
      return 1;
    }
    // The Redis client answers every command within connect_timeout + io_timeout; the
    // actor's own deadline only guards its promises beyond that.
    RedisEngineActorOptions actor_options;
    actor_options.request_deadline = redis_options->broker.connection.connect_timeout +
                                     redis_options->broker.connection.io_timeout +
                                     std::chrono::seconds(2);
    auto redis_engine = redis::make_redis_engine(ioc.get_executor(), std::move(*redis_options));
    direct_publisher = std::make_shared<RedisDirectPublisher>(redis_engine);
    engine = system.spawn(redis_engine_actor_impl, redis_engine, actor_options);
  } else {
    auto memory_engine = std::make_shared<MemoryEngine>();
    direct_publisher = memory_engine;
    engine = system.spawn(shared_memory_engine_actor_impl, memory_engine);
  }
  node_actor node = system.spawn(node_actor_impl, engine, identity, NodeTiming{});
  log_if_fails(engine, "engine");
  log_if_fails(node, "node");
  auto timers = std::make_shared<TimerService>();
  // Channel state events: the webhook pool, the partition actors, and the router that sends
  // the presence of state-tracked channels to them (connections and the API ask it).
  ChannelStateRuntime channel_state =
      start_channel_state(system, ioc, config, engine, identity.uid, timers, threads,
                          [node] { caf::anon_send(node, repres_atom::value); });
  if (!channel_state.error.empty()) {
    spdlog::error("msg=\"cannot start channel state events\" error=\"{}\"", channel_state.error);
    caf::anon_send(node, shutdown_atom::value);
    caf::anon_send_exit(engine, caf::exit_reason::user_shutdown);
    return 1;
  }

  auto ctx = std::make_shared<ApiContext>();
  ctx->config = shared_config;
  ctx->resolver = std::make_shared<const ChannelResolver>(*shared_config);
  ctx->engine = engine;
  ctx->node = node;
  ctx->presence = channel_state.router;
  ctx->publisher = direct_publisher;
  std::vector<api_actor> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.push_back(system.spawn(api_actor_impl, std::shared_ptr<const ApiContext>(ctx)));
    log_if_fails(pool.back(), "api");
  }
  auto bridge = std::make_shared<ApiBridge>(ctx, pool);

  // Set when SIGTERM/SIGINT arrives; the legacy API endpoint answers 503 from then on.
  // Declared before the HTTP server, whose handlers read it.
  std::atomic<bool> shutting_down{false};

  ApiHttpOptions api_opts;
  api_opts.handler_prefix = config.http_api.handler_prefix;
  api_opts.methods = api_methods();
  api_opts.key = config.http_api.key;
  api_opts.insecure = config.http_api.insecure;
  api_opts.transport_error_mode = config.http_api.error_mode == "transport";
  api_opts.shutting_down = [&shutting_down] { return shutting_down.load(); };
  auto api = std::make_shared<ApiHttpEndpoint>(
      api_opts, [bridge](std::string m, std::string b, ApiReplyFn r) {
        bridge->dispatch(std::move(m), std::move(b), std::move(r));
      });

  // Routes as Centrifugo's mux: exact paths, then 404 (before any method or key check).
  const bool api_enabled = !config.http_api.disabled;
  std::string health_path = config.health.handler_prefix;
  while (!health_path.empty() && health_path.back() == '/') health_path.pop_back();
  if (health_path.empty()) health_path = "/";
  const bool health_enabled = config.health.enabled;
  HttpHandler router = [api, api_enabled, health_enabled, health_path](HttpRequest&& req,
                                                                       HttpResponder respond) {
    if (health_enabled && req.path == health_path)
      return respond(HttpResponse{200, "application/json", "{}", {}});
    if (api_enabled && api->matches(req.path)) return api->handle(std::move(req), std::move(respond));
    respond(http_not_found());
  };

  // Client connections: each accepted WebSocket gets a connection actor; the transport's
  // callbacks only enqueue messages to it (never block an io thread).
  auto client_ctx = ClientContext::make(shared_config, ctx->resolver, engine, node,
                                        identity.name, HERALD_VERSION_STRING, timers,
                                        channel_state.router);
  WsOptions ws_opts;
  ws_opts.allowed_origins = config.client.allowed_origins;
  ws_opts.message_size_limit = config.websocket.message_size_limit;
  ws_opts.write_timeout = config.websocket.write_timeout;
  ws_opts.queue_max_size = config.client.queue_max_size;
  ws_opts.compression = config.websocket.compression;
  ws_opts.compression_level = config.websocket.compression_level;
  // client.connection_limit: a full node answers the upgrade with 503 (as Centrifugo); the
  // node registry still closes with 3504 a connect that races past this check.
  if (const int limit = config.client.connection_limit; limit > 0)
    ws_opts.at_capacity = [&live_connections, limit] {
      return live_connections.count() >= static_cast<size_t>(limit);
    };
  ws_opts.on_error = [](std::string_view what, std::string_view error) {
    spdlog::error("msg=\"websocket: {} failed\" error=\"{}\"", what, error);
  };
  auto ws_endpoint = std::make_shared<WsEndpoint>(
      ws_opts, [&system, client_ctx, &live_connections](std::shared_ptr<WsConnection> conn,
                                                        WsHandshake hs) {
        auto actor = spawn_connection(system, client_ctx, conn, hs);
        live_connections.add(caf::actor_cast<caf::actor>(actor));
        WsConnection::Callbacks cb;
        cb.on_message = [actor](std::string m) {
          caf::anon_send(actor, frame_atom::value, std::move(m));
        };
        cb.on_closed = [actor] { caf::anon_send(actor, closed_atom::value); };
        conn->start(std::move(cb));
      });

  HttpServerOptions http_opts;
  http_opts.address = config.http_server.address;
  http_opts.port = static_cast<uint16_t>(config.http_server.port);
  // Go's rules, as Centrifugo's server has them: no header timeout means the read timeout,
  // and a keep-alive connection idles for the read timeout.
  http_opts.read_timeout = config.http_server.read_timeout;
  http_opts.read_header_timeout = config.http_server.read_header_timeout.count() > 0
                                      ? config.http_server.read_header_timeout
                                      : config.http_server.read_timeout;
  http_opts.idle_timeout = config.http_server.read_timeout;
  if (!config.websocket.disabled) {
    http_opts.websocket_path = config.websocket.handler_prefix;
    http_opts.upgrade_handler = ws_endpoint;
  }
  HttpServer server(ioc, http_opts, router);
  if (auto ec = server.listen()) {
    spdlog::error("msg=\"cannot listen\" address=\"{}\" port={} error=\"{}\"",
                  config.http_server.address.empty() ? "0.0.0.0" : config.http_server.address,
                  config.http_server.port, ec.message());
    caf::anon_send(node, shutdown_atom::value);
    caf::anon_send_exit(engine, caf::exit_reason::user_shutdown);
    for (auto& a : pool) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    channel_state.stop();
    return 1;
  }
  // Connection timers run on the io threads: one tick advances all of them.
  asio::steady_timer timer_tick(ioc);
  std::function<void()> tick = [&] {
    timers->advance(std::chrono::steady_clock::now());
    timer_tick.expires_after(kTimerTick);
    timer_tick.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  };
  tick();

  // Graceful stop: refuse new connections, let requests in flight finish within
  // shutdown.timeout, then stop the io threads and the actors.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer drain_timer(ioc);
  const auto deadline_budget = config.shutdown.timeout;
  std::function<void(std::chrono::steady_clock::time_point)> drain;
  drain = [&](std::chrono::steady_clock::time_point deadline) {
    if (server.in_flight() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (server.in_flight() > 0)
        spdlog::warn("msg=\"shutdown timeout: dropping requests in flight\" in_flight={}",
                     server.in_flight());
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&, deadline](const boost::system::error_code&) { drain(deadline); });
  };
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("msg=\"shutting down\" signal={} timeout_ms={}", sig, deadline_budget.count());
    shutting_down = true;
    timer_tick.cancel();
    server.stop();
    // Redis channel state: hand this node's partitions over while the io threads still run.
    channel_state.leave();
    drain(std::chrono::steady_clock::now() + deadline_budget);
  });

  // The line tests and operators wait for: only once SIGTERM is handled (the signal_set
  // above), so a stop right after it is a graceful one, never the default action.
  spdlog::info("msg=\"herald started\" version={} node={} uid={} engine={} address=\"{}\" port={} "
               "threads={}",
               HERALD_VERSION_STRING, identity.name, identity.uid, config.engine.type,
               config.http_server.address, server.port(), threads);
  std::vector<std::thread> io_threads;
  for (unsigned i = 1; i < threads; ++i) io_threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : io_threads) t.join();

  // Connections whose close did not finish within shutdown.timeout wait for a transport that
  // is gone: stop them, or ~actor_system would wait for them forever.
  if (size_t n = live_connections.stop_all())
    spdlog::info("msg=\"stopping connections left open\" count={}", n);
  caf::anon_send(node, shutdown_atom::value);
  caf::anon_send_exit(engine, caf::exit_reason::user_shutdown);
  for (auto& a : pool) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  channel_state.stop();
  // Clients that run on the io_context (the Redis engine's, the webhook sender's) and their
  // connections refer to each other until their close has run there: wait for the actors
  // (an ending Redis engine actor posts its engine's close), close the sender and the Redis
  // channel state store, then run what is ready once more, or those clients outlive the
  // process.
  system.await_all_actors_done();
  // The engine the server API published to directly goes now, as its actor's did, so that
  // what its end posts runs below.
  ctx->publisher.reset();
  direct_publisher.reset();
  channel_state.close_transport();
  ioc.restart();
  ioc.poll();
  spdlog::info("msg=\"herald stopped\"");
  spdlog::default_logger()->flush();
  if (!config.pid_file.empty()) std::remove(config.pid_file.c_str());
  return 0;
}

}  // namespace herald
