package redis

import goredis "github.com/redis/go-redis/v9"

// The job's state changes only through these scripts, each atomic in Redis,
// so that no interleaving of workers can queue a URL twice, lose one, or
// end the job while a page is still being crawled. KEYS[1] is the job's key
// prefix; every key of a job shares its hash tag.
//
// The keys, after the prefix:
//
//	cfg           string  the settings that must agree, as JSON
//	s:<b>         hash    bucket b of the seen-set: key hash -> "" (taken), "t"+spelling (a seed
//	                      taken) or "p<d>" (proposed at depth d); see seen_set below
//	sm            hash    the seen-set's shape: l (level), s (split), n (URLs)
//	q             stream  tasks taken, consumer group "g"
//	prop:<d>      list    proposals at depth d: key hash + task
//	pdepths       zset    depths with proposals waiting
//	pend          hash    depth -> tasks taken and not done
//	pdep          zset    depths with tasks pending
//	loaders       zset    workers adding seeds -> lease expiry (ms)
//	workers       zset    workers alive -> lease expiry (ms)
//	claims        string  pages taken (for max-pages)
//	perhost       hash    host -> pages taken (for max-pages-per-host)
//	res           stream  records, field "r"
//	errs          hash    entry ID -> the last error seen for it
//	stage:<id>    list    links of entry id staged before its end: key hash + task
//	drain:<id>    list    links of an ended entry still to be proposed
//	drains        zset    entry IDs whose links are draining -> the entry's depth
//	stats         hash    records, failed, dead
//	skip:<reason> HLL     URLs not followed, by reason
//	robots        hash    origin -> robots.txt file as JSON
//	rlock:<o>     string  who is fetching origin o's robots.txt
//	slots:<o>     zset    requests in flight to origin o -> lease expiry
//	next:<o>      string  when the next request to origin o may start (ms)

