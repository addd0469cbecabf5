// The channel state scripts (see channel_state_scripts.hpp). Each partition transition is the
// Lua twin of PartitionState's method of the same name (actors/partition/partition_state.cpp):
// same checks in the same order, same events; tests/actors/partition/redis_partition_store_test
// runs both side by side on random operations and compares what they emit.
#include "engine/redis/channel_state_scripts.hpp"

#include <string>

namespace herald::redis::scripts {

namespace {

// Shared by apply, sweep and fire_due. Lua 5.1 numbers are doubles: times (~2^41), the
// counter and positions (µs-based, ~2^51) stay exact below 2^53, and int() writes them as
// plain decimals (tostring would use %.14g).
constexpr const char* kPrelude = R"lua(
local meta = KEYS[1]
local base, now, delay, max_log = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local initial = tonumber(ARGV[5])
local k_exp, k_occ, k_pend, k_why, k_log =
  base .. ":exp", base .. ":occ", base .. ":pend", base .. ":why", base .. ":log"
local emitted, dropped = 0, 0
local S, SEQ

local function int(x) return string.format("%d", x) end

local function counters()
  if S then return end
  local v = redis.call("hmget", meta, "s", "seq")
  S = tonumber(v[1]) or initial
  SEQ = tonumber(v[2]) or initial
end

-- occupied takes the next odd number above S, vacated the next even one.
local function next_gen(odd)
  counters()
  local g = S + 1
  if (g % 2 == 1) ~= odd then g = g + 1 end
  S = g
  return g
end

-- Appends an event; a full log loses its oldest entries first, counted as dropped.
local function emit(ch, t, g, reason)
  counters()
  local n = redis.call("xlen", k_log)
  if n >= max_log then
    redis.call("xtrim", k_log, "MAXLEN", int(max_log - 1))
    dropped = dropped + (n - max_log + 1)
  end
  SEQ = SEQ + 1
  redis.call("xadd", k_log, "0-" .. int(SEQ), "c", ch, "t", t, "g", int(g), "m", int(now),
             "r", reason)
  emitted = emitted + 1
end

-- "<channel>\0<client>": the client id never holds a NUL, so the last one splits.
local function split(m) return string.match(m, "^(.*)%z([^%z]*)$") end
local function node_of(v) return string.match(v, "^[^|]*|([^|]*)|") end

-- PartitionState::erase_member: drops a member from every index; the last one makes its
-- channel pending (due now + delay, with the reason).
local function erase(ch, client, reason)
  local mk = base .. ":m:" .. ch
  local v = redis.call("hget", mk, client)
  if not v then return false end
  local member = ch .. "\0" .. client
  redis.call("hdel", mk, client)
  redis.call("zrem", k_exp, member)
  local node = node_of(v)
  if node then redis.call("srem", base .. ":node:" .. node, member) end
  if redis.call("exists", mk) == 1 then return true end
  if redis.call("hexists", k_occ, ch) == 0 then return true end
  redis.call("zadd", k_pend, int(now + delay), ch)
  redis.call("hset", k_why, ch, reason)
  return true
end

local function oldest()
  local first = redis.call("xrange", k_log, "-", "+", "COUNT", 1)
  if #first == 0 then return -1 end
  local f = first[1][2]
  for i = 1, #f - 1, 2 do
    if f[i] == "m" then return tonumber(f[i + 1]) end
  end
  return -1
end

-- Saves the counters and answers what the call did and what comes next.
local function finish()
  if S then redis.call("hset", meta, "s", int(S), "seq", int(SEQ)) end
  if emitted > 0 then redis.call("hincrby", meta, "emitted", emitted) end
  if dropped > 0 then redis.call("hincrby", meta, "dropped", dropped) end
  local due = -1
  local e = redis.call("zrange", k_exp, 0, 0, "WITHSCORES")
  if e[2] then due = tonumber(e[2]) end
  local p = redis.call("zrange", k_pend, 0, 0, "WITHSCORES")
  if p[2] and (due < 0 or tonumber(p[2]) < due) then due = tonumber(p[2]) end
  return {emitted, dropped, due, redis.call("xlen", k_log), oldest()}
end
)lua";

std::string with_prelude(const char* body) { return std::string(kPrelude) + body; }

}  // namespace

const Script& state_apply() {
  static const Script s(with_prelude(R"lua(
-- PartitionState::add: upsert the member (moving its node index entry), cancel a pending
-- vacated without any event, emit occupied unless the channel already is.
local function add(ch, client, ttl, info, node)
  local mk = base .. ":m:" .. ch
  local member = ch .. "\0" .. client
  local old = redis.call("hget", mk, client)
  if old then
    local was = node_of(old)
    if was and was ~= node then redis.call("srem", base .. ":node:" .. was, member) end
  end
  local expire = int(now + ttl)
  redis.call("hset", mk, client, expire .. "|" .. node .. "|" .. info)
  redis.call("zadd", k_exp, expire, member)
  redis.call("sadd", base .. ":node:" .. node, member)
  if redis.call("zrem", k_pend, ch) == 1 then redis.call("hdel", k_why, ch) end
  if redis.call("hexists", k_occ, ch) == 1 then return end
  local g = next_gen(true)
  redis.call("hset", k_occ, ch, int(g))
  emit(ch, "o", g, "")
end

local node = ARGV[6]
for i = 7, #ARGV - 4, 5 do
  if ARGV[i] == "a" then
    add(ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3]), ARGV[i + 4], node)
  else
    erase(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  end
end
return finish()
)lua"));
  return s;
}

