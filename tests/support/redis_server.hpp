// Real redis-server processes for tests: a free loopback port, a temp dir, no persistence.
// Stop, kill, restart on the same port, freeze (SIGSTOP) and thaw; a 3-master Redis Cluster
// built with `redis-cli --cluster create`, and the slot-migration steps of a reshard.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace herald::test {

class RedisServer {
 public:
  RedisServer() = default;
  ~RedisServer();  ///< SIGKILL, then removes the temp dir
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  /// Starts on a free 127.0.0.1 port with `--save '' --appendonly no` plus `extra_args`;
  /// `cluster` adds --cluster-enabled yes (its bus port, port + 10000, must be free too).
  /// False if it did not answer PING within a few seconds (after a few port retries).
  bool start(std::vector<std::string> extra_args = {}, bool cluster = false);
  /// Starts again on the same port, same arguments and dir (after stop() or kill()).
  bool restart();
  void stop();    ///< SIGTERM and wait
  void kill();    ///< SIGKILL and wait
  void pause();   ///< SIGSTOP: the port still accepts TCP connections, nothing answers
  void resume();  ///< SIGCONT

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  std::string log() const;
  std::string log_path() const { return dir_ + "/redis.log"; }

  /// One command over a fresh blocking connection (2 s timeout), the reply as text:
  /// strings and status as-is, integers in decimal, nil "(nil)", errors "(error) MSG",
  /// arrays as their elements joined by '\n'. "(unreachable)" when it cannot connect.
  std::string command(const std::vector<std::string>& args) const;

 private:
  bool spawn_and_wait();

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string dir_;
  std::vector<std::string> args_;
};

class RedisCluster {
 public:
  /// `masters` servers, `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes`,
  /// then waits until every node reports cluster_state:ok and agrees on the slot owners.
  bool start(size_t masters = 3);
  RedisServer& node(size_t i) { return *nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  std::vector<std::string> addresses() const;
  std::string node_id(size_t i) const;
  /// Index of the node owning `slot` in node `viewer`'s CLUSTER NODES; -1 if none.
  int owner_of(uint16_t slot, size_t viewer = 0) const;
  /// A slot number served by node `i` (the first of its ranges).
  uint16_t a_slot_of(size_t i) const;

  // Moving a slot, step by step, as `redis-cli --cluster reshard` does:
  /// SETSLOT IMPORTING on `to`, then SETSLOT MIGRATING on `from` (now ASK redirects start).
  void begin_migration(uint16_t slot, size_t from, size_t to);
  /// MIGRATE every key of the slot from `from` to `to`.
  void migrate_keys(uint16_t slot, size_t from, size_t to);
  /// SETSLOT NODE `to` on every node (now MOVED redirects), waits until all agree.
  bool finish_migration(uint16_t slot, size_t to);

 private:
  bool wait_agreed(std::chrono::milliseconds timeout);
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace herald::test
