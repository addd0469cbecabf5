// Runs tests/support/state_receiver.py (Flask) as a child process: a channel state receiver
// that records every request and fails on demand (see the script's docstring).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace herald::test {

class StateReceiver {
 public:
  StateReceiver() = default;
  ~StateReceiver();  ///< SIGTERM (SIGKILL if it lingers), then removes its files
  StateReceiver(const StateReceiver&) = delete;
  StateReceiver& operator=(const StateReceiver&) = delete;

  /// A Python 3 interpreter that can import flask ("" when there is none: install
  /// python3-flask, scripts/install-deps.sh does).
  static std::string python();

  /// Starts the recording receiver on a free port; with `app_file`, serves that file's Flask
  /// `app` unchanged instead (nothing recorded). False if it did not listen within `timeout`.
  bool start(const std::string& app_file = "",
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void stop();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/centrifugo/channel_events") const;
  /// The record file's lines (one JSON object per request), as written so far.
  std::vector<std::string> records() const;
  /// POST /control {"mode": mode, "count": count}; true when accepted.
  bool set_mode(const std::string& mode, int count = 0);
  /// What the script printed (stdout and stderr).
  std::string log() const;

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string dir_;
};

}  // namespace herald::test
