-- The records of one subject, as `src/session/ledger.rs` keeps them in memory (the same rules),
-- in the hash KEYS[1]; KEYS[2] is the sorted set of the subjects with a revocation, by the
-- expiry of their last one (what an instance loads when it resynchronises). Each key expires
-- with the last record it holds.
--
-- Fields: `c` the cutoff, "c:<at>:<until>"; `f:<family>` "<generation spent>:<at>:<until>",
-- or "r:<at>:<until>" once revoked; `t:<jti>` "r:<at>:<until>". Every change that revokes is
-- published on ARGV[4] (and returned) as "<c|f|t> <at> <until> <subject length> <subject><id>".
--
-- ARGV[1] the subject, ARGV[2] now, ARGV[3] the most family and `jti` records kept.
local key, revoked_key = KEYS[1], KEYS[2]
local subject = ARGV[1]
local now = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local channel = ARGV[4]
local published = {}

local function int(x)
  return string.format('%d', x)
end

local function announce(kind, at, till, id)
  local message = kind .. ' ' .. int(at) .. ' ' .. int(till) .. ' ' .. int(#subject) .. ' '
    .. subject .. id
  redis.call('PUBLISH', channel, message)
  published[#published + 1] = message
end

-- The records in force; the expired ones go.
local cutoff = nil
local entries = {}
do
  local raw = redis.call('HGETALL', key)
  for i = 1, #raw, 2 do
    local field, value = raw[i], raw[i + 1]
    local state, at, till = string.match(value, '^([^:]+):(%d+):(%d+)$')
    at, till = tonumber(at), tonumber(till)
    if till == nil or till <= now then
      redis.call('HDEL', key, field)
    elseif field == 'c' then
      cutoff = {at = at, till = till}
    else
      entries[#entries + 1] = {field = field, state = state, at = at, till = till}
    end
  end
end

-- Whether a token issued at `at` (-1: without `iat`) is under the cutoff.
local function cut(at)
  return cutoff ~= nil and (at < 0 or at <= cutoff.at)
end

local function find(field)
  for _, entry in ipairs(entries) do
    if entry.field == field then
      return entry
    end
  end
  return nil
end

local function save(entry)
  redis.call('HSET', key, entry.field, entry.state .. ':' .. int(entry.at) .. ':' .. int(entry.till))
end

-- Refuses every token issued at or before `at`, until `till`; the records that covers go.
local function raise_cutoff(at, till)
  if cutoff == nil then
    cutoff = {at = at, till = till}
  else
    cutoff.at = math.max(cutoff.at, at)
    cutoff.till = math.max(cutoff.till, till)
  end
  redis.call('HSET', key, 'c', 'c:' .. int(cutoff.at) .. ':' .. int(cutoff.till))
  local kept = {}
  for _, entry in ipairs(entries) do
    if entry.at <= cutoff.at then
      redis.call('HDEL', key, entry.field)
    else
      kept[#kept + 1] = entry
    end
  end
  entries = kept
  announce('c', cutoff.at, cutoff.till, '')
end

-- Records `state` for `field` (or raises its record to it); past `max` records, the least
-- recently active go under the cutoff.
local function record(field, state, at, till)
  local entry = find(field)
  if entry then
    entry.state = state
    entry.at = math.max(entry.at, at)
    entry.till = math.max(entry.till, till)
    save(entry)
    return entry
  end
  entry = {field = field, state = state, at = at, till = till}
  entries[#entries + 1] = entry
  save(entry)
  while #entries > max do
    local oldest = entries[1].at
    for _, e in ipairs(entries) do
      oldest = math.min(oldest, e.at)
    end
    local last = 0
    for _, e in ipairs(entries) do
      if e.at <= oldest then
        last = math.max(last, e.till)
      end
    end
    raise_cutoff(oldest, last)
  end
  return entry
end

-- Every key expires with the last record it holds.
local function finish()
  local last, last_revoked = 0, 0
  if cutoff then
    last, last_revoked = cutoff.till, cutoff.till
  end
  for _, entry in ipairs(entries) do
    last = math.max(last, entry.till)
    if entry.state == 'r' then
      last_revoked = math.max(last_revoked, entry.till)
    end
  end
  if last == 0 then
    redis.call('DEL', key)
  else
    redis.call('EXPIREAT', key, int(last))
  end
  redis.call('ZREMRANGEBYSCORE', revoked_key, '-inf', int(now))
  if last_revoked == 0 then
    redis.call('ZREM', revoked_key, subject)
  else
    redis.call('ZADD', revoked_key, int(last_revoked), subject)
  end
  -- The set expires with its last revocation.
  local top = redis.call('ZRANGE', revoked_key, -1, -1, 'WITHSCORES')
  if #top == 0 then
    redis.call('DEL', revoked_key)
  else
    redis.call('EXPIREAT', revoked_key, top[2])
  end
end
