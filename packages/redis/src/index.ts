export { RedisBus } from './redisBus.js';
export { REDIS_STORE_DEFAULTS, RedisStore, type RedisStoreOptions, redisStore } from './redisStore.js';
