-- Acd routing: every decision is one call of this script (one round trip, atomic).
-- KEYS[1] = key prefix with hash tag, e.g. "{acd}:"; ARGV[1] = op, ARGV[2] = now (Unix ms), ARGV[3] = random [0,1),
-- ARGV[4] = the deciding node (events about calls owned by another node are also published to that node's channel),
-- ARGV[5] = operation id ('' for queries): a decision retried after a lost reply returns its stored result
-- instead of applying twice (results kept 5 minutes under op:<id>, written atomically with the decision).
-- Returns { error, reason, event... } with events as "kind|time|queue|call|agent|state|wait|handle|detail".
-- The rules mirror InMemoryQueueStore exactly; the contract test suite runs against both.
local P = KEYS[1]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local rnd = tonumber(ARGV[3])
local self_node = ARGV[4]
local opid = ARGV[5]
local HEADS = 32
local NOCAP = 10
local DAY = 86400000
local ev = {}
local owners = {}

local function S(n) return string.format('%.0f', n) end
local function emit(kind, q, call, agent, st, wait, handle, detail)
  local e = table.concat({ kind, S(now), q or '', call or '', agent or '', st or 0, S(wait or 0), S(handle or 0), detail or '' }, '|')
  ev[#ev + 1] = e
  if call and call ~= '' then
    local owner = owners[call]
    if owner == nil then
      owner = redis.call('HGET', P .. 'c:' .. call, 'node') or false
      owners[call] = owner
    end
    if owner and owner ~= self_node then redis.call('PUBLISH', P .. 'ev:' .. owner, e) end
  end
end
local function fail(code, reason) return { code, reason } end
local function done() local r = { 0, '' } for i = 1, #ev do r[#r + 1] = ev[i] end return r end
local function lt(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function split(str, sep)
  local out = {}
  if str == nil or str == '' then return out end
  for part in string.gmatch(str, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end
local function parse_req(str)
  local r = {}
  if str then for sk, lv in string.gmatch(str, '([^,=]+)=(%d+)') do r[#r + 1] = { sk, tonumber(lv) } end end
  return r
end
local function parse_steps(str)
  local steps = {}
  for _, s in ipairs(split(str, ';')) do
    local after, action, level, target = string.match(s, '^(%d+):(%d+):(%d+):(.*)$')
    steps[#steps + 1] = { tonumber(after), tonumber(action), tonumber(level), target }
  end
  return steps
end

-- due index -------------------------------------------------------------------------------------------------
local function set_due(key, at) redis.call('ZADD', P .. 'due', at, key) end
local function cancel_due(key) redis.call('ZREM', P .. 'due', key) end

-- agents ----------------------------------------------------------------------------------------------------
local function avail_add(aid, idle)
  local skills = redis.call('HKEYS', P .. 'as:' .. aid)
  for i = 1, #skills do redis.call('ZADD', P .. 'av:' .. skills[i], idle, aid) end
end
local function avail_remove(aid)
  local skills = redis.call('HKEYS', P .. 'as:' .. aid)
  for i = 1, #skills do redis.call('ZREM', P .. 'av:' .. skills[i], aid) end
end
local function set_state(aid, st, reason)
  local ak = P .. 'a:' .. aid
  local old = tonumber(redis.call('HGET', ak, 'st'))
  if old == 1 then avail_remove(aid) end
  redis.call('HSET', ak, 'st', st, 'rs', reason or '', 'since', S(now))
  if st == 1 then
    redis.call('HSET', ak, 'idle', S(now))
    avail_add(aid, now)
  end
  local call = redis.call('HGET', ak, 'call')
  emit(8, nil, call, aid, st, 0, 0, reason)
  -- Leaving wrap-up concerns the node that owned the agent's last call (it writes that call's record then).
  if old == 4 and st ~= 4 then
    local wnode = redis.call('HGET', ak, 'wnode')
    if wnode and wnode ~= '' and wnode ~= self_node then redis.call('PUBLISH', P .. 'ev:' .. wnode, ev[#ev]) end
  end
end
local function roll_day(ak)
  local day = math.floor(now / DAY)
  if tonumber(redis.call('HGET', ak, 'day') or '-1') ~= day then
    redis.call('HSET', ak, 'day', S(day), 'calls', 0, 'talk', 0)
  end
end

-- calls -----------------------------------------------------------------------------------------------------
local function queue_conf(q)
  local v = redis.call('HMGET', P .. 'q:' .. q, 'strat', 'ring', 'weight', 'maxwait', 'esc', 'req', 'rr', 'sl', 'shortab', 'wrap', 'aht', 'aht0', 'maxlen', 'prio')
  return { strat = v[1], ring = tonumber(v[2]), weight = tonumber(v[3]), maxwait = tonumber(v[4]), esc = v[5], req = v[6], rr = v[7],
           sl = tonumber(v[8]), shortab = tonumber(v[9]), wrap = tonumber(v[10]), aht = tonumber(v[11]), aht0 = tonumber(v[12]),
           maxlen = tonumber(v[13]), prio = tonumber(v[14]) }
end
local function score(prio, enq) return (9 - prio) * 1e13 + enq end
local function delete_call(cid)
  local node = redis.call('HGET', P .. 'c:' .. cid, 'node')
  if node then redis.call('SREM', P .. 'nc:' .. node, cid) end
  redis.call('DEL', P .. 'c:' .. cid)
end

local function eligible(aid, req, cap)
  local names = {}
  for i = 1, #req do names[i] = req[i][1] end
  local lv = redis.call('HMGET', P .. 'as:' .. aid, unpack(names))
  local sum = 0
  for i = 1, #req do
    local l = tonumber(lv[i])
    if not l or l < math.min(req[i][2], cap) then return nil end
    sum = sum + l
  end
  return sum
end

-- call-arrival direction: scan one per-skill available set in idle order, filter, apply the strategy.
local function find_agent(req, cap, qc, exclude)
  local best, bestn = nil, -1
  for i = 1, #req do
    local n = redis.call('ZCARD', P .. 'av:' .. req[i][1])
    if bestn < 0 or n < bestn then best, bestn = req[i][1], n end
  end
  if bestn <= 0 then return nil end
  local strat = qc.strat
  local first = (strat == 'longest-idle')
  local day = math.floor(now / DAY)
  local cands = {}
  local start = 0
  while true do
    local chunk = redis.call('ZRANGE', P .. 'av:' .. best, start, start + 63, 'WITHSCORES')
    if #chunk == 0 then break end
    for i = 1, #chunk, 2 do
      local aid = chunk[i]
      if aid ~= exclude then
        local sum = eligible(aid, req, cap)
        if sum then
          if first then return aid end
          local c = { id = aid, idle = tonumber(chunk[i + 1]), sum = sum, calls = 0, talk = 0 }
          if strat == 'fewest-calls' or strat == 'least-talk-time' then
            local v = redis.call('HMGET', P .. 'a:' .. aid, 'day', 'calls', 'talk')
            if tonumber(v[1]) == day then c.calls = tonumber(v[2]) or 0; c.talk = tonumber(v[3]) or 0 end
          end
          cands[#cands + 1] = c
        end
      end
    end
    start = start + 64
  end
  local n = #cands
  if n == 0 then return nil end
  local pick = 1
  if strat == 'most-skilled' then
    for i = 2, n do if cands[i].sum > cands[pick].sum then pick = i end end
  elseif strat == 'fewest-calls' then
    for i = 2, n do if cands[i].calls < cands[pick].calls then pick = i end end
  elseif strat == 'least-talk-time' then
    for i = 2, n do if cands[i].talk < cands[pick].talk then pick = i end end
  elseif strat == 'random' then
    pick = math.min(n - 1, math.floor(rnd * n)) + 1
  elseif strat == 'weighted-random' then
    local total = 0
    for i = 1, n do total = total + cands[i].sum end
    local target = rnd * total
    local cum = 0
    pick = n
    for i = 1, n do
      cum = cum + cands[i].sum
      if cum > target then pick = i; break end
    end
  elseif strat == 'round-robin' then
    local nxt, fst = nil, 1
    local last = qc.rr
    for i = 1, n do
      local id = cands[i].id
      if lt(id, cands[fst].id) then fst = i end
      if last and last ~= '' and lt(last, id) and (nxt == nil or lt(id, cands[nxt].id)) then nxt = i end
    end
    pick = nxt or fst
  end
  return cands[pick].id
end

local function reserve(aid, cid, q, qc)
  local ck = P .. 'c:' .. cid
  redis.call('HSET', ck, 'st', 'o', 'agent', aid)
  redis.call('HSET', P .. 'a:' .. aid, 'call', cid)
  set_state(aid, 2, nil)
  if qc.strat == 'round-robin' then redis.call('HSET', P .. 'q:' .. q, 'rr', aid) end
  set_due('r|' .. cid, now + qc.ring)
  emit(1, q, cid, aid, 2, now - tonumber(redis.call('HGET', ck, 'enq')), 0, nil)
end

local function schedule_call_due(cid, qc)
  local v = redis.call('HMGET', P .. 'c:' .. cid, 'step', 'qent', 'enq', 'mw')
  local steps = parse_steps(qc.esc)
  local step = tonumber(v[1])
  if step + 1 < #steps then set_due('e|' .. cid, tonumber(v[2]) + steps[step + 2][1]) end
  if qc.maxwait > 0 then set_due('m|' .. cid, tonumber(v[4] or v[3]) + qc.maxwait) end
end

-- offer the call to a free agent, or make it wait with its due items
local function wait_call(cid, q, qc, exclude)
  local ck = P .. 'c:' .. cid
  redis.call('HSET', ck, 'st', 'w', 'agent', '')
  local v = redis.call('HMGET', ck, 'req', 'cap', 'prio', 'enq', 'mem')
  local aid = find_agent(parse_req(v[1]), tonumber(v[2]), qc, exclude)
  if aid then
    reserve(aid, cid, q, qc)
    return
  end
  redis.call('ZADD', P .. 'qw:' .. q, score(tonumber(v[3]), tonumber(v[4])), v[5])
  schedule_call_due(cid, qc)
end

local function merge_req(qreq, ext)
  local map, order = {}, {}
  for _, r in ipairs(parse_req(qreq)) do
    if not map[r[1]] then order[#order + 1] = r[1] end
    map[r[1]] = math.max(map[r[1]] or 0, r[2])
  end
  for _, r in ipairs(parse_req(ext)) do
    if not map[r[1]] then order[#order + 1] = r[1] end
    map[r[1]] = math.max(map[r[1]] or 0, r[2])
  end
  local parts = {}
  for _, k in ipairs(order) do parts[#parts + 1] = k .. '=' .. map[k] end
  return table.concat(parts, ',')
end

local function enter_queue(cid, q, qc)
  qc = qc or queue_conf(q)
  local ck = P .. 'c:' .. cid
  local ext = redis.call('HGET', ck, 'ext')
  redis.call('HSET', ck, 'q', q, 'qent', S(now), 'step', -1, 'cap', NOCAP, 'req', merge_req(qc.req, ext))
  redis.call('HINCRBY', P .. 'qs:' .. q, 'offered', 1)
  emit(0, q, cid, nil, 0, 0, 0, nil)
  local steps = parse_steps(qc.esc)
  local step, cap = -1, NOCAP
  while step + 1 < #steps and steps[step + 2][1] <= 0 and steps[step + 2][2] == 0 do
    step = step + 1
    cap = math.min(cap, steps[step + 1][3])
  end
  redis.call('HSET', ck, 'step', step, 'cap', cap)
  wait_call(cid, q, qc, nil)
end

-- agent-free direction: heads of each of the agent's queues; priority, then weighted wait, then queue name
local function match_agent(aid)
  local v = redis.call('HMGET', P .. 'a:' .. aid, 'st', 'queues')
  if tonumber(v[1]) ~= 1 then return end
  local best, bestq, bestqc, bestprio, bestscore, bestmem = nil, nil, nil, -1, 0, nil
  for _, q in ipairs(split(v[2], ',')) do
    local mems = redis.call('ZRANGE', P .. 'qw:' .. q, 0, HEADS - 1)
    local qc = nil
    for i = 1, #mems do
      local cid = string.sub(mems[i], 13)
      local c = redis.call('HMGET', P .. 'c:' .. cid, 'req', 'cap', 'prio', 'enq')
      if eligible(aid, parse_req(c[1]), tonumber(c[2])) then
        qc = qc or queue_conf(q)
        local prio = tonumber(c[3])
        local sc = (now - tonumber(c[4])) * qc.weight
        if best == nil or prio > bestprio or (prio == bestprio and sc > bestscore) then
          best, bestq, bestqc, bestprio, bestscore, bestmem = cid, q, qc, prio, sc, mems[i]
        end
        break
      end
    end
  end
  if best then
    redis.call('ZREM', P .. 'qw:' .. bestq, bestmem)
    cancel_due('e|' .. best)
    cancel_due('m|' .. best)
    reserve(aid, best, bestq, bestqc)
  end
end

local function end_call(aid, detail)
  local ak = P .. 'a:' .. aid
  local cid = redis.call('HGET', ak, 'call')
  local ck = P .. 'c:' .. cid
  local c = redis.call('HMGET', ck, 'q', 'ans', 'node')
  local q = c[1]
  local qc = queue_conf(q)
  local handle = now - tonumber(c[2])
  local qs = P .. 'qs:' .. q
  redis.call('HINCRBY', qs, 'handled', 1)
  redis.call('HINCRBY', qs, 'handlesum', S(handle))
  local prev = qc.aht or qc.aht0
  redis.call('HSET', P .. 'q:' .. q, 'aht', S(math.floor(prev + 0.2 * (handle + qc.wrap - prev) + 0.5)))
  roll_day(ak)
  redis.call('HINCRBY', ak, 'talk', S(handle))
  emit(6, q, cid, aid, 0, 0, handle, detail)
  delete_call(cid)
  redis.call('HSET', ak, 'call', '', 'wnode', c[3] or '')
  if qc.wrap > 0 then
    set_state(aid, 4, nil)
    set_due('w|' .. aid, now + qc.wrap)
  else
    set_state(aid, 1, nil)
    match_agent(aid)
  end
end

local function complete(cid, aid, outcome)
  local ck = P .. 'c:' .. cid
  local ak = P .. 'a:' .. aid
  local c = redis.call('HMGET', ck, 'q', 'enq')
  local q = c[1]
  local qc = queue_conf(q)
  local enq = tonumber(c[2])
  cancel_due('r|' .. cid)
  if outcome == 0 then
    local wait = now - enq
    redis.call('HSET', ck, 'st', 't', 'ans', S(now))
    redis.call('HSET', ak, 'rna', 0)
    roll_day(ak)
    redis.call('HINCRBY', ak, 'calls', 1)
    local qs = P .. 'qs:' .. q
    redis.call('HINCRBY', qs, 'answered', 1)
    redis.call('HINCRBY', qs, 'waitsum', S(wait))
    if wait <= qc.sl then redis.call('HINCRBY', qs, 'within', 1) end
    emit(2, q, cid, aid, 3, wait, 0, nil)
    set_state(aid, 3, nil)
    return
  end
  local reason = 'ring-no-answer'
  if outcome == 1 then reason = 'rejected' elseif outcome == 2 then reason = 'timed-out' end
  redis.call('HSET', ak, 'call', '')
  local rna = tonumber(redis.call('HGET', ak, 'rna') or '0')
  if outcome ~= 1 then
    rna = rna + 1
    redis.call('HSET', ak, 'rna', rna)
  end
  local limit = tonumber(redis.call('HGET', P .. 'cfg', 'rnalimit') or '3')
  if rna >= limit then set_state(aid, 5, 'ring-no-answer') else set_state(aid, 1, nil) end
  emit(5, q, cid, aid, 0, now - enq, 0, reason)
  wait_call(cid, q, qc, aid)
  match_agent(aid)
end

local function escalate(cid)
  local ck = P .. 'c:' .. cid
  local c = redis.call('HMGET', ck, 'q', 'step', 'cap', 'mem', 'enq')
  local q = c[1]
  local qc = queue_conf(q)
  local steps = parse_steps(qc.esc)
  local step = tonumber(c[2]) + 1
  redis.call('HSET', ck, 'step', step)
  local s = steps[step + 1]
  redis.call('ZREM', P .. 'qw:' .. q, c[4])
  if s[2] == 0 then
    redis.call('HSET', ck, 'cap', math.min(tonumber(c[3]), s[3]))
    wait_call(cid, q, qc, nil)
    return
  end
  cancel_due('m|' .. cid)
  redis.call('HINCRBY', P .. 'qs:' .. q, 'xfer', 1)
  local wait = now - tonumber(c[5])
  if s[2] == 1 then
    emit(4, q, cid, nil, 0, wait, 0, s[4])
    enter_queue(cid, s[4])
  else
    local dest = 'callback'
    if s[2] == 2 then dest = 'voicemail' end
    emit(4, q, cid, nil, 0, wait, 0, dest)
    delete_call(cid)
  end
end

local function run_due(key)
  local kind, id = string.sub(key, 1, 1), string.sub(key, 3)
  if kind == 'w' then
    if tonumber(redis.call('HGET', P .. 'a:' .. id, 'st')) == 4 then
      set_state(id, 1, nil)
      match_agent(id)
    end
    return
  end
  local ck = P .. 'c:' .. id
  local c = redis.call('HMGET', ck, 'st', 'agent', 'lost', 'q', 'mem', 'enq')
  if not c[1] then return end
  if kind == 'r' and c[1] == 'o' then
    if c[3] == '1' then
      delete_call(id)
      redis.call('HSET', P .. 'a:' .. c[2], 'call', '')
      set_state(c[2], 1, nil)
      match_agent(c[2])
    else
      complete(id, c[2], 2)
    end
  elseif kind == 'e' and c[1] == 'w' then
    escalate(id)
  elseif kind == 'm' and c[1] == 'w' then
    redis.call('ZREM', P .. 'qw:' .. c[4], c[5])
    cancel_due('e|' .. id)
    redis.call('HINCRBY', P .. 'qs:' .. c[4], 'xfer', 1)
    emit(4, c[4], id, nil, 0, now - tonumber(c[6]), 0, 'max-wait')
    delete_call(id)
  end
end

local function reap_nodes()
  local dead = redis.call('ZRANGEBYSCORE', P .. 'nodes', '-inf', now)
  table.sort(dead, lt)
  for _, node in ipairs(dead) do
    redis.call('ZREM', P .. 'nodes', node)
    local calls = redis.call('SMEMBERS', P .. 'nc:' .. node)
    table.sort(calls, lt)
    for _, cid in ipairs(calls) do
      local ck = P .. 'c:' .. cid
      local c = redis.call('HMGET', ck, 'st', 'q', 'mem', 'enq', 'agent')
      if c[1] == 'w' then
        redis.call('ZREM', P .. 'qw:' .. c[2], c[3])
        cancel_due('e|' .. cid)
        cancel_due('m|' .. cid)
        redis.call('HINCRBY', P .. 'qs:' .. c[2], 'lost', 1)
        emit(7, c[2], cid, nil, 0, now - tonumber(c[4]), 0, node)
        redis.call('DEL', ck)
      elseif c[1] == 'o' then
        redis.call('HINCRBY', P .. 'qs:' .. c[2], 'lost', 1)
        redis.call('HSET', ck, 'lost', '1')
        emit(7, c[2], cid, c[5], 0, now - tonumber(c[4]), 0, node)
      elseif c[1] == 't' then
        end_call(c[5], 'node-lost')
      end
    end
    redis.call('DEL', P .. 'nc:' .. node)
  end
end

-- operations ------------------------------------------------------------------------------------------------
local function dispatch()
if op == 'agent_state' then
  local aid, target, reason = ARGV[6], tonumber(ARGV[7]), ARGV[8]
  local ak = P .. 'a:' .. aid
  local st = tonumber(redis.call('HGET', ak, 'st'))
  if not st then return fail(1, "unknown agent '" .. aid .. "'") end
  if st == 2 or st == 3 then
    local names = { 'LoggedOut', 'Available', 'Reserved', 'OnCall', 'WrapUp', 'Paused' }
    return fail(6, 'an agent cannot go from ' .. names[st + 1] .. ' to ' .. names[target + 1])
  end
  if st == 4 then cancel_due('w|' .. aid) end
  if st == target and target ~= 5 then return done() end
  if target == 5 and reason == '' then reason = 'paused' end
  if target ~= 5 then reason = nil end
  set_state(aid, target, reason)
  if target == 1 then
    redis.call('HSET', ak, 'rna', 0)
    match_agent(aid)
  end
  return done()
elseif op == 'enqueue' then
  local cid, q, prio, ext, node, arrived = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], tonumber(ARGV[11] or '')
  local qc = queue_conf(q)
  if not qc.strat then return fail(2, "unknown queue '" .. q .. "'") end
  local ck = P .. 'c:' .. cid
  if redis.call('EXISTS', ck) == 1 then return fail(4, "call '" .. cid .. "' is already queued") end
  if qc.maxlen > 0 and redis.call('ZCARD', P .. 'qw:' .. q) >= qc.maxlen then
    return fail(5, "queue '" .. q .. "' is full (" .. qc.maxlen .. " calls)")
  end
  for sk in string.gmatch(ext, '([^,=]+)=') do
    if redis.call('SISMEMBER', P .. 'skills', sk) == 0 then return fail(8, "unknown skill '" .. sk .. "'") end
  end
  local p = qc.prio
  if prio ~= '' then p = tonumber(prio) end
  local seq = redis.call('INCR', P .. 'seq')
  local enq = now
  if arrived and arrived < now then enq = arrived end
  redis.call('HSET', ck, 'prio', p, 'enq', S(enq), 'mw', S(now), 'seq', seq, 'mem', string.format('%012d', seq) .. cid, 'ext', ext, 'node', node, 'agent', '', 'lost', '0')
  redis.call('SADD', P .. 'nc:' .. node, cid)
  enter_queue(cid, q, qc)
  return done()
elseif op == 'abandon' then
  local cid = ARGV[6]
  local ck = P .. 'c:' .. cid
  local c = redis.call('HMGET', ck, 'st', 'q', 'enq', 'agent', 'mem')
  if not c[1] or c[1] == 't' then return fail(3, "call '" .. cid .. "' is not waiting or ringing") end
  local q = c[2]
  local qc = queue_conf(q)
  local wait = now - tonumber(c[3])
  local qs = P .. 'qs:' .. q
  redis.call('HINCRBY', qs, 'abandoned', 1)
  if wait < qc.shortab then redis.call('HINCRBY', qs, 'shortab', 1) end
  local agent = nil
  if c[1] == 'o' then agent = c[4] end
  emit(3, q, cid, agent, 0, wait, 0, nil)
  if c[1] == 'w' then
    redis.call('ZREM', P .. 'qw:' .. q, c[5])
    cancel_due('e|' .. cid)
    cancel_due('m|' .. cid)
  else
    cancel_due('r|' .. cid)
  end
  delete_call(cid)
  if agent then
    redis.call('HSET', P .. 'a:' .. agent, 'call', '')
    set_state(agent, 1, nil)
    match_agent(agent)
  end
  return done()
elseif op == 'complete' then
  local cid, aid, outcome = ARGV[6], ARGV[7], tonumber(ARGV[8])
  local c = redis.call('HMGET', P .. 'c:' .. cid, 'st', 'agent', 'lost')
  if c[1] ~= 'o' or c[2] ~= aid or c[3] == '1' then
    return fail(7, "agent '" .. aid .. "' holds no reservation for call '" .. cid .. "'")
  end
  complete(cid, aid, outcome)
  return done()
elseif op == 'endcall' then
  local aid = ARGV[6]
  local v = redis.call('HMGET', P .. 'a:' .. aid, 'st', 'call')
  if not v[1] then return fail(1, "unknown agent '" .. aid .. "'") end
  if tonumber(v[1]) ~= 3 or not v[2] or v[2] == '' then
    return fail(6, 'agent is not on a call')
  end
  end_call(aid, nil)
  return done()
elseif op == 'due' then
  local max = tonumber(ARGV[6])
  reap_nodes()
  local processed = 0
  while processed < max do
    local item = redis.call('ZRANGEBYSCORE', P .. 'due', '-inf', now, 'LIMIT', 0, 1)
    if #item == 0 then break end
    redis.call('ZREM', P .. 'due', item[1])
    processed = processed + 1
    run_due(item[1])
  end
  return done()
elseif op == 'nextdue' then
  local a = redis.call('ZRANGE', P .. 'due', 0, 0, 'WITHSCORES')
  local b = redis.call('ZRANGE', P .. 'nodes', 0, 0, 'WITHSCORES')
  local best = nil
  if #a > 0 then best = tonumber(a[2]) end
  if #b > 0 and (best == nil or tonumber(b[2]) < best) then best = tonumber(b[2]) end
  if best == nil then return { 0, '' } end
  return { 0, S(best) }
elseif op == 'heartbeat' then
  redis.call('ZADD', P .. 'nodes', now + tonumber(ARGV[7]), ARGV[6])
  return { 0, '' }
elseif op == 'load_agent' then
  local aid, skills, queues = ARGV[6], ARGV[7], ARGV[8]
  local ak = P .. 'a:' .. aid
  local st = tonumber(redis.call('HGET', ak, 'st'))
  if st == 1 then avail_remove(aid) end
  redis.call('DEL', P .. 'as:' .. aid)
  for sk, lv in string.gmatch(skills, '([^,=]+)=(%d+)') do redis.call('HSET', P .. 'as:' .. aid, sk, lv) end
  redis.call('HSET', ak, 'queues', queues)
  if not st then
    redis.call('HSET', ak, 'st', 0, 'rs', '', 'since', S(now), 'idle', S(now), 'call', '', 'rna', 0, 'day', -1, 'calls', 0, 'talk', 0)
  elseif st == 1 then
    avail_add(aid, tonumber(redis.call('HGET', ak, 'idle')))
  end
  redis.call('SADD', P .. 'agents', aid)
  for _, q in ipairs(split(queues, ',')) do redis.call('SADD', P .. 'qa:' .. q, aid) end
  return done()
elseif op == 'position' then
  local cid = ARGV[6]
  local c = redis.call('HMGET', P .. 'c:' .. cid, 'st', 'q', 'mem', 'enq', 'agent')
  if not c[1] then return { 0, '' } end
  local q = c[2]
  local pos = 0
  if c[1] == 'w' then pos = (redis.call('ZRANK', P .. 'qw:' .. q, c[3]) or -1) + 1 end
  local staffed, avail, eff = 0, 0, 0
  for _, aid in ipairs(redis.call('SMEMBERS', P .. 'qa:' .. q)) do
    local v = redis.call('HMGET', P .. 'a:' .. aid, 'st', 'queues')
    local st = tonumber(v[1])
    if st ~= 0 and st ~= 5 then
      staffed = staffed + 1
      eff = eff + 1 / #split(v[2], ',')
    end
    if st == 1 then avail = avail + 1 end
  end
  local qc = queue_conf(q)
  return { 0, '', c[1], q, pos, redis.call('ZCARD', P .. 'qw:' .. q), staffed, avail, S(qc.aht or qc.aht0), c[4], c[5] or '', string.format('%.17g', eff) }
elseif op == 'snapshot' then
  local q = ARGV[6]
  local qc = queue_conf(q)
  if not qc.strat then return { 0, '' } end
  local longest = 0
  for p = 0, 9 do
    local lo = (9 - p) * 1e13
    local head = redis.call('ZRANGEBYSCORE', P .. 'qw:' .. q, S(lo), '(' .. S(lo + 1e13), 'WITHSCORES', 'LIMIT', 0, 1)
    if #head > 0 then longest = math.max(longest, now - (tonumber(head[2]) - lo)) end
  end
  local counts = { 0, 0, 0, 0, 0, 0 }
  local eff = 0
  for _, aid in ipairs(redis.call('SMEMBERS', P .. 'qa:' .. q)) do
    local v = redis.call('HMGET', P .. 'a:' .. aid, 'st', 'queues')
    local st = tonumber(v[1])
    counts[st + 1] = counts[st + 1] + 1
    if st ~= 0 and st ~= 5 then eff = eff + 1 / #split(v[2], ',') end
  end
  local s = redis.call('HMGET', P .. 'qs:' .. q, 'offered', 'answered', 'abandoned', 'shortab', 'within', 'xfer', 'lost', 'waitsum', 'handlesum', 'handled')
  local r = { 0, '', S(redis.call('ZCARD', P .. 'qw:' .. q)), S(longest), S(qc.aht or qc.aht0) }
  for i = 1, 10 do r[#r + 1] = s[i] or '0' end
  for i = 1, 6 do r[#r + 1] = counts[i] end
  r[#r + 1] = string.format('%.17g', eff)
  return r
elseif op == 'agent' then
  local aid = ARGV[6]
  local v = redis.call('HMGET', P .. 'a:' .. aid, 'st', 'rs', 'since', 'call', 'rna', 'day', 'calls', 'talk')
  if not v[1] then return { 0, '' } end
  local calls, talk = '0', '0'
  if tonumber(v[6]) == math.floor(now / DAY) then calls, talk = v[7], v[8] end
  return { 0, '', v[1], v[2], v[3], v[4], v[5], calls, talk }
end
return fail(8, 'unknown op ' .. tostring(op))
end

if opid ~= '' then
  local prev = redis.call('GET', P .. 'op:' .. opid)
  if prev then return cjson.decode(prev) end
end
local result = dispatch()
if opid ~= '' then redis.call('SET', P .. 'op:' .. opid, cjson.encode(result), 'PX', 300000) end
return result
