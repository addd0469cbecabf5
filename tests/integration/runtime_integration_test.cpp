// The node runtime as an operator sees it: a graceful stop that cannot hang on a client that
// never finishes its close handshake, and errors that are reported instead of swallowed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/support/herald_process.hpp"

namespace herald::test {
namespace {

/// Opens a WebSocket with a raw socket and then never reads or answers anything.
int open_silent_websocket(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  const std::string upgrade =
      "GET /connection/websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  if (::send(fd, upgrade.data(), upgrade.size(), 0) != static_cast<ssize_t>(upgrade.size()))
    return -1;
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) head += c;
  if (head.rfind("HTTP/1.1 101", 0) != 0) return -1;
  return fd;
}

TEST(Runtime, StopDoesNotWaitForAClientThatNeverClosesWhenTheTimeoutIsShort) {
  // The WebSocket close handshake may take 5 s; shutdown.timeout is 1 s. Once it is over, the
  // connection left open must not keep the process alive.
  std::string cfg = write_temp_file("short-shutdown.json", R"({
    "http_server": {"port": 0}, "http_api": {"key": "k"},
    "shutdown": {"timeout": "1s"}})");
  HeraldProcess node;
  ASSERT_TRUE(node.start({"-c", cfg})) << node.log();
  int fd = open_silent_websocket(node.port());
  ASSERT_GE(fd, 0);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(node.stop(SIGTERM, std::chrono::seconds(4)), 0) << node.log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  ::close(fd);
}

TEST(Runtime, UnwritablePidFileIsAnError) {
  std::string cfg = write_temp_file("bad-pid.json", R"({
    "http_server": {"port": 0}, "http_api": {"key": "k"},
    "pid_file": "/nonexistent-dir/herald.pid"})");
  std::string out;
  EXPECT_NE(HeraldProcess::run({"-c", cfg}, out), 0);
  EXPECT_NE(out.find("cannot write pid file"), std::string::npos) << out;
}

}  // namespace
}  // namespace herald::test