// common holds the helpers every frontier script starts with. ARGV[1] and
// ARGV[2] are always the job's max-pages and max-pages-per-host.
const common = `
local P = KEYS[1]
local MAXP = tonumber(ARGV[1])
local MAXH = tonumber(ARGV[2])
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The seen-set is a linear hash table of buckets, each a small hash that
-- Redis keeps as a listpack (about 18 bytes a URL, where one big hash
-- takes 61). Bucket b of level l holds the key hashes whose first 32 bits
-- x have x mod 2^l = b, or x mod 2^(l+1) = b for the buckets below the
-- split pointer. When the set averages SEENLOAD URLs a bucket, the bucket
-- at the pointer is split in two; no bucket then nears the 128 entries
-- past which Redis would convert it to a hash table. A bucket's fields
-- are the 12-byte key hashes without their fourth byte, which the bucket
-- number holds (the level is never below 8).
local SEENLOAD = 40
local SM
local function smeta()
  if not SM then
    local m = redis.call('HMGET', P .. 'sm', 'l', 's', 'n')
    SM = {l = tonumber(m[1]) or 8, s = tonumber(m[2]) or 0, n = tonumber(m[3]) or 0}
  end
  return SM
end
local function bucket_key(b)
  return P .. 's:' .. string.format('%d', b)
end
local function bucket_of(kh)
  local m = smeta()
  local x = struct.unpack('>I4', kh)
  local b = x % 2 ^ m.l
  if b < m.s then b = x % 2 ^ (m.l + 1) end
  return bucket_key(b), string.sub(kh, 1, 3) .. string.sub(kh, 5)
end
local function seen_get(kh)
  local b, f = bucket_of(kh)
  return redis.call('HGET', b, f)
end
local function split()
  local m = smeta()
  local old, low = bucket_key(m.s), m.s % 256
  local all = redis.call('HGETALL', old)
  local moved, del = {}, {}
  for i = 1, #all, 2 do
    local x = struct.unpack('>I3', all[i]) * 256 + low
    if x % 2 ^ (m.l + 1) ~= m.s then
      moved[#moved + 1] = all[i]
      moved[#moved + 1] = all[i + 1]
      del[#del + 1] = all[i]
    end
  end
  if #del > 0 then
    redis.call('HSET', bucket_key(m.s + 2 ^ m.l), unpack(moved))
    redis.call('HDEL', old, unpack(del))
  end
  m.s = m.s + 1
  if m.s == 2 ^ m.l then m.l, m.s = m.l + 1, 0 end
  redis.call('HSET', P .. 'sm', 'l', m.l, 's', m.s)
end
local function seen_set(kh, v)
  local b, f = bucket_of(kh)
  if redis.call('HSET', b, f, v) == 1 then
    local m = smeta()
    m.n = redis.call('HINCRBY', P .. 'sm', 'n', 1)
    if m.n > SEENLOAD * (2 ^ m.l + m.s) then split() end
  end
end
local function lowest(z)
  local r = redis.call('ZRANGE', z, 0, 0)
  if #r == 0 then return nil end
  return tonumber(r[1])
end
local function loading()
  redis.call('ZREMRANGEBYSCORE', P .. 'loaders', '-inf', now_ms())
  return redis.call('ZCARD', P .. 'loaders') > 0
end
-- gate_open: proposals of depth d may be taken once no worker is adding
-- seeds and no page shallower than d-1 is pending.
local function gate_open(d)
  if loading() then return false end
  local lp = lowest(P .. 'pdep')
  return lp == nil or lp >= d - 1
end
local function pend(d, n)
  local c = redis.call('HINCRBY', P .. 'pend', d, n)
  if c <= 0 then
    redis.call('HDEL', P .. 'pend', d)
    redis.call('ZREM', P .. 'pdep', d)
  else
    redis.call('ZADD', P .. 'pdep', d, d)
  end
end
-- decode reads a task, compact ("D N REST URL", see wire) or JSON, or
-- returns nil when it is not a task.
local function decode(task)
  local d, n, rest, u = string.match(task, '^(%d+) (%d+) (%S*) (.+)$')
  if d then
    local t = {u = u, d = tonumber(d)}
    if tonumber(n) > 0 or rest ~= '' then t.p = string.sub(u, 1, tonumber(n)) .. rest end
    return t
  end
  local ok, t = pcall(cjson.decode, task)
  if not ok or type(t) ~= 'table' then return nil end
  return t
end
local function host_of(task)
  if MAXH == 0 then return '' end
  local t = decode(task)
  return t and type(t.h) == 'string' and t.h or ''
end
local function full(host)
  if MAXP > 0 and tonumber(redis.call('GET', P .. 'claims') or '0') >= MAXP then return 'max-pages' end
  if MAXH > 0 and tonumber(redis.call('HGET', P .. 'perhost', host) or '0') >= MAXH then return 'max-pages-per-host' end
  return nil
end
local function count(host)
  redis.call('INCR', P .. 'claims')
  if MAXH > 0 then redis.call('HINCRBY', P .. 'perhost', host, 1) end
end
local function take(kh, d, task, val)
  local host = host_of(task)
  local r = full(host)
  if r then
    redis.call('PFADD', P .. 'skip:' .. r, kh)
    return 0
  end
  seen_set(kh, val)
  count(host)
  redis.call('XADD', P .. 'q', '*', 't', task)
  pend(d, 1)
  return 1
end
-- direct reports whether a link of depth d is taken at once: nothing
-- shallower can still reach it. Taking links does not change the answer,
-- so a page's links, all of one depth, ask once (cached in the table).
local function direct(d, cache)
  if cache[d] == nil then
    local lp = lowest(P .. 'pdepths')
    cache[d] = gate_open(d) and (lp == nil or lp >= d)
  end
  return cache[d]
end
-- propose offers a discovered task: taken at once when nothing shallower
-- can still reach it, else kept as a proposal at its depth.
local function propose(kh, d, task, cache)
  local v = seen_get(kh)
  if v then
    if string.sub(v, 1, 1) ~= 'p' or tonumber(string.sub(v, 2)) <= d then return 0 end
  end
  if MAXP > 0 and tonumber(redis.call('GET', P .. 'claims') or '0') >= MAXP then
    redis.call('PFADD', P .. 'skip:max-pages', kh)
    return 0
  end
  if direct(d, cache) then return take(kh, d, task, '') end
  seen_set(kh, 'p' .. d)
  redis.call('RPUSH', P .. 'prop:' .. d, kh .. task)
  redis.call('ZADD', P .. 'pdepths', d, d)
  return 0
end
-- promote takes up to n proposals of the lowest depth, if its gate is open.
local function promote(n)
  local d = lowest(P .. 'pdepths')
  if d == nil or not gate_open(d) then return 0 end
  local key = P .. 'prop:' .. d
  local taken = 0
  for i = 1, n do
    local e = redis.call('LPOP', key)
    if not e then break end
    local kh = string.sub(e, 1, 12)
    if seen_get(kh) == 'p' .. d then
      taken = taken + take(kh, d, string.sub(e, 13), '')
    end
  end
  if redis.call('LLEN', key) == 0 then redis.call('ZREM', P .. 'pdepths', d) end
  return taken
end
local function drained()
  return not loading() and redis.call('ZCARD', P .. 'pdep') == 0 and redis.call('ZCARD', P .. 'pdepths') == 0
end
-- drain proposes up to n links of the shallowest page whose links are
-- draining; the page stays pending at its depth until its last link is
-- proposed, so that the depth gate stays exact. It returns the links
-- still to drain in the job, 0 when none.
local function drain(n)
  local top = redis.call('ZRANGE', P .. 'drains', 0, 0, 'WITHSCORES')
  if #top == 0 then return 0 end
  local id, d = top[1], tonumber(top[2])
  local key = P .. 'drain:' .. id
  local cache = {}
  local links = redis.call('LPOP', key, n)
  if links then
    for _, e in ipairs(links) do
      propose(string.sub(e, 1, 12), d + 1, string.sub(e, 13), cache)
    end
  end
  if redis.call('LLEN', key) == 0 then
    redis.call('ZREM', P .. 'drains', id)
    redis.call('DEL', key)
    pend(d, -1)
    promote(256)
  end
  return redis.call('ZCARD', P .. 'drains')
end
`

