// Settings and notifications shared by Connection, PubSub and ClusterClient.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace herald::redis {

/// Transitions reported to the owner, each once (never per command), on the client's strand.
enum class Event {
  up,    ///< connected and handshake done (AUTH/SELECT/CLIENT SETNAME/PING answered)
  down,  ///< connection lost or attempt failed; reason says why; reconnecting with backoff
  /// PubSub only: after a reconnect, every remembered subscription is confirmed again.
  /// Messages published while down were missed: positioned subscribers must re-check.
  resubscribed,
};
std::string_view to_string(Event e);

/// (event, reason): reason is "" for up, the cause for down ("Connection refused",
/// "AUTH failed: WRONGPASS ...", "no reply within io_timeout (4000 ms)").
using StateCallback = std::function<void(Event event, const std::string& reason)>;

struct Options {
  /// One connection attempt — name resolution, TCP connect and the handshake — must finish
  /// within this, or it fails and the next attempt is scheduled. 1 s: loopback/LAN Redis
  /// answers in well under a millisecond; a stuck attempt should not hold commands long.
  std::chrono::milliseconds connect_timeout{1000};
  /// A sent command with no reply within this fails with Errc::timeout, and the connection is
  /// dropped and reconnected (a reply may still be on its way; we cannot match it any more).
  /// 4 s: long enough for slow Lua scripts and big reads, short enough to notice a hung node.
  std::chrono::milliseconds io_timeout{4000};
  /// AUTH credentials; empty ⇒ taken from the Address (URL). user empty ⇒ "AUTH password".
  std::string user;
  std::string password;
  /// SELECT this db after connecting; -1 ⇒ the Address' db (0 by default ⇒ no SELECT).
  int db = -1;
  /// CLIENT SETNAME after connecting (shows in CLIENT LIST); empty ⇒ not sent.
  std::string client_name;
  /// Reconnect delays grow exponentially from reconnect_min to reconnect_max, each with
  /// random jitter (half fixed, half random) so many clients do not reconnect in lockstep.
  std::chrono::milliseconds reconnect_min{50};
  std::chrono::milliseconds reconnect_max{5000};
  /// An idle connection (nothing in flight) sends PING this often, so a dead or frozen
  /// server is noticed within health_check_interval + io_timeout even without traffic.
  /// 0 disables. 1 s costs one tiny round trip per second per connection.
  std::chrono::milliseconds health_check_interval{1000};
};

/// Counters, readable from any thread.
struct Stats {
  uint64_t writes = 0;      ///< write(2) calls on the socket (pipelining proof)
  uint64_t flushes = 0;     ///< strand turns that issued at least one queued command
  uint64_t commands = 0;    ///< commands handed to hiredis
  uint64_t connects = 0;    ///< successful handshakes (1 + reconnects)
  uint64_t timeouts = 0;    ///< connections dropped for io_timeout
};

}  // namespace herald::redis
