#include "actors/partition/partition_actor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "actors/errors.hpp"

namespace herald {

// -- gauges -----------------------------------------------------------------------------------

PartitionGauges::PartitionGauges(uint32_t num_partitions)
    : backlog_(new std::atomic<uint64_t>[num_partitions]),
      oldest_(new std::atomic<int64_t>[num_partitions]),
      n_(num_partitions) {
  for (uint32_t i = 0; i < n_; ++i) {
    backlog_[i] = 0;
    oldest_[i] = 0;
  }
}

void PartitionGauges::set(uint32_t partition, const LogStatus& status) {
  if (partition >= n_) return;
  backlog_[partition] = status.backlog;
  oldest_[partition] = status.oldest_ms.value_or(0);
}

uint64_t PartitionGauges::queue_length() const {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n_; ++i) sum += backlog_[i].load(std::memory_order_relaxed);
  return sum;
}

std::optional<int64_t> PartitionGauges::oldest_ms() const {
  std::optional<int64_t> oldest;
  for (uint32_t i = 0; i < n_; ++i) {
    const int64_t t = oldest_[i].load(std::memory_order_relaxed);
    if (t != 0 && (!oldest || t < *oldest)) oldest = t;
  }
  return oldest;
}

void PartitionContext::publish_gauges(int64_t now_ms) const {
  if (!counters || !gauges) return;
  counters->queue_length = static_cast<int64_t>(gauges->queue_length());
  auto oldest = gauges->oldest_ms();
  counters->oldest_undelivered_ms = oldest ? std::max<int64_t>(0, now_ms - *oldest) : 0;
}

ChannelStateSnapshot PartitionContext::snapshot() const {
  ChannelStateSnapshot s;
  if (!counters) return s;
  if (store) publish_gauges(store->now_ms());
  const auto& c = *counters;
  s.emitted = c.emitted;
  s.delivered = c.delivered;
  s.retried = c.retried;
  s.dropped = c.dropped;
  s.batches = c.batches;
  s.last_batch_size = c.last_batch_size;
  s.queue_length = c.queue_length;
  s.oldest_undelivered_ms = c.oldest_undelivered_ms;
  return s;
}

namespace {

/// The actor's behaviour; every method runs inside its message handling. Store callbacks
/// come back as `task` messages, so they never touch the state from another thread.
class Logic {
 public:
  explicit Logic(partition_pointer self) : self_(self), st_(self->state) {}

  const PartitionContext& ctx() const { return *st_.ctx; }
  PartitionStore& store() const { return *st_.ctx->store; }

