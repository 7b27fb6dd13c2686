export { DDPError } from '@ddpx/protocol';
export { closeCodeFor, sockjsCloseCode } from './closeCodes.js';
export { type CloseOptions, type ConnectionHookHandle, createServer, DDPServer } from './createServer.js';
export { clientAddressOf, HEADER_WHITELIST, whitelistHeaders } from './headers.js';
export { MemoryBus } from './memoryBus.js';
export { MemoryCluster, memoryStore } from './memoryStore.js';
export { MergeBox } from './mergeBox.js';
export {
  forwardedCountFromEnv,
  type ResumeOptions,
  SERVER_DEFAULTS,
  type ServerOptions,
} from './options.js';
export {
  defaultRateLimitMessage,
  RATE_LIMIT_DEFAULTS,
  type RateLimitCallback,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimitInput,
  type RateLimitMatcher,
  type RateLimitMessage,
  type RateLimitReply,
} from './rateLimiter.js';
export {
  type Bus,
  type BusHandler,
  type ClusterSession,
  hashResumeToken,
  type MethodClaim,
  type SessionRecord,
  type SessionStore,
  type StoredSessionState,
  type StoredSubscription,
  tokenHashMatches,
} from './store.js';
export type {
  CloseReason,
  Connection,
  MethodHandler,
  MethodInvocation,
  PublicationContext,
  PublicationHandler,
  ResumeRefusal,
  ServerEvents,
  ServerListener,
  TransportKind,
} from './types.js';
