// The server API: one method call (name + JSON body) in, one answer out. It decodes the
// request as Centrifugo does (api_decode.hpp), looks up the channel's namespace and talks to
// the engine and node actors; it never blocks. HTTP (and later gRPC) sessions reach it
// through a reply callback.
//
//   api(method, body, ApiReplyFn) -> (): the callback gets the ApiReply exactly once
//
// With an engine that publishes without a mailbox (ApiContext::publisher), publish,
// broadcast and batches of only those run on the caller's thread (run_api_inline): the HTTP
// session's io thread answers them at once, with no actor in between.
//
// Two methods answer a whole HTTP body in `result_json` rather than a result object:
// "batch" (`{"replies":[...]}`, or `{}`), and the empty method "", the legacy endpoint
// `POST <prefix>`, whose body is a sequence of commands (one answer line each).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/engine/direct_publisher.hpp"
#include "actors/engine/engine_actor.hpp"
#include "actors/node/node_actor.hpp"
#include "actors/partition/presence_router.hpp"
#include "config/channel_resolver.hpp"
#include "config/config.hpp"

namespace herald {

using api_actor = caf::typed_actor<caf::reacts_to<api_atom, std::string, std::string, ApiReplyFn>>;

/// Everything an API actor needs; shared read-only by all API actors of the pool.
struct ApiContext {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const ChannelResolver> resolver;
  engine_actor engine;
  node_actor node;
  /// Where each channel's presence lives: its state partition or the engine (null: the engine).
  std::shared_ptr<const PresenceRouter> presence;
  /// The engine's own publish path, when it has one: publishes skip the engine actor.
  std::shared_ptr<DirectPublisher> publisher;
};

struct ApiActorState {
  std::shared_ptr<const ApiContext> ctx;
  static inline const char* name = "herald.api";
};

/// The methods of `POST <prefix>/<method>`: the commands and "batch".
std::vector<std::string> api_methods();

/// Runs the call on this thread when it needs no actor (publish, broadcast, rpc, batches of
/// only those) and ctx.publisher is set: `reply` gets the answer, and true is returned.
/// False: nothing was done, send the call to an API actor.
bool run_api_inline(const ApiContext& ctx, const std::string& method, const std::string& body,
                    const ApiReplyFn& reply);

api_actor::behavior_type api_actor_impl(api_actor::stateful_pointer<ApiActorState> self,
                                        std::shared_ptr<const ApiContext> ctx);

}  // namespace herald