  /// A store callback that runs `f(result)` inside the actor (if it is still alive).
  template <class T, class F>
  PartitionStore::Callback<T> post(F f) {
    caf::weak_actor_ptr weak{self_->ctrl()};
    return [weak, f](StoreResult<T> r) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<partition_actor_impl_type>(strong), task_atom::value,
                       PartitionTask{[f, r]() mutable { f(r); }});
    };
  }

  // -- writes ------------------------------------------------------------------------------

  caf::typed_response_promise<bool> write(PresenceChange change) {
    auto rp = self_->make_response_promise<bool>();
    st_.queued.push_back(PartitionActorState::Write{std::move(change), rp});
    flush();
    return rp;
  }

  /// Everything queued goes in one store call; what arrives meanwhile waits for the next.
  void flush() {
    if (st_.writing || st_.write_retry_timer || st_.queued.empty()) return;
    st_.writing = true;
    auto writes = std::move(st_.queued);
    st_.queued.clear();
    std::vector<PresenceChange> changes;
    std::vector<caf::typed_response_promise<bool>> promises;
    changes.reserve(writes.size());
    promises.reserve(writes.size());
    std::vector<PresenceChange> removes;  // kept in case the call fails
    for (auto& w : writes) {
      if (w.change.kind == PresenceChange::Kind::remove) removes.push_back(w.change);
      changes.push_back(std::move(w.change));
      promises.push_back(std::move(w.rp));
    }
    store().apply(
        st_.partition, ctx().node, std::move(changes),
        post<StoreReport>([this, promises, removes](StoreResult<StoreReport>& r) mutable {
          st_.writing = false;
          if (r.ok()) {
            st_.write_backoff = std::chrono::milliseconds(0);
            for (auto& rp : promises)
              if (rp.pending()) rp.deliver(true);
            account(r.value, true);
          } else {
            spdlog::error("msg=\"channel state: presence write failed\" partition={} "
                          "error=\"{}\" removes_kept={}",
                          st_.partition, r.error, removes.size());
            for (auto& rp : promises)
              if (rp.pending()) rp.deliver(to_caf_error(ErrorCode::internal));
            if (!removes.empty()) return retry_removes(std::move(removes));
          }
          flush();
        }));
  }

  /// Failed removes go first again after a backoff: applying them after a newer add of the
  /// same client would undo that add. Remove is idempotent, so repeating one is safe.
  void retry_removes(std::vector<PresenceChange> removes) {
    std::vector<PartitionActorState::Write> again;
    again.reserve(removes.size() + st_.queued.size());
    for (auto& c : removes) again.push_back(PartitionActorState::Write{std::move(c), {}});
    for (auto& w : st_.queued) again.push_back(std::move(w));
    st_.queued = std::move(again);
    const auto& c = ctx();
    st_.write_backoff = st_.write_backoff.count() == 0
                            ? c.retry_min
                            : std::min(st_.write_backoff * 2, c.retry_max);
    st_.write_retry_timer = schedule(PartitionTimer::write_retry, st_.write_backoff);
  }

  /// Counts what a store call did; the owner re-arms its timer and delivers what was emitted.
  void account(const StoreReport& report, bool arm) {
    if (auto& c = ctx().counters) {
      c->emitted += report.emitted;
      c->dropped += report.dropped;
    }
    gauge(report.log);
    if (report.dropped > 0)
      spdlog::warn("msg=\"channel state: event log full, oldest events dropped\" partition={} "
                   "dropped={}",
                   st_.partition, report.dropped);
    if (!st_.owner) return;
    if (arm) arm_due(report.next_due_ms);
    // With a shared store the log may also hold what other nodes' writes appended.
    if (report.emitted > 0 || report.log.backlog > 0) pump();
  }

  // -- reads -------------------------------------------------------------------------------

  template <class T, class Call>
  caf::typed_response_promise<T> read(Call call) {
    auto rp = self_->make_response_promise<T>();
    call(post<T>([rp](StoreResult<T>& r) mutable {
      if (r.ok())
        rp.deliver(std::move(r.value));
      else
        rp.deliver(to_caf_error(ErrorCode::internal));
    }));
    return rp;
  }

  // -- owner: timers -----------------------------------------------------------------------

  void set_owner(bool owner) {
    if (owner == st_.owner) return;
    st_.owner = owner;
    if (owner) {
      // From the oldest undelivered event on: what a former owner sent but did not see
      // confirmed goes again.
      housekeep();
      pump();
    } else {
      if (ctx().gauges) {
        ctx().gauges->set(st_.partition, LogStatus{});
        ctx().publish_gauges(store().now_ms());
      }
      cancel(st_.due_timer);
      if (st_.retry_timer) {  // waiting to retry: nothing is in flight any more
        cancel(st_.retry_timer);
        st_.delivering = false;
      } else if (st_.delivering && ctx().sink) {
        // The pool would retry the batch in flight until the backend takes it, for a
        // partition the next owner delivers anyway: give it up there. Its answer (false)
        // ends the delivery here; were it already sent, the next owner repeats it, which ids
        // make harmless.
        self_->request(ctx().sink, caf::infinite, wh_forget_atom::value, st_.partition)
            .then([](uint32_t) {}, [](caf::error&) {});
      }
    }
  }

  void cancel(TimerService::TimerId& id) {
    if (id) ctx().timers->cancel(id);
    id = 0;
  }

  TimerService::TimerId schedule(PartitionTimer kind, std::chrono::milliseconds after) {
    caf::weak_actor_ptr weak{self_->ctrl()};
    const auto k = static_cast<uint8_t>(kind);
    return ctx().timers->schedule_after(after, [weak, k](TimerService::TimerId id) {
      if (auto strong = weak.lock())
        caf::anon_send(caf::actor_cast<partition_actor_impl_type>(strong), timer_atom::value, k,
                       id);
    });
  }

  /// Arms the due timer for `due` (or the next poll, if sooner), unless it fires earlier.
  void arm_due(std::optional<int64_t> due) {
    const int64_t now = store().now_ms();
    if (ctx().poll_interval.count() > 0) {
      const int64_t poll = now + ctx().poll_interval.count();
      if (!due || poll < *due) due = poll;
    }
    if (!due) return;
    if (st_.due_timer && st_.due_at_ms <= *due) return;
    cancel(st_.due_timer);
    st_.due_at_ms = *due;
    st_.due_timer = schedule(PartitionTimer::due,
                             std::chrono::milliseconds(std::max<int64_t>(0, *due - now)));
  }

  void on_timer(PartitionTimer kind, TimerService::TimerId id) {
    if (kind == PartitionTimer::due) {
      if (id != st_.due_timer) return;  // re-armed or cancelled meanwhile
      st_.due_timer = 0;
      housekeep();
    } else if (kind == PartitionTimer::write_retry) {
      if (id != st_.write_retry_timer) return;
      st_.write_retry_timer = 0;
      flush();
    } else {
      if (id != st_.retry_timer) return;
      st_.retry_timer = 0;
      st_.delivering = false;
      pump();
    }
  }

  /// Sweep (lapsed entries, lost nodes), then fire due vacated events, then re-arm.
  void housekeep() {
    if (!st_.owner) return;
    if (st_.housekeeping) {
      st_.housekeep_again = true;
      return;
    }
    st_.housekeeping = true;
    auto dead = std::move(st_.lost_nodes);
    st_.lost_nodes.clear();
    store().sweep(st_.partition, dead, post<StoreReport>([this, dead](StoreResult<StoreReport>& r) {
      if (!r.ok()) {
        st_.lost_nodes.insert(st_.lost_nodes.end(), dead.begin(), dead.end());
        return housekept(r.error);
      }
      account(r.value, false);
      store().fire_due(st_.partition, post<StoreReport>([this](StoreResult<StoreReport>& r2) {
        if (!r2.ok()) return housekept(r2.error);
        account(r2.value, true);
        housekept({});
      }));
    }));
  }

  void housekept(const std::string& error) {
    st_.housekeeping = false;
    if (!error.empty()) {
      spdlog::error("msg=\"channel state: housekeeping failed\" partition={} error=\"{}\"",
                    st_.partition, error);
      if (st_.owner) arm_due(store().now_ms() + ctx().store_retry.count());
    }
    if (st_.housekeep_again) {
      st_.housekeep_again = false;
      housekeep();
    }
  }

  void nodes_lost(std::vector<std::string>& nodes) {
    st_.lost_nodes.insert(st_.lost_nodes.end(), nodes.begin(), nodes.end());
    housekeep();
  }

  // -- owner: delivery ---------------------------------------------------------------------

  /// Delivers the oldest undelivered events, one batch at a time.
  void pump() {
    if (!st_.owner || st_.delivering || !ctx().sink) return;
    st_.delivering = true;
    store().read(st_.partition, 0, ctx().max_batch, post<LogRead>([this](StoreResult<LogRead>& r) {
      if (!r.ok()) return failed("read", r.error);
      gauge(r.value.status);
      if (r.value.events.empty() || !st_.owner) {
        st_.delivering = false;
        return;
      }
      ChannelStateBatch batch;
      batch.reserve(r.value.events.size());
      for (auto& e : r.value.events)
        if (!ctx().wanted || ctx().wanted(e.event)) batch.push_back(std::move(e.event));
      const uint64_t last = r.value.events.back().seq;
      if (batch.empty()) return delivered(true, last);  // nothing the backend wants
      const auto timeout = ctx().deliver_timeout.count() > 0
                               ? caf::duration{ctx().deliver_timeout}
                               : caf::duration{caf::infinite};
      self_->request(ctx().sink, timeout, deliver_atom::value, st_.partition, std::move(batch))
          .then([this, last](bool ok) { delivered(ok, last); },
                [this](caf::error& e) { failed("deliver", caf::to_string(e)); });
    }));
  }

  void delivered(bool ok, uint64_t last) {
    if (!ok && !st_.owner) {  // given up on losing ownership (wh_forget): not a failure
      st_.delivering = false;
      return;
    }
    if (!ok) return failed("deliver", "the webhook pool reported a failure");
    // Acknowledged only now: a crash before this line delivers the batch again.
    store().ack(st_.partition, last, post<LogStatus>([this](StoreResult<LogStatus>& r) {
      if (!r.ok()) return failed("ack", r.error);
      gauge(r.value);
      st_.backoff = std::chrono::milliseconds(0);
      st_.delivering = false;
      pump();
    }));
  }

  /// The batch goes again (from the oldest undelivered event) after the backoff.
  void failed(const char* what, const std::string& error) {
    const auto& c = ctx();
    st_.backoff = st_.backoff.count() == 0 ? c.retry_min : std::min(st_.backoff * 2, c.retry_max);
    if (c.counters) ++c.counters->retried;
    auto wait = st_.backoff;
    if (c.retry_jitter > 0) {
      // A small xorshift: deterministic per partition, different across partitions.
      uint64_t& x = st_.retry_seed;
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const double f = 1.0 - c.retry_jitter * static_cast<double>(x % 1000) / 1000.0;
      wait = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(wait.count()) * f));
    }
    spdlog::warn("msg=\"channel state: {} failed, retrying\" partition={} error=\"{}\" "
                 "retry_in_ms={}",
                 what, st_.partition, error, wait.count());
    cancel(st_.retry_timer);
    st_.retry_timer = schedule(PartitionTimer::retry, wait);
  }

  /// The gauges count the partitions this node owns (a shared store's other partitions are
  /// other nodes' to report).
  void gauge(const LogStatus& status) {
    if (!ctx().gauges || !st_.owner) return;
    ctx().gauges->set(st_.partition, status);
    ctx().publish_gauges(store().now_ms());
  }

 private:
  partition_pointer self_;
  PartitionActorState& st_;
};

