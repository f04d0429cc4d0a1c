"""The Lua scripts of the distributed crawl: each is one atomic step on Redis (see
`crawler.distributed` for the keys they touch)."""

# Pop from the site whose turn comes first (a worker never waits for one site while another has
# work), its highest-priority request, into the worker's processing hash: "score\nqueue\ndata".
# KEYS: processing hash, task-id counter, then each site's queue and turn key in pairs.
POP = """
local best, best_at, best_score = nil, nil, nil
for i = 3, #KEYS, 2 do
  local top = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
  if #top > 0 then
    local at = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
    local score = tonumber(top[2])
    if best == nil or at < best_at or (at == best_at and score < best_score) then
      best, best_at, best_score = i, at, score
    end
  end
end
if best == nil then return nil end
local top = redis.call('ZRANGE', KEYS[best], 0, 0, 'WITHSCORES')
redis.call('ZREM', KEYS[best], top[1])
local id = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], id, top[2] .. '\\n' .. KEYS[best] .. '\\n' .. top[1])
return {id, top[1]}
"""
# Put a dead worker's in-flight requests back in their sites' queues, atomically.
REQUEUE = """
local entries = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(entries) do
  local a = string.find(entry, '\\n', 1, true)
  local b = string.find(entry, '\\n', a + 1, true)
  redis.call('ZADD', string.sub(entry, a + 1, b - 1), tonumber(string.sub(entry, 1, a - 1)),
    string.sub(entry, b + 1))
end
redis.call('DEL', KEYS[1])
return #entries
"""
# Schedule a request: the dupefilter's SADD and the queue's ZADD together (a worker killed
# between the two would leave a URL "seen" that nobody fetches), and a popped request coming
# back (a retry) replaces its processing entry in the same step.
ENQUEUE = """
local added = 0
if ARGV[1] == '1' or redis.call('SADD', KEYS[2], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
  added = 1
end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
return added
"""
# KEYS: the sites' queues (ARGV[1] of them), then the workers' processing hashes.
OUTSTANDING = """
local queues = tonumber(ARGV[1])
local n = 0
for i = 1, #KEYS do
  if i <= queues then n = n + redis.call('ZCARD', KEYS[i]) else n = n + redis.call('HLEN', KEYS[i]) end
end
return n
"""
# Take a site's turn: 0 (go now; the next turn is `delay` from now) or the microseconds until
# the next turn (wait, then try again). Taken at the moment of sending, not reserved ahead: a
# reservation that a busy worker sends late would bunch with the next worker's.
TAKE_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local next = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < next then return next - now end
redis.call('SET', KEYS[1], string.format('%d', now + tonumber(ARGV[1])), 'PX', ARGV[2])
return 0
"""
