export { cutAtNth } from './cutAtNth.js';
export {
  type CutMatcher,
  type Direction,
  type FaultProxy,
  type ProxyTarget,
  type RetargetOptions,
  startFaultProxy,
} from './faultProxy.js';
export {
  closeRawClients,
  type Frame,
  RawClient,
  type RawClientOptions,
  rawUrl,
} from './rawClient.js';
export { startRedisServer, type TestRedisServer } from './redisServer.js';
export {
  type ScriptedMethod,
  ScriptedServer,
  type ScriptedServerOptions,
  type ScriptedSub,
} from './scriptedServer.js';
export { sleep, until } from './until.js';