PresenceChange change(PresenceChange::Kind kind, std::string& channel, ClientInfo& info,
                      int64_t ttl_ms, StateReason reason) {
  return PresenceChange{kind, std::move(channel), std::move(info), ttl_ms, reason};
}

}  // namespace

partition_actor_impl_type::behavior_type partition_actor_impl(
    partition_pointer self, std::shared_ptr<const PartitionContext> ctx, uint32_t partition,
    bool owner) {
  self->state.ctx = std::move(ctx);
  self->state.partition = partition;
  self->state.retry_seed = 0x9E3779B97F4A7C15ull ^ (uint64_t{partition} + 1);
  auto logic = std::make_shared<Logic>(self);
  // Its timers hold it weakly: one that fires after the actor is gone does nothing.
  logic->set_owner(owner);
  auto& store = *self->state.ctx->store;
  return {
      [=](pres_add_atom, std::string& channel, ClientInfo& info, int64_t ttl_ms) {
        return logic->write(change(PresenceChange::Kind::add, channel, info, ttl_ms, {}));
      },
      [=](pres_rm_atom, std::string& channel, ClientInfo& info) {
        return logic->write(
            change(PresenceChange::Kind::remove, channel, info, 0, StateReason::unsubscribe));
      },
      [=](pres_drop_atom, std::string& channel, ClientInfo& info, StateReason reason) {
        return logic->write(change(PresenceChange::Kind::remove, channel, info, 0, reason));
      },
      [=, &store](presence_atom, std::string& channel) {
        return logic->read<PresenceMap>([&](PartitionStore::Callback<PresenceMap> cb) {
          store.presence(partition, std::move(channel), std::move(cb));
        });
      },
      [=, &store](pres_stat_atom, std::string& channel) {
        return logic->read<PresenceStats>([&](PartitionStore::Callback<PresenceStats> cb) {
          store.presence_stats(partition, std::move(channel), std::move(cb));
        });
      },
      [=](own_atom, bool own) { logic->set_owner(own); },
      [=](nodes_lost_atom, std::vector<std::string>& nodes) { logic->nodes_lost(nodes); },
      [=](task_atom, PartitionTask& task) {
        if (task.run) task.run();
      },
      [=](timer_atom, uint8_t kind, TimerService::TimerId id) {
        logic->on_timer(static_cast<PartitionTimer>(kind), id);
      },
  };
}

}  // namespace herald
