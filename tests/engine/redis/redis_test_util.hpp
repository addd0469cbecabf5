// Helpers for the Redis client tests: an io_context on its own thread, and mailboxes that
// callbacks fill and the test drains with a deadline — an expected callback that never comes
// fails the test after the deadline instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <ostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/redis/options.hpp"
#include "engine/redis/reply.hpp"

namespace herald::redis {
/// Readable gtest failure messages for Reply values.
inline void PrintTo(const Reply& r, std::ostream* os) { *os << r.to_string(); }
}  // namespace herald::redis

namespace herald::redis::test {

using namespace std::chrono_literals;

/// Declare it before the clients: it is destroyed last, after their close() ran.
class IoThread {
 public:
  IoThread() : guard_(io_.get_executor()), thread_([this] { run(); }) {}
  ~IoThread() {
    guard_.reset();  // run() returns once the clients' close handlers are done
    if (finished_.get_future().wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "io_context still busy 10 s after the clients were closed";
      io_.stop();
    }
    thread_.join();
  }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  /// Runs `fn` on the io thread (outside any client strand).
  template <class Fn>
  void post(Fn fn) {
    boost::asio::post(io_, std::move(fn));
  }

 private:
  void run() {
    io_.run();
    finished_.set_value();
  }
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::promise<void> finished_;
  std::thread thread_;
};

template <class T>
class Mailbox {
 public:
  void push(T item) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
  }
  /// The next item, or nullopt after `timeout`.
  std::optional<T> pop(std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
};

struct Result {
  std::error_code ec;
  Reply reply;
};

/// Collects command results: `box.callback()` as the ReplyCallback, `box.get()` to wait.
class Replies {
 public:
  ReplyCallback callback() {
    return [this](std::error_code ec, Reply r) { box_.push({ec, std::move(r)}); };
  }
  /// The next result; a test failure (and a nil reply with Errc::timeout) on timeout.
  Result get(std::chrono::milliseconds timeout = 5s) {
    auto r = box_.pop(timeout);
    if (!r) {
      ADD_FAILURE() << "no reply within " << timeout.count() << " ms";
      return {std::make_error_code(std::errc::timed_out), {}};
    }
    return std::move(*r);
  }

 private:
  Mailbox<Result> box_;
};

/// Records state events; wait() consumes them in order.
class Events {
 public:
  StateCallback callback() {
    return [this](Event e, const std::string& reason) {
      {
        std::lock_guard lock(mutex_);
        all_.push_back(e);
      }
      box_.push({e, reason});
    };
  }
  /// Waits for the next event; fails the test unless it is `expected` within `timeout`.
  /// Returns its reason.
  std::string wait(Event expected, std::chrono::milliseconds timeout = 5s) {
    auto e = box_.pop(timeout);
    if (!e) {
      ADD_FAILURE() << "no '" << to_string(expected) << "' event within " << timeout.count()
                    << " ms";
      return {};
    }
    EXPECT_EQ(e->first, expected) << "got '" << to_string(e->first) << "': " << e->second;
    return e->second;
  }
  std::vector<Event> all() {
    std::lock_guard lock(mutex_);
    return all_;
  }

 private:
  Mailbox<std::pair<Event, std::string>> box_;
  std::mutex mutex_;
  std::vector<Event> all_;
};

}  // namespace herald::redis::test