// addSeeds queues seeds. ARGV: maxp, maxh, worker, lease ms, then per seed
// key hash, spelling hash, task. It returns per seed 0 (the same
// spelling was given before: nothing to do), 1 (queued) or 2 (another
// spelling of a page taken: queued to be recorded as its duplicate).
var addSeeds = goredis.NewScript(common + `
redis.call('ZADD', P .. 'loaders', now_ms() + tonumber(ARGV[4]), ARGV[3])
local out = {}
for i = 5, #ARGV, 3 do
  local kh, spell, task = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local v = seen_get(kh)
  if v and string.sub(v, 1, 1) ~= 'p' then
    if v == 't' .. spell then
      out[#out + 1] = 0
    else
      redis.call('XADD', P .. 'q', '*', 't', task, 'dup', '1')
      pend(0, 1)
      out[#out + 1] = 2
    end
  else
    seen_set(kh, 't' .. spell)
    local host = host_of(task)
    local r = full(host)
    if r then
      redis.call('XADD', P .. 'q', '*', 't', task, 'skip', r)
    else
      count(host)
      redis.call('XADD', P .. 'q', '*', 't', task)
    end
    pend(0, 1)
    out[#out + 1] = 1
  end
end
return out
`)

// stage keeps a chunk of the links of an entry not ended yet, for its end
// to take with it: a page's links of any number go to Redis in bounded
// steps, and still become part of the job only with the page's end.
// ARGV: maxp, maxh, entry ID, first (1: drop what an earlier delivery of
// the entry staged), link count, then per link key hash, task, then
// per URL not followed key hash, reason.
var stage = goredis.NewScript(common + `
local key = P .. 'stage:' .. ARGV[3]
if ARGV[4] == '1' then redis.call('DEL', key) end
local links = tonumber(ARGV[5])
local i = 6
for n = 1, links do
  redis.call('RPUSH', key, ARGV[i] .. ARGV[i + 1])
  i = i + 2
end
-- A safety net: the entry's end, its release or its dead letter drops it.
redis.call('PEXPIRE', key, 86400000)
while i < #ARGV do
  redis.call('PFADD', P .. 'skip:' .. ARGV[i + 1], ARGV[i])
  i = i + 2
end
return 1
`)

