// A WsConnection that records what the connection actor sends, for tests without sockets.
#pragma once

#include <chrono>
#include <condition_variable>
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
    cv_.notify_all();
    return true;
  }

  void close(uint16_t code, std::string_view reason) override {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    close_code_ = code;
    close_reason_ = std::string(reason);
    cv_.notify_all();
  }

  /// The next message sent after the ones already taken, waiting up to `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return taken_ < sent_.size(); })) return std::nullopt;
    return sent_[taken_++];
  }

  /// The close code, waiting up to `timeout` for the connection to close.
  std::optional<uint16_t> wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return closed_; })) return std::nullopt;
    return close_code_;
  }

  size_t pending() {
    std::lock_guard lock(mu_);
    return sent_.size() - taken_;
  }

 private:
  Callbacks callbacks_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> sent_;
  size_t taken_ = 0;
  bool closed_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
};

}  // namespace herald::test
