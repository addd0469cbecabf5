#include "actors/channel/delivery_slot.hpp"

namespace herald {

void DeliverySlot::deliver(const EncodedPushPtr& push, const DeliverySlotPtr& self,
                           std::vector<std::shared_ptr<WsConnection>>* flushes) {
  const BrokerEvent& ev = *push->event;
  const bool json = protocol_ == protocol::Protocol::json;
  lock();
  switch (mode_) {
    case Mode::dropped:
      return unlock();
    case Mode::forward:
      ++forwarded_;
      unlock();
      return tell_owner(push_atom::value, push, self);
    case Mode::direct:
      break;
  }
  const bool is_pub = ev.kind == BrokerEvent::Kind::publication;
  if (is_pub) {
    const uint64_t offset = ev.publication.offset;
    if (positioned_ && offset > 0) {
      if (ev.epoch == epoch_ && offset <= offset_) return unlock();  // already sent
      if (ev.epoch != epoch_ || offset != offset_ + 1) {
        // A gap: the owner unsubscribes the client with 2500 (insufficient state).
        mode_ = Mode::dropped;
        unlock();
        return tell_owner(interrupt_atom::value, ev.channel);
      }
      offset_ = offset;
    }
    if (json && push->json_incompatible) {
      mode_ = Mode::dropped;
      unlock();
      const auto& d = disconnect::inappropriate_protocol;
      return tell_owner(disconn_atom::value, d.code, std::string(d.reason));
    }
  }
  // Written under the lock: see the ordering note in the header. A full buffer closes the
  // connection with 3008 by itself; the owner hears `closed` from the transport.
  const std::string& bytes = json ? push->json : push->protobuf;
  bool due = false;
  const bool sent = flushes ? ws_->send_deferred(bytes, due) : ws_->send(bytes);
  if (!sent) mode_ = Mode::dropped;
  unlock();
  if (due) flushes->push_back(ws_);
  if (sent && is_pub && ev.publication.info && client_ && ev.publication.info->client == *client_)
    tell_owner(pushed_atom::value, push->event);
}

void DeliverySlot::forwarded_handled() {
  lock();
  if (forwarded_ > 0) --forwarded_;
  unlock();
}

bool DeliverySlot::go_direct(uint64_t offset, const std::string& epoch) {
  lock();
  const bool ok = mode_ == Mode::direct || (mode_ == Mode::forward && forwarded_ == 0);
  if (ok && mode_ == Mode::forward) {
    mode_ = Mode::direct;
    offset_ = offset;
    epoch_ = epoch;
  }
  unlock();
  return ok;
}

void DeliverySlot::drop() {
  lock();
  mode_ = Mode::dropped;
  unlock();
}

bool DeliverySlot::direct() const {
  lock();
  const bool d = mode_ == Mode::direct;
  unlock();
  return d;
}

}  // namespace herald
