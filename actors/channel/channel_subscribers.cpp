#include "actors/channel/channel_subscribers.hpp"

#include <algorithm>

namespace herald {

void ChannelSubscribers::count_in(const SubscriberSpec& s, int delta) {
  auto p = static_cast<size_t>(s.protocol);
  by_protocol_[p] += delta;
  if (s.join_leave) join_leave_by_protocol_[p] += delta;
}

std::vector<SubscriberSpec>::iterator ChannelSubscribers::find(
    const caf::actor_control_block* actor) {
  return std::find_if(subscribers_.begin(), subscribers_.end(), [actor](const SubscriberSpec& s) {
    return caf::actor_cast<caf::actor_control_block*>(s.actor) == actor;
  });
}

bool ChannelSubscribers::add(const SubscriberSpec& spec) {
  auto it = find(caf::actor_cast<caf::actor_control_block*>(spec.actor));
  const bool is_new = it == subscribers_.end();
  if (!is_new) {
    count_in(*it, -1);
    *it = spec;
  } else {
    subscribers_.push_back(spec);
  }
  count_in(spec, +1);
  return is_new;
}

bool ChannelSubscribers::remove(const caf::actor_control_block* actor) {
  auto it = find(actor);
  if (it == subscribers_.end() || actor == nullptr) return false;
  count_in(*it, -1);
  *it = std::move(subscribers_.back());
  subscribers_.pop_back();
  return true;
}

EncodedPushPtr ChannelSubscribers::encode(const BrokerEventPtr& event) const {
  const bool is_pub = event->kind == BrokerEvent::Kind::publication;
  const auto& counts = is_pub ? by_protocol_ : join_leave_by_protocol_;
  if (counts[0] == 0 && counts[1] == 0) return nullptr;
  auto push = std::make_shared<EncodedPush>();
  push->event = event;
  for (Protocol p : {Protocol::json, Protocol::protobuf}) {
    if (counts[static_cast<size_t>(p)] == 0) continue;
    std::string& out = p == Protocol::json ? push->json : push->protobuf;
    // Checked once per event here rather than once per JSON recipient.
    if (p == Protocol::json && is_pub && !protocol::is_valid_json(event->publication.data)) {
      push->json_incompatible = true;
      continue;
    }
    switch (event->kind) {
      case BrokerEvent::Kind::publication:
        protocol::append_publication_push(p, event->channel, event->publication, out);
        break;
      case BrokerEvent::Kind::join:
        protocol::append_join_push(p, event->channel, event->info, out);
        break;
      case BrokerEvent::Kind::leave:
        protocol::append_leave_push(p, event->channel, event->info, out);
        break;
    }
  }
  return push;
}

}  // namespace herald