// drainStep proposes up to ARGV[3] links of pages that ended with staged
// links (ARGV 1 and 2 are maxp, maxh), and returns how many pages still
// have links to drain.
var drainStep = goredis.NewScript(common + `
return drain(tonumber(ARGV[3]))
`)

// finish ends a task: its record stored, its links offered, its entry
// acknowledged, in one step. ARGV: maxp, maxh, entry ID ("" for links
// offered without a task), depth, record JSON ("" for none), failed (0/1),
// staged (1: links were staged for it), link count, then per link key
// hash, depth, task, then per URL not followed key hash, reason. With
// staged links, the given links are staged too and all of them move to a
// drain list, proposed by drain in bounded steps; the entry stays pending
// at its depth until they are. It returns 0 when the entry was
// acknowledged already (this is a retry, or another worker finished it).
var finish = goredis.NewScript(common + `
local id, depth, rec, staged = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[7] == '1'
if id ~= '' then
  if redis.call('XACK', P .. 'q', 'g', id) == 0 then
    redis.call('DEL', P .. 'stage:' .. id)
    return 0
  end
  redis.call('XDEL', P .. 'q', id)
  redis.call('HDEL', P .. 'errs', id)
end
if rec ~= '' then
  redis.call('XADD', P .. 'res', '*', 'r', rec)
  redis.call('HINCRBY', P .. 'stats', 'records', 1)
  if ARGV[6] == '1' then redis.call('HINCRBY', P .. 'stats', 'failed', 1) end
end
local links = tonumber(ARGV[8])
local i = 9
local cache = {}
local skey = P .. 'stage:' .. id
for n = 1, links do
  if staged then
    redis.call('RPUSH', skey, ARGV[i] .. ARGV[i + 2])
  else
    propose(ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2], cache)
  end
  i = i + 3
end
while i < #ARGV do
  redis.call('PFADD', P .. 'skip:' .. ARGV[i + 1], ARGV[i])
  i = i + 2
end
if staged and redis.call('EXISTS', skey) == 1 then
  redis.call('RENAME', skey, P .. 'drain:' .. id)
  redis.call('PERSIST', P .. 'drain:' .. id)
  redis.call('ZADD', P .. 'drains', depth, id)
  drain(256)
  return 1
end
if id ~= '' then pend(depth, -1) end
promote(256)
return 1
`)

