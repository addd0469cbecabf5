// A WsConnection that records what the connection actor sends, for tests without sockets.
// Under the test coordinator nothing runs concurrently: take() and close_code() read what has
// happened so far, without waiting.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "proto/codec/ws_connection.hpp"

namespace herald::test {

class FakeWs : public WsConnection {
 public:
  void start(Callbacks cb) override { callbacks_ = std::move(cb); }

  bool send(std::string_view message) override {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    sent_.emplace_back(message);
    return true;
  }

  bool send_deferred(std::string_view message, bool& flush_due) override {
    std::lock_guard lock(mu_);
    flush_due = false;
    if (closed_) return false;
    sent_.emplace_back(message);
    if (!flush_pending_) flush_due = flush_pending_ = true;
    return true;
  }

  void flush() override {
    std::lock_guard lock(mu_);
    flush_pending_ = false;
    ++flushes_;
    flushed_ = sent_.size();
  }

  /// flush() calls so far, and how many messages had been sent at the last one.
  size_t flushes() {
    std::lock_guard lock(mu_);
    return flushes_;
  }
  size_t flushed() {
    std::lock_guard lock(mu_);
    return flushed_;
  }

  /// What make_task_queue() hands out (none: the caller runs its work inline).
  std::shared_ptr<WsTaskQueue> task_queue;
  std::shared_ptr<WsTaskQueue> make_task_queue() override { return task_queue; }

  void consumed(uint32_t messages) override {
    std::lock_guard lock(mu_);
    consumed_ += messages;
  }

  /// Messages the connection reported as handled (inbound backpressure).
  uint64_t consumed_count() {
    std::lock_guard lock(mu_);
    return consumed_;
  }

  void close(uint16_t code, std::string_view reason) override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
  }

  /// The next message sent after the ones already taken, if any.
  std::optional<std::string> take() {
    std::lock_guard lock(mu_);
    if (taken_ == sent_.size()) return std::nullopt;
    return sent_[taken_++];
  }

  /// The close code, if the connection was closed.
  std::optional<uint16_t> close_code() {
    std::lock_guard lock(mu_);
    if (!closed_) return std::nullopt;
    return close_code_;
  }

  size_t pending() {
    std::lock_guard lock(mu_);
    return sent_.size() - taken_;
  }

 private:
  Callbacks callbacks_;
  std::mutex mu_;
  std::vector<std::string> sent_;
  size_t taken_ = 0;
  uint64_t consumed_ = 0;
  bool closed_ = false;
  bool flush_pending_ = false;
  size_t flushes_ = 0, flushed_ = 0;
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

}  // namespace herald::test