const Script& state_sweep() {
  static const Script s(with_prelude(R"lua(
-- PartitionState::sweep: every member of a dead node (node_lost), then every lapsed one
-- (presence_expired), at most `limit` of those per call (the answer's due time says more
-- are waiting).
local limit = tonumber(ARGV[6])
for i = 7, #ARGV do
  local nk = base .. ":node:" .. ARGV[i]
  for _, m in ipairs(redis.call("smembers", nk)) do
    local ch, client = split(m)
    if ch then erase(ch, client, "node_lost") end
  end
  redis.call("del", nk)
end
for _, m in ipairs(redis.call("zrangebyscore", k_exp, "-inf", int(now), "LIMIT", 0, limit)) do
  local ch, client = split(m)
  if not (ch and erase(ch, client, "presence_expired")) then
    redis.call("zrem", k_exp, m)  -- an index entry without its member: never left behind
  end
end
return finish()
)lua"));
  return s;
}

const Script& state_fire_due() {
  static const Script s(with_prelude(R"lua(
-- PartitionState::fire_due: each pending channel whose time has come stops pending; if it
-- is still empty and occupied, it is vacated with the reason of its last removal.
local limit = tonumber(ARGV[6])
for _, ch in ipairs(redis.call("zrangebyscore", k_pend, "-inf", int(now), "LIMIT", 0, limit)) do
  redis.call("zrem", k_pend, ch)
  local reason = redis.call("hget", k_why, ch) or "unsubscribe"
  redis.call("hdel", k_why, ch)
  if redis.call("exists", base .. ":m:" .. ch) == 0 and redis.call("hdel", k_occ, ch) == 1 then
    emit(ch, "v", next_gen(false), reason)
  end
end
return finish()
)lua"));
  return s;
}

namespace {

constexpr const char* kLogStatus = R"lua(
local log = KEYS[1]
local function oldest()
  local first = redis.call("xrange", log, "-", "+", "COUNT", 1)
  if #first == 0 then return -1 end
  local f = first[1][2]
  for i = 1, #f - 1, 2 do
    if f[i] == "m" then return tonumber(f[i + 1]) end
  end
  return -1
end
)lua";

}  // namespace

const Script& state_read() {
  static const Script s(std::string(kLogStatus) + R"lua(
local from = "-"
if ARGV[1] ~= "0" then from = "(0-" .. ARGV[1] end
local entries = redis.call("xrange", log, from, "+", "COUNT", ARGV[2])
return {redis.call("xlen", log), oldest(), entries}
)lua");
  return s;
}

const Script& state_ack() {
  static const Script s(std::string(kLogStatus) + R"lua(
redis.call("xtrim", log, "MINID", ARGV[1])
return {redis.call("xlen", log), oldest()}
)lua");
  return s;
}

const Script& state_heartbeat() {
  static const Script s(R"lua(
local nodes = KEYS[1]
local base, uid, lease, now, keep = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]),
  tonumber(ARGV[5])
local function int(x) return string.format("%d", x) end
local key = base .. ":node:" .. uid
local alive = redis.call("exists", key)
redis.call("set", key, "1", "PX", int(lease))
redis.call("zadd", nodes, int(now + lease), uid)
redis.call("zremrangebyscore", nodes, "-inf", int(now - keep))
local live, lapsed = {}, {}
for _, u in ipairs(redis.call("zrange", nodes, 0, -1)) do
  if redis.call("exists", base .. ":node:" .. u) == 1 then
    live[#live + 1] = u
  else
    lapsed[#lapsed + 1] = u
  end
end
local np = redis.call("hget", base .. ":config", "num_partitions") or ""
return {alive, np, live, lapsed}
)lua");
  return s;
}

const Script& state_leave() {
  static const Script s(R"lua(
redis.call("del", ARGV[1] .. ":node:" .. ARGV[2])
if redis.call("zscore", KEYS[1], ARGV[2]) then
  redis.call("zadd", KEYS[1], ARGV[3], ARGV[2])
end
return 1
)lua");
  return s;
}

const Script& state_lease() {
  static const Script s(R"lua(
local key, uid, lease, action = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local holder = redis.call("get", key)
if action == "take" then
  if not holder then
    redis.call("set", key, uid, "PX", lease)
    return {1, uid}
  end
  if holder == uid then
    redis.call("pexpire", key, lease)
    return {1, uid}
  end
  return {0, holder}
end
if action == "release" then
  if holder == uid then redis.call("del", key) end
  return {0, ""}
end
if holder == uid then return {1, uid} end
return {0, holder or ""}
)lua");
  return s;
}

}  // namespace herald::redis::scripts
