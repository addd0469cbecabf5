#include "transport/ws/ws_endpoint.hpp"

#include <vector>

#include "transport/ws/ws_session.hpp"

namespace herald {

namespace ws_detail {

bool EndpointState::add(RegisteredConnection* c) {
  std::lock_guard lock(mu);
  c->next = head;
  if (head) head->prev = c;
  head = c;
  ++open;
  return !stopped;
}

void EndpointState::remove(RegisteredConnection* c) {
  std::lock_guard lock(mu);
  if (c->prev) {
    c->prev->next = c->next;
  } else if (head == c) {
    head = c->next;
  } else {
    return;  // not (or no longer) registered
  }
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = nullptr;
  --open;
}

}  // namespace ws_detail

WsEndpoint::WsEndpoint(WsOptions options, WsAcceptFn accept)
    : state_(std::make_shared<ws_detail::EndpointState>(std::move(options), std::move(accept))) {}

WsEndpoint::~WsEndpoint() = default;

void WsEndpoint::upgrade(HttpUpgrade&& upgrade) {
  ws_detail::start_session(state_, std::move(upgrade));
}

void WsEndpoint::shutdown() {
  std::vector<std::shared_ptr<ws_detail::RegisteredConnection>> live;
  {
    std::lock_guard lock(state_->mu);
    state_->stopped = true;
    for (auto* c = state_->head; c; c = c->next) {
      // A session being destroyed has no owner left and closes its socket itself.
      if (auto sp = c->weak_from_this().lock()) live.push_back(std::move(sp));
    }
  }
  for (auto& c : live) c->close(3001, "shutdown");
}

uint64_t WsEndpoint::open_connections() const {
  std::lock_guard lock(state_->mu);
  return state_->open;
}

}  // namespace herald
