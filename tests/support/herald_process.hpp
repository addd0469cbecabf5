// Starts the real `herald` binary for black-box tests: port 0, its stderr captured, the bound
// port read from the "herald started" log line. Stops it with a signal and reports the exit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace herald::test {

/// Path of the built binary (HERALD_BINARY_DIR/cmd/herald).
std::string herald_binary();

/// Writes `text` to a fresh file in a per-test temp dir; returns its path.
std::string write_temp_file(const std::string& name, const std::string& text);

class HeraldProcess {
 public:
  HeraldProcess() = default;
  ~HeraldProcess();
  HeraldProcess(const HeraldProcess&) = delete;
  HeraldProcess& operator=(const HeraldProcess&) = delete;

  /// Starts `herald <args...>` with extra environment; returns false if it failed to start or
  /// printed no "herald started" line within `timeout`.
  bool start(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {},
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Runs `herald <args...>` to completion; returns the exit code, output in `output`.
  static int run(const std::vector<std::string>& args, std::string& output,
                 const std::map<std::string, std::string>& env = {});

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// Everything herald wrote to stderr so far.
  std::string log() const;
  /// Sends `sig` and waits up to `timeout`; returns the exit status (-1 on timeout/kill).
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  /// Waits for exit without sending a signal (-1 on timeout).
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace herald::test
