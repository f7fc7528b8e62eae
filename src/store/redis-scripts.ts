/**
 * The Redis store's Lua scripts. Each runs atomically in Redis, so replicas never interleave inside
 * one: a reservation checks the limit and records the hold in one step, a settle moves a hold to
 * spent or released in one step. Times come from the caller (ms since the epoch) so every store
 * counts periods and expiries the same way; physical expiries (PX) only collect garbage.
 *
 * Account keys (all share the `{account}` hash tag, so a cluster keeps them in one slot):
 *   …:open    hash  id → JSON SpendRecord (plus `_day`, the UTC day it counts in)
 *   …:days    hash  YYYY-MM-DD → credits spent that day
 *   …:life    string credits spent in all time
 *   …:recent  list  JSON of settled spends, newest last (capped)
 */

/** Shared by the scripts that read usage: turns dead holds into unknown, sums the period. */
const USAGE = `
local function usage(now, first_day, oldest_day)
  local open = {}
  local open_sum = 0
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local r = cjson.decode(all[i + 1])
    if r.state == 'held' and r['until'] ~= nil and tonumber(r['until']) <= now then
      r.state = 'unknown'
      r['until'] = nil
      all[i + 1] = cjson.encode(r)
      redis.call('HSET', KEYS[1], all[i], all[i + 1])
    end
    open_sum = open_sum + tonumber(r.credits)
    open[#open + 1] = all[i + 1]
  end
  local spent = 0
  local days = redis.call('HGETALL', KEYS[2])
  for i = 1, #days, 2 do
    if days[i] < oldest_day then
      redis.call('HDEL', KEYS[2], days[i])
    elseif first_day ~= '' and days[i] >= first_day then
      spent = spent + tonumber(days[i + 1])
    end
  end
  if first_day == '' then spent = tonumber(redis.call('GET', KEYS[3]) or '0') end
  local recent = redis.call('LRANGE', KEYS[4], 0, -1)
  return spent, open_sum, open, recent
end
`;

/** KEYS open, days, life, recent · ARGV now, first_day ('' = lifetime), oldest_day → {spent, open[], recent[]} */
export const USAGE_SCRIPT = `${USAGE}
local spent, _, open, recent = usage(tonumber(ARGV[1]), ARGV[2], ARGV[3])
return {spent, open, recent}
`;

/**
 * KEYS open, days, life, recent · ARGV now, first_day, oldest_day, id, credits, limit ('' = none), record
 * → {ok, spent, open[], recent[]}; an error reply when the id is open already.
 */
export const RESERVE_SCRIPT = `${USAGE}
local now, credits = tonumber(ARGV[1]), tonumber(ARGV[5])
local spent, open_sum, open, recent = usage(now, ARGV[2], ARGV[3])
if redis.call('HEXISTS', KEYS[1], ARGV[4]) == 1 then
  return redis.error_reply('reservation ' .. ARGV[4] .. ' exists already')
end
if ARGV[6] ~= '' and credits > 0 and spent + open_sum + credits > tonumber(ARGV[6]) then
  return {0, spent, open, recent}
end
redis.call('HSET', KEYS[1], ARGV[4], ARGV[7])
open[#open + 1] = ARGV[7]
return {1, spent, open, recent}
`;

/** KEYS open, days, life, recent · ARGV id, outcome, credits ('' = as reserved), now, recent_kept → 1 | 0 */
export const SETTLE_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local r = cjson.decode(raw)
if ARGV[2] == 'unknown' then
  if r.state ~= 'held' then
    if r.state == 'unknown' then return 1 else return 0 end
  end
  r.state = 'unknown'
  r['until'] = nil
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
  return 1
end
redis.call('HDEL', KEYS[1], ARGV[1])
if ARGV[2] == 'spent' then
  local counted = tonumber(r.credits)
  if ARGV[3] ~= '' then counted = tonumber(ARGV[3]) end
  redis.call('HINCRBY', KEYS[2], r._day, counted)
  redis.call('INCRBY', KEYS[3], counted)
  r.credits = counted
  r.state = 'spent'
  r.settled_at = tonumber(ARGV[4])
  r['until'] = nil
  r._day = nil
  redis.call('RPUSH', KEYS[4], cjson.encode(r))
  redis.call('LTRIM', KEYS[4], -tonumber(ARGV[5]), -1)
end
return 1
`;

/**
 * Single use: SET NX with the quote's expiry. A key that outlived its expiry by the caller's clock
 * (clocks differ by a little) is taken over. KEYS quote · ARGV expires_at, now → 1 | 0
 */
export const USE_QUOTE_SCRIPT = `
local exp, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local ttl = math.max(1, exp - now)
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl) then return 1 end
local held = tonumber(redis.call('GET', KEYS[1]) or '0')
if held ~= nil and held <= now then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
  return 1
end
return 0
`;

/** Leases: the value is `until|owner`. KEYS lease · ARGV owner, ttl, now → 1 | 0 */
export const ACQUIRE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  local holder, untl = string.sub(v, sep + 1), tonumber(string.sub(v, 1, sep - 1))
  if holder ~= ARGV[1] and untl > tonumber(ARGV[3]) then return 0 end
end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], (tonumber(ARGV[3]) + ttl) .. '|' .. ARGV[1], 'PX', ttl)
return 1
`;

/** KEYS lease · ARGV owner, ttl, now → 1 | 0 */
export const RENEW_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
if string.sub(v, sep + 1) ~= ARGV[1] then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], (tonumber(ARGV[3]) + ttl) .. '|' .. ARGV[1], 'PX', ttl)
return 1
`;

/** KEYS lease · ARGV owner, channel → 1 | 0; a release is announced to waiters. */
export const RELEASE_SCRIPT = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
if string.sub(v, sep + 1) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], KEYS[1])
return 1
`;
