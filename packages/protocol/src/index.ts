export {
  DEFAULT_MAX_DEPTH,
  DepthError,
  EJSON,
  ejsonClone,
  ejsonEquals,
  exceedsDepth,
  fromWireValue,
  toWireValue,
} from './ejson.js';
export type { EncodeOptions } from './encode.js';
export { encode } from './encode.js';
export type { ErrorCode } from './errors.js';
export { ConnectionError, DDPError, formatErrorMessage } from './errors.js';
export type { RandomSource } from './ids.js';
export { alea, RandomStream, randomId, randomSeed, randomString, UNMISTAKABLE_CHARS } from './ids.js';
export * from './messages.js';
export type { ParseOptions, ParseResult, Rejection, RejectionKind, RejectionReason } from './parse.js';
export { connectProblem, parse } from './parse.js';
export { parseRetryHint, withRetryHint } from './retryHint.js';
export { calculateVersion, hasHeartbeat, SUPPORTED_DDP_VERSIONS } from './versions.js';