// claim hands a worker tasks: new entries first, then entries idle past
// their lease (a worker that stopped), dead-lettering those delivered
// max-deliveries times, then proposals whose gate has opened. ARGV: maxp,
// maxh, worker, count, lease ms, max deliveries. It returns {1, entries},
// {2} when the job is finished, or {0} when there is nothing to do yet.
var claim = goredis.NewScript(common + `
local worker, n, lease, maxdel = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
-- Links of ended pages are drained by whoever asks for work, so that a
-- worker that died while draining holds nothing up.
drain(256)
local function read()
  local r = redis.call('XREADGROUP', 'GROUP', 'g', worker, 'COUNT', n, 'STREAMS', P .. 'q', '>')
  if r then return r[1][2] end
  return {}
end
local e = read()
if #e > 0 then return {1, e} end
local got = {}
for _, x in ipairs(redis.call('XPENDING', P .. 'q', 'g', 'IDLE', lease, '-', '+', n)) do
  local id, deliveries = x[1], tonumber(x[4])
  if deliveries >= maxdel then
    local ent = redis.call('XRANGE', P .. 'q', id, id)
    if #ent > 0 then
      local t = decode(ent[1][2][2]) or {}
      local d = type(t.d) == 'number' and t.d or 0
      if type(t.u) == 'string' and t.u ~= '' then
        local last = redis.call('HGET', P .. 'errs', id) or 'the worker stopped without finishing it'
        local rec = {url = t.u, error = 'dead letter: delivered ' .. deliveries .. ' times; last error: ' .. last, attempts = deliveries}
        if d > 0 then rec.depth = d end
        if type(t.p) == 'string' then rec.parent = t.p end
        redis.call('XADD', P .. 'res', '*', 'r', cjson.encode(rec))
        redis.call('HINCRBY', P .. 'stats', 'records', 1)
        redis.call('HINCRBY', P .. 'stats', 'failed', 1)
        redis.call('HINCRBY', P .. 'stats', 'dead', 1)
      end
      pend(d, -1)
    end
    redis.call('XACK', P .. 'q', 'g', id)
    redis.call('XDEL', P .. 'q', id)
    redis.call('HDEL', P .. 'errs', id)
    redis.call('DEL', P .. 'stage:' .. id)
  else
    for _, c in ipairs(redis.call('XCLAIM', P .. 'q', 'g', worker, lease, id)) do got[#got + 1] = c end
  end
end
if #got > 0 then return {1, got} end
if promote(2048) > 0 then
  e = read()
  if #e > 0 then return {1, e} end
end
if drained() then return {2} end
return {0}
`)

// release hands a worker's unfinished entries back at once: each is
// acknowledged and queued again as a new entry, for any worker to read.
// ARGV: maxp, maxh, then entry IDs.
var release = goredis.NewScript(common + `
local n = 0
for i = 3, #ARGV do
  local id = ARGV[i]
  local ent = redis.call('XRANGE', P .. 'q', id, id)
  if #ent > 0 and redis.call('XACK', P .. 'q', 'g', id) == 1 then
    redis.call('XDEL', P .. 'q', id)
    redis.call('DEL', P .. 'stage:' .. id)
    local nid = redis.call('XADD', P .. 'q', '*', unpack(ent[1][2]))
    local last = redis.call('HGET', P .. 'errs', id)
    if last then
      redis.call('HDEL', P .. 'errs', id)
      redis.call('HSET', P .. 'errs', nid, last)
    end
    n = n + 1
  end
end
return n
`)

// claimKey takes a page reached by a redirect: new, or only proposed so
// far, it is taken now (its proposal is then dropped when its turn comes).
// ARGV: maxp, maxh, the key hash. It returns 1 when taken.
var claimKey = goredis.NewScript(common + `
local kh = ARGV[3]
local v = seen_get(kh)
if v and string.sub(v, 1, 1) ~= 'p' then return 0 end
seen_set(kh, '')
return 1
`)

// acquire lets a request to an origin start, or says how long to wait.
// ARGV: origin, token, per-host limit, interval ms, slot lease ms. It
// returns the ms to wait before asking again (-1: go now). A request that
// may start reserves the next start interval later.
var acquire = goredis.NewScript(`
local P = KEYS[1]
local origin, token, limit, interval, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slots = P .. 'slots:' .. origin
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if redis.call('ZCARD', slots) >= limit then return 10 end
if interval > 0 then
  local nk = P .. 'next:' .. origin
  local next = tonumber(redis.call('GET', nk) or '0')
  if next > now then return next - now end
  redis.call('SET', nk, now + interval, 'PX', interval + 60000)
end
redis.call('ZADD', slots, now + lease, token)
redis.call('PEXPIRE', slots, lease)
return -1
`)
