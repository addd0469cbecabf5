// A Lua script run by its SHA1 (EVALSHA), falling back to EVAL when Redis does not know it
// yet (NOSCRIPT: a fresh or restarted server, SCRIPT FLUSH, a failover) — transparently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/redis/reply.hpp"

namespace herald::redis {

class Connection;

/// Lowercase hex SHA1, as Redis names scripts.
std::string sha1_hex(std::string_view data);

/// Immutable and cheap to copy (the source is shared). Thread-safe.
class Script {
 public:
  explicit Script(std::string source);

  const std::string& source() const { return data_->source; }
  const std::string& sha1() const { return data_->sha1; }

  /// EVALSHA sha1 numkeys keys... args...; on a NOSCRIPT error reply, EVAL with the source
  /// (which also caches it on that server), and `callback` gets that result. Error replies of
  /// the script itself are passed through. The arguments are copied once, for the fallback.
  /// For Redis Cluster every key must hash to one slot; send through
  /// ClusterClient::sender_for(keys[0]).
  void run(const Sender& send, std::vector<std::string> keys, std::vector<std::string> args,
           ReplyCallback callback) const;
  void run(Connection& connection, std::vector<std::string> keys, std::vector<std::string> args,
           ReplyCallback callback) const;

 private:
  struct Data {
    std::string source;
    std::string sha1;
  };
  std::shared_ptr<const Data> data_;
};

}  // namespace herald::redis
