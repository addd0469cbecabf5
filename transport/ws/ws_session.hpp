// Internal to transport/ws: the state an endpoint shares with its sessions, and the session
// entry point. No Beast here; the session class itself lives in ws_session.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "transport/ws/ws_endpoint.hpp"

namespace herald::ws_detail {

/// A live session as the registry sees it (intrusive list: no allocation per connection).
class RegisteredConnection : public WsConnection,
                             public std::enable_shared_from_this<RegisteredConnection> {
 public:
  RegisteredConnection* prev = nullptr;  ///< guarded by EndpointState::mu
  RegisteredConnection* next = nullptr;  ///< guarded by EndpointState::mu
};

struct EndpointState {
  EndpointState(WsOptions o, WsAcceptFn a) : options(std::move(o)), accept(std::move(a)) {}

  const WsOptions options;
  const WsAcceptFn accept;

  std::mutex mu;
  RegisteredConnection* head = nullptr;  ///< sessions not yet finished
  uint64_t open = 0;                     ///< length of that list
  bool stopped = false;                  ///< shutdown() was called

  /// Registers a session; returns false after shutdown() (the caller closes it with 3001).
  bool add(RegisteredConnection* c);
  void remove(RegisteredConnection* c);
};

/// Takes over an upgraded connection: Origin check (403), handshake, then `accept`.
void start_session(const std::shared_ptr<EndpointState>& state, HttpUpgrade&& upgrade);

}  // namespace herald::ws_detail
