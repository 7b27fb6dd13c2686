export * from './messages.js';
export { parse, connectProblem } from './parse.js';
export type { ParseOptions, ParseResult, Rejection, RejectionKind, RejectionReason } from './parse.js';
export { encode } from './encode.js';
export {
  toWireValue,
  fromWireValue,
  ejsonEquals,
  ejsonClone,
  exceedsDepth,
  DepthError,
  DEFAULT_MAX_DEPTH,
  EJSON,
} from './ejson.js';
export { SUPPORTED_DDP_VERSIONS, calculateVersion, hasHeartbeat } from './versions.js';
export { randomId, randomSeed, alea, randomString, RandomStream, UNMISTAKABLE_CHARS } from './ids.js';
export type { RandomSource } from './ids.js';
export { DDPError, ConnectionError, formatErrorMessage } from './errors.js';
export type { ErrorCode } from './errors.js';
