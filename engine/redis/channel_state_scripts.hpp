// The Lua scripts of channel state events on Redis (actors/partition/README.md maps every
// transition of PartitionState, the executable specification, to these keys and scripts).
//
// Partition keys share the hash tag of their partition, `{<prefix>.cs.<p>}` (below: B):
//   B:m:<channel>   hash   client → "<expire_ms>|<node uid>|<ClientInfo protobuf>"
//   B:exp           zset   "<channel>\0<client>" scored by expire_ms
//   B:node:<uid>    set    "<channel>\0<client>" of that node's members
//   B:occ           hash   occupied channel → gen of its `occupied`
//   B:pend          zset   pending channel scored by the due time of its `vacated`
//   B:why           hash   pending channel → reason of the removal that emptied it
//   B:meta          hash   s (counter S), seq (last log position), emitted, dropped
//   B:log           stream the undelivered events, entry id 0-<seq>, fields c t g m r
//   B:lease         string uid of the node owning the partition (PX lease)
// Cluster-wide keys share `{<prefix>.cs}` (below: G):
//   G:nodes         zset   node uid scored by the end of its last lease (unix ms)
//   G:node:<uid>    string a live node's lease (PX node_lease)
//   G:config        hash   num_partitions of the state kept under this prefix
// No key has a TTL (leases aside): eviction loses state, hence the maxmemory-policy warning.
//
// Times and the initial counter come from the caller (ARGV): the node's clock, as
// PartitionState takes them. A missing S or seq starts from the initial counter (the clock in
// µs), so that generations and positions keep growing even if Redis lost its data.
#pragma once

#include "engine/redis/script.hpp"

namespace herald::redis::scripts {

// Partition transitions. KEYS[1] = B:meta; ARGV[1] = B, ARGV[2] = now_ms, ARGV[3] =
// vacated_delay_ms, ARGV[4] = max_log, ARGV[5] = initial counter. Every one answers
// {emitted, dropped, next_due_ms | -1, backlog, oldest_ms | -1}.

/// ARGV[6] = node uid, then 5 per change: "a" channel client ttl_ms info | "r" channel
/// client reason "". Adds and removes in order (each one PartitionState::add / remove).
const Script& state_apply();
/// ARGV[6] = limit of lapsed entries removed per call, ARGV[7...] = dead node uids.
const Script& state_sweep();
/// ARGV[6] = limit of vacated events fired per call.
const Script& state_fire_due();

// The log. KEYS[1] = B:log.

/// ARGV[1] = after (0 = from the head), ARGV[2] = count. Answers
/// {backlog, oldest_ms | -1, [[id, [field, value, ...]], ...]}.
const Script& state_read();
/// ARGV[1] = the first id to keep ("0-<up_to + 1>"). Answers {backlog, oldest_ms | -1}.
const Script& state_ack();

// Ownership.

/// KEYS[1] = G:nodes; ARGV[1] = G, ARGV[2] = uid, ARGV[3] = lease_ms, ARGV[4] = now_ms,
/// ARGV[5] = how long a lapsed node stays listed (ms). Renews the node's lease; answers
/// {1 if it was still alive | 0, stored num_partitions | "", [live uids], [lapsed uids]}.
const Script& state_heartbeat();
/// KEYS[1] = G:nodes; ARGV[1] = G, ARGV[2] = uid, ARGV[3] = now_ms. Ends the node's lease
/// now: the others see it lapsed at their next heartbeat and sweep its entries.
const Script& state_leave();
/// KEYS[1] = B:lease; ARGV[1] = uid, ARGV[2] = lease_ms, ARGV[3] = "take" (acquire if free,
/// renew if ours), "release" (delete if ours) or "probe". Answers {1 if ours | 0, holder | ""}.
const Script& state_lease();

}  // namespace herald::redis::scripts
