#include "actors/partition/lease_actor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

namespace herald {

namespace {

using Op = LeaseBackend::Op;

/// The actor's behaviour; every method runs inside its message handling. Backend callbacks
/// come back as `task` messages.
class LeaseLogic {
 public:
  explicit LeaseLogic(lease_pointer self) : self_(self), st_(self->state) {}

  const LeaseContext& ctx() const { return *st_.ctx; }
  LeaseBackend& backend() const { return *st_.ctx->backend; }
  uint32_t n() const { return static_cast<uint32_t>(ctx().partitions.size()); }
  std::chrono::milliseconds round_interval() const {
    auto r = ctx().round_interval.count() > 0 ? ctx().round_interval : ctx().node_lease / 4;
    return std::max(r, std::chrono::milliseconds(1));
  }

  template <class T, class F>
  LeaseBackend::Callback<T> post(F f) {
    caf::weak_actor_ptr weak{self_->ctrl()};
    return [weak, f](StoreResult<T> r) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<lease_actor_impl_type>(strong), task_atom::value,
                       PartitionTask{[f, r]() mutable { f(r); }});
    };
  }

  TimerService::TimerId schedule(LeaseTimer kind, TimerService::TimePoint when) {
    caf::weak_actor_ptr weak{self_->ctrl()};
    const auto k = static_cast<uint8_t>(kind);
    return ctx().timers->schedule(when, [weak, k](TimerService::TimerId id) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<lease_actor_impl_type>(strong), timer_atom::value, k, id);
    });
  }
  void cancel(TimerService::TimerId& id) {
    if (id) ctx().timers->cancel(id);
    id = 0;
  }

  std::vector<uint32_t> owned() const {
    std::vector<uint32_t> out;
    for (uint32_t p = 0; p < n(); ++p)
      if (st_.held[p]) out.push_back(p);
    return out;
  }
  size_t held_count() const { return static_cast<size_t>(std::count(st_.held.begin(), st_.held.end(), true)); }

  // -- ownership changes -------------------------------------------------------------------

  void gain(uint32_t p, TimerService::TimePoint valid_until) {
    st_.held[p] = true;
    st_.valid_until[p] = valid_until;
    caf::anon_send(ctx().partitions[p], own_atom::value, true);
    if (!st_.lapsed.empty())
      caf::anon_send(ctx().partitions[p], nodes_lost_atom::value,
                     std::vector<std::string>(st_.lapsed.begin(), st_.lapsed.end()));
  }
  void lose(uint32_t p) {
    if (!st_.held[p]) return;
    st_.held[p] = false;
    caf::anon_send(ctx().partitions[p], own_atom::value, false);
  }
  void lose_all(const char* why) {
    const size_t had = held_count();
    for (uint32_t p = 0; p < n(); ++p) lose(p);
    if (had > 0)
      spdlog::warn("msg=\"channel state: partition leases given up\" count={} reason=\"{}\"",
                   had, why);
  }

  // -- rounds ------------------------------------------------------------------------------

  caf::typed_response_promise<bool> tick() {
    auto rp = self_->make_response_promise<bool>();
    if (st_.stopping) {
      rp.deliver(false);
      return rp;
    }
    st_.waiting.push_back(rp);
    round();
    return rp;
  }

  void round() {
    if (st_.in_round || st_.stopping) return;
    st_.in_round = true;
    st_.round_ok = false;
    cancel(st_.round_timer);
    ++st_.rounds;
    const auto sent = ctx().timers->now();
    backend().heartbeat(ctx().node, ctx().node_lease.count(),
                        post<HeartbeatResult>([this, sent](StoreResult<HeartbeatResult>& r) {
                          on_heartbeat(r, sent);
                        }));
  }

  void on_heartbeat(StoreResult<HeartbeatResult>& r, TimerService::TimePoint sent) {
    if (st_.stopping || n() == 0) return end_round();
    if (!r.ok()) {
      spdlog::error("msg=\"channel state: node lease renewal failed\" error=\"{}\"", r.error);
      lose_all("node lease renewal failed");
      return end_round();
    }
    if (!r.value.was_alive && !st_.first) {
      spdlog::warn("msg=\"channel state: this node's lease had lapsed; other nodes may have "
                   "removed its presence entries (written again now)\"");
      lapsed_self();
    }
    st_.first = false;
    st_.round_ok = true;

    // Lapsed nodes: the new ones go to every owned partition; all of them again now and then.
    std::set<std::string> lapsed;
    for (auto& u : r.value.lapsed)
      if (u != ctx().node) lapsed.insert(std::move(u));
    std::vector<std::string> fresh;
    for (const auto& u : lapsed)
      if (!st_.lapsed.count(u)) fresh.push_back(u);
    st_.lapsed = std::move(lapsed);
    if (!fresh.empty()) {
      std::string names;
      for (const auto& u : fresh) names += (names.empty() ? "" : ",") + u;
      spdlog::info("msg=\"channel state: nodes lost\" nodes=\"{}\" owned_partitions={}",
                   names, held_count());
    } else if (!st_.lapsed.empty() && ctx().relost_rounds > 0 &&
               st_.rounds % ctx().relost_rounds == 0) {
      fresh.assign(st_.lapsed.begin(), st_.lapsed.end());
    }
    if (!fresh.empty())
      for (uint32_t p = 0; p < n(); ++p)
        if (st_.held[p]) caf::anon_send(ctx().partitions[p], nodes_lost_atom::value, fresh);

    const size_t live = std::max<size_t>(1, r.value.live.size());
    const size_t target = (n() + live - 1) / live;

    // Renew what is held, probe the rest.
    auto answers = std::make_shared<std::vector<StoreResult<LeaseAnswer>>>(n());
    auto left = std::make_shared<uint32_t>(n());
    const auto valid_until = sent + ctx().partition_lease;
    for (uint32_t p = 0; p < n(); ++p) {
      backend().lease(p, ctx().node, ctx().partition_lease.count(),
                      st_.held[p] ? Op::take : Op::probe,
                      post<LeaseAnswer>([this, p, answers, left, target,
                                         valid_until](StoreResult<LeaseAnswer>& a) {
                        (*answers)[p] = std::move(a);
                        if (--*left == 0) balance(*answers, target, valid_until);
                      }));
    }
  }

  void balance(std::vector<StoreResult<LeaseAnswer>>& answers, size_t target,
               TimerService::TimePoint valid_until) {
    if (st_.stopping) return end_round();
    for (uint32_t p = 0; p < n(); ++p) {
      if (!st_.held[p]) continue;
      if (answers[p].ok() && answers[p].value.ours) {
        st_.valid_until[p] = valid_until;
        continue;
      }
      spdlog::warn("msg=\"channel state: partition lease lost\" partition={} holder=\"{}\" "
                   "error=\"{}\"",
                   p, answers[p].value.holder, answers[p].error);
      lose(p);
    }
    size_t count = held_count();
    if (count > target) {
      // The surplus goes, highest partitions first: another node takes them next round.
      for (uint32_t p = n(); p-- > 0 && count > target;) {
        if (!st_.held[p]) continue;
        lose(p);
        --count;
        backend().lease(p, ctx().node, ctx().partition_lease.count(), Op::release,
                        [](StoreResult<LeaseAnswer>) {});
      }
      return end_round();
    }
    if (count == target) return end_round();
    // Free partitions, from an offset of this node's own so that nodes starting together
    // try different ones first (SET NX decides anyway).
    std::vector<uint32_t> free;
    const uint32_t offset = static_cast<uint32_t>(std::hash<std::string>{}(ctx().node) % n());
    for (uint32_t i = 0; i < n(); ++i) {
      const uint32_t p = (offset + i) % n();
      if (!st_.held[p] && answers[p].ok() && answers[p].value.holder.empty()) free.push_back(p);
    }
    free.resize(std::min(free.size(), target - count));
    if (free.empty()) return end_round();
    auto left = std::make_shared<size_t>(free.size());
    for (uint32_t p : free) {
      backend().lease(p, ctx().node, ctx().partition_lease.count(), Op::take,
                      post<LeaseAnswer>([this, p, left, valid_until](StoreResult<LeaseAnswer>& a) {
                        if (a.ok() && a.value.ours) {
                          if (st_.stopping)
                            backend().lease(p, ctx().node, ctx().partition_lease.count(),
                                            Op::release, [](StoreResult<LeaseAnswer>) {});
                          else
                            gain(p, valid_until);
                        }
                        if (--*left == 0) end_round();
                      }));
    }
  }

  void end_round() {
    st_.in_round = false;
    for (auto& rp : st_.waiting) rp.deliver(st_.round_ok && !st_.stopping);
    st_.waiting.clear();
    if (st_.stopping) return;
    arm_expiry();
    st_.round_timer = schedule(LeaseTimer::round, ctx().timers->now() + round_interval());
  }

  /// The expiry timer: at the earliest end of a held lease's proof.
  void arm_expiry() {
    cancel(st_.expiry_timer);
    std::optional<TimerService::TimePoint> first;
    for (uint32_t p = 0; p < n(); ++p)
      if (st_.held[p] && (!first || st_.valid_until[p] < *first)) first = st_.valid_until[p];
    if (first) st_.expiry_timer = schedule(LeaseTimer::expiry, *first);
  }

  void on_expiry() {
    const auto now = ctx().timers->now();
    size_t gone = 0;
    for (uint32_t p = 0; p < n(); ++p)
      if (st_.held[p] && st_.valid_until[p] <= now) {
        lose(p);
        ++gone;
      }
    if (gone > 0)
      spdlog::warn("msg=\"channel state: partition leases not renewed in time, given up\" "
                   "count={}",
                   gone);
    arm_expiry();
  }

  /// This node's own lease had lapsed: its presence is written again now and once more
  /// after a node lease.
  void lapsed_self() {
    if (!ctx().on_lapsed) return;
    ctx().on_lapsed();
    cancel(st_.reassert_timer);
    st_.reassert_timer =
        schedule(LeaseTimer::reassert, ctx().timers->now() + ctx().node_lease);
  }

  void on_timer(LeaseTimer kind, TimerService::TimerId id) {
    if (kind == LeaseTimer::round) {
      if (id != st_.round_timer) return;
      st_.round_timer = 0;
      round();
    } else if (kind == LeaseTimer::reassert) {
      if (id != st_.reassert_timer) return;
      st_.reassert_timer = 0;
      if (!st_.stopping && ctx().on_lapsed) ctx().on_lapsed();
    } else {
      if (id != st_.expiry_timer) return;
      st_.expiry_timer = 0;
      on_expiry();
    }
  }

  // -- stop --------------------------------------------------------------------------------

  caf::typed_response_promise<bool> shutdown() {
    auto rp = self_->make_response_promise<bool>();
    st_.stopping = true;
    cancel(st_.round_timer);
    cancel(st_.expiry_timer);
    cancel(st_.reassert_timer);
    const auto mine = owned();
    for (uint32_t p : mine) lose(p);
    auto left = std::make_shared<size_t>(mine.size() + 1);
    auto ok = std::make_shared<bool>(true);
    auto one = [this, rp, left, ok](bool fine) mutable {
      *ok = *ok && fine;
      if (--*left != 0) return;
      rp.deliver(*ok);
      self_->quit();
    };
    for (uint32_t p : mine)
      backend().lease(p, ctx().node, ctx().partition_lease.count(), Op::release,
                      post<LeaseAnswer>([one](StoreResult<LeaseAnswer>& a) mutable { one(a.ok()); }));
    backend().leave(ctx().node, post<bool>([one](StoreResult<bool>& a) mutable { one(a.ok()); }));
    return rp;
  }

 private:
  lease_pointer self_;
  LeaseActorState& st_;
};

}  // namespace

lease_actor_impl_type::behavior_type lease_actor_impl(lease_pointer self,
                                                      std::shared_ptr<const LeaseContext> ctx) {
  self->state.ctx = std::move(ctx);
  const size_t n = self->state.ctx->partitions.size();
  self->state.held.assign(n, false);
  self->state.valid_until.assign(n, TimerService::TimePoint{});
  auto logic = std::make_shared<LeaseLogic>(self);
  logic->round();
  return {
      [=](tick_atom) { return logic->tick(); },
      [=](owned_atom) { return logic->owned(); },
      [=](shutdown_atom) { return logic->shutdown(); },
      [=](task_atom, PartitionTask& task) {
        if (task.run) task.run();
      },
      [=](timer_atom, uint8_t kind, TimerService::TimerId id) {
        logic->on_timer(static_cast<LeaseTimer>(kind), id);
      },
  };
}

}  // namespace herald
