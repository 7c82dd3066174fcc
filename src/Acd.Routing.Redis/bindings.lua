-- Acd registration bindings. KEYS[1] = prefix with hash tag. ARGV[1] = op, ARGV[2] = now (Unix ms).
-- reg:<aor> hash: contact URI -> "expiresMs\ncallId\ncseq\nq\nnode\ntransport\nsource\naor\ncontact"; regexp zset: aor.."\n"..uri by expiry.
local P = KEYS[1]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local function fields(v)
  local out = {}
  for part in string.gmatch(v .. '\n', '([^\n]*)\n') do out[#out + 1] = part end
  return out
end
if op == 'update' then
  local aor, contact, exp, callid, cseq, value = ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), ARGV[8]
  local key = P .. 'reg:' .. aor
  local old = redis.call('HGET', key, contact)
  if old then
    local f = fields(old)
    if tonumber(f[1]) > now and f[2] == callid and cseq <= tonumber(f[3]) then return 1 end
  end
  if exp <= now then
    redis.call('HDEL', key, contact)
    redis.call('ZREM', P .. 'regexp', aor .. '\n' .. contact)
    return 2
  end
  redis.call('HSET', key, contact, value)
  redis.call('ZADD', P .. 'regexp', exp, aor .. '\n' .. contact)
  return 0
elseif op == 'remove' then
  local aor, contact = ARGV[3], ARGV[4]
  redis.call('ZREM', P .. 'regexp', aor .. '\n' .. contact)
  return redis.call('HDEL', P .. 'reg:' .. aor, contact)
elseif op == 'removeall' then
  local aor = ARGV[3]
  local contacts = redis.call('HKEYS', P .. 'reg:' .. aor)
  for _, c in ipairs(contacts) do redis.call('ZREM', P .. 'regexp', aor .. '\n' .. c) end
  redis.call('DEL', P .. 'reg:' .. aor)
  return #contacts
elseif op == 'get' then
  local all = redis.call('HGETALL', P .. 'reg:' .. ARGV[3])
  local out = {}
  for i = 1, #all, 2 do
    local f = fields(all[i + 1])
    if tonumber(f[1]) > now then out[#out + 1] = all[i]; out[#out + 1] = all[i + 1] end
  end
  return out
elseif op == 'purge' then
  local due = redis.call('ZRANGEBYSCORE', P .. 'regexp', '-inf', now)
  for _, m in ipairs(due) do
    local nl = string.find(m, '\n', 1, true)
    redis.call('HDEL', P .. 'reg:' .. string.sub(m, 1, nl - 1), string.sub(m, nl + 1))
    redis.call('ZREM', P .. 'regexp', m)
  end
  return #due
end
return redis.error_reply('unknown op')
