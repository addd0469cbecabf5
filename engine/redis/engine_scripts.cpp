#include "engine/redis/engine_scripts.hpp"

namespace herald::redis::scripts {

// Store one publication and publish it, atomically. A stored idempotency result short-cuts
// everything. The epoch is kept when the meta hash has one, else the caller's fresh one is
// stored; the offset is HINCRBY of the meta field `s`. Offset 1 means a new epoch (the meta
// was gone): any old stream is dropped first so it cannot mix with the new incarnation.
const Script& add_history() {
  static const Script s(R"lua(
local stream_key, meta_key, result_key = KEYS[1], KEYS[2], KEYS[3]
local payload, max_len, stream_ttl, pubsub = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local meta_ttl, fresh_epoch, publish, result_ttl = ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if result_ttl ~= "" then
  local seen = redis.call("hmget", result_key, "e", "s")
  if seen[1] then
    return {seen[2], seen[1], "1"}
  end
end
local epoch = redis.call("hget", meta_key, "e")
if not epoch then
  epoch = fresh_epoch
  redis.call("hset", meta_key, "e", epoch)
end
local offset = redis.call("hincrby", meta_key, "s", 1)
if meta_ttl ~= "0" then
  redis.call("expire", meta_key, meta_ttl)
end
if offset == 1 then
  redis.call("del", stream_key)
end
redis.call("xadd", stream_key, "MAXLEN", max_len, offset, "d", payload)
redis.call("expire", stream_key, stream_ttl)
if pubsub ~= "" then
  redis.call(publish, pubsub, "__p1:" .. offset .. ":" .. epoch .. "__" .. payload)
end
if result_ttl ~= "" then
  redis.call("hset", result_key, "e", epoch, "s", offset)
  redis.call("expire", result_key, result_ttl)
end
return {offset, epoch, "0"}
)lua");
  return s;
}

// Read the stream position and (optionally) entries. A missing meta gets the caller's fresh
// epoch at offset 0, as a publish would; reading refreshes the meta TTL.
const Script& read_history() {
  static const Script s(R"lua(
local stream_key, meta_key = KEYS[1], KEYS[2]
local with_pubs, start, count, reverse = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local meta_ttl, fresh_epoch = ARGV[5], ARGV[6]
local meta = redis.call("hmget", meta_key, "e", "s")
local epoch, top = meta[1], meta[2]
if not epoch then
  epoch = fresh_epoch
  top = 0
  redis.call("hset", meta_key, "e", epoch)
end
if not top then
  top = 0
end
if meta_ttl ~= "0" then
  redis.call("expire", meta_key, meta_ttl)
end
if with_pubs == "0" then
  return {top, epoch}
end
local cmd
if reverse == "0" then
  cmd = {"xrange", stream_key, start, "+"}
else
  local from = top
  if start ~= "0" then
    from = start
  end
  cmd = {"xrevrange", stream_key, from, "-"}
end
if count ~= "0" then
  cmd[#cmd + 1] = "COUNT"
  cmd[#cmd + 1] = count
end
return {top, epoch, redis.call(unpack(cmd))}
)lua");
  return s;
}

// A publish without history but with an idempotency key: publish once per key and TTL.
const Script& publish_idempotent() {
  static const Script s(R"lua(
local result_key = KEYS[1]
local payload, pubsub, publish, result_ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local seen = redis.call("hmget", result_key, "e", "s")
if seen[1] then
  return {seen[1], seen[2]}
end
local receivers = 0
if pubsub ~= "" then
  receivers = redis.call(publish, pubsub, payload)
end
redis.call("hset", result_key, "e", "")
redis.call("expire", result_key, result_ttl)
return receivers
)lua");
  return s;
}

// Presence: a hash client → ClientInfo and a zset client → expiry (unix seconds); both keys
// live `ttl` after the last add, and readers drop members whose expiry has passed.
const Script& presence_add() {
  static const Script s(R"lua(
local zset_key, hash_key = KEYS[1], KEYS[2]
local ttl, expire_at, client, info = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call("hset", hash_key, client, info)
redis.call("expire", hash_key, ttl)
redis.call("zadd", zset_key, expire_at, client)
redis.call("expire", zset_key, ttl)
return 1
)lua");
  return s;
}

const Script& presence_remove() {
  static const Script s(R"lua(
redis.call("hdel", KEYS[2], ARGV[1])
redis.call("zrem", KEYS[1], ARGV[1])
return 1
)lua");
  return s;
}

const Script& presence_get() {
  static const Script s(R"lua(
local zset_key, hash_key, now = KEYS[1], KEYS[2], ARGV[1]
local gone = redis.call("zrangebyscore", zset_key, "0", now)
if #gone > 0 then
  for i = 1, #gone do
    redis.call("hdel", hash_key, gone[i])
  end
  redis.call("zremrangebyscore", zset_key, "0", now)
end
return redis.call("hgetall", hash_key)
)lua");
  return s;
}

}  // namespace herald::redis::scripts
