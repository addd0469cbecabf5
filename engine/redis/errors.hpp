// Client-side failures of the Redis client (as opposed to error replies sent by Redis, which
// arrive as a Reply of type error). One std::error_category so callers can compare codes.
#pragma once

#include <system_error>

namespace herald::redis {

/// Why a command produced no reply. The state callback carries the detailed reason (the
/// server's AUTH error, "Connection refused", ...) once per transition; per-command errors
/// are only these codes, so a burst of failures logs nothing more than the transition.
enum class Errc {
  /// The connection was down (between reconnect attempts) when the command was issued, or
  /// the connection attempt it waited for failed. Nothing was sent.
  not_connected = 1,
  /// The connection broke after the command was sent: it may or may not have executed.
  connection_lost,
  /// No reply within io_timeout; the connection was dropped. It may have executed.
  timeout,
  /// close() was called (or the owner was destroyed) before a reply arrived.
  closed,
  /// Redis Cluster: no slot map yet (discovery failed) or no node serves the key's slot.
  cluster_unavailable,
  /// Redis Cluster: more MOVED/ASK redirects than ClusterOptions::max_redirects.
  too_many_redirects,
};

const std::error_category& error_category();
std::error_code make_error_code(Errc e);

}  // namespace herald::redis

template <>
struct std::is_error_code_enum<herald::redis::Errc> : std::true_type {};
