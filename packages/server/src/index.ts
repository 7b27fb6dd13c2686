export { DDPError } from '@ddpx/protocol';
export { type CloseOptions, type ConnectionHookHandle, createServer, DDPServer } from './createServer.js';
export { clientAddressOf, HEADER_WHITELIST, whitelistHeaders } from './headers.js';
export { MergeBox } from './mergeBox.js';
export {
  forwardedCountFromEnv,
  type ResumeOptions,
  SERVER_DEFAULTS,
  type ServerOptions,
} from './options.js';
export { closeCodeFor } from './sessionHelpers.js';
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
