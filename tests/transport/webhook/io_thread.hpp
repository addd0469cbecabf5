// An io_context running on one thread for client tests, and a bounded wait for callbacks.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>

namespace herald::test {

class IoThread {
 public:
  IoThread() : guard_(boost::asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  /// Lets run() return once the clients' last handlers ran (destroy the clients first).
  ~IoThread() {
    guard_.reset();
    thread_.join();
  }
  boost::asio::io_context& ioc() { return ioc_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

/// A value some callback will deliver once; get() waits at most `timeout` (nullopt after).
template <class T>
class Awaited {
 public:
  Awaited() : future_(promise_->get_future()) {}
  /// The callback to hand out (copyable; the first call counts).
  auto setter() {
    return [p = promise_](T v) {
      try {
        p->set_value(std::move(v));
      } catch (const std::future_error&) {
      }
    };
  }
  std::optional<T> get(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (future_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
    return future_.get();
  }

 private:
  std::shared_ptr<std::promise<T>> promise_ = std::make_shared<std::promise<T>>();
  std::future<T> future_;
};

}  // namespace herald::test
