/**
 * The Lua scripts the store runs, each one atomic on the Redis server. Keys they touch beyond KEYS
 * (a process's liveness key) are built from a prefix argument, so the store targets a single Redis
 * (or a primary with replicas), not Redis Cluster.
 */

/**
 * Admits a method id once. KEYS[1] the session's method hash; ARGV: method id, this process id, ttl
 * ms, liveness key prefix. Returns `{'claimed', previousOwnerDied}`, `{'running', owner}` or
 * `{'done', framesJson}`. A claim whose owner's liveness key expired is taken over (at-least-once).
 */
export const CLAIM_METHOD = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then
  redis.call('HSET', KEYS[1], ARGV[1], 'r:' .. ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'claimed', '0'}
end
if string.sub(v, 1, 2) == 'r:' then
  local owner = string.sub(v, 3)
  if owner ~= ARGV[2] and redis.call('EXISTS', ARGV[4] .. owner) == 0 then
    redis.call('HSET', KEYS[1], ARGV[1], 'r:' .. ARGV[2])
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    return {'claimed', '1'}
  end
  return {'running', owner}
end
return {'done', string.sub(v, 3)}
`;

/**
 * Takes a session over if its owner is still the expected one. KEYS[1] the session hash, KEYS[2] its
 * method hash; ARGV: expected owner, new owner, ttl ms, takeover channel prefix. Publishes the session
 * id to the previous owner's takeover channel. Returns 1 when taken, 0 otherwise.
 */
export const TAKE_SESSION = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner == false or owner ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'state', 'established')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if owner ~= '' and owner ~= ARGV[2] then
  redis.call('PUBLISH', ARGV[4] .. owner, string.sub(KEYS[1], string.len(ARGV[5]) + 1))
end
return 1
`;

/**
 * Patches fields of a session this process still owns. KEYS[1] the session hash; ARGV[1] this
 * process id, then field/value pairs. Returns 1 when applied, 0 when the session is gone or moved.
 */
export const PATCH_SESSION = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
`;
