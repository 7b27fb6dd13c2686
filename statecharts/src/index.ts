export {
  type BackoffFunction,
  type BackoffOptions,
  backoff,
  DEFAULT_BACKOFF_OPTIONS,
  resolveBackoff,
  seededRandom,
} from './backoff.js';
export {
  CLIENT_CONNECTION_DEFAULTS,
  type ClientConnectionMachine,
  clientConnectionMachine,
  createClientConnectionContext,
  negotiationFailureReason,
} from './clientConnectionMachine.js';
export {
  CLIENT_CONNECTION_EFFECTS,
  type ClientConnectionActionName,
  type ClientConnectionConfig,
  type ClientConnectionContext,
  type ClientConnectionEvent,
  type ClientConnectionInput,
  type ClientStatus,
  type ClientStatusValue,
  type ConnectionLoss,
  clientConnectionActionNames,
  type ResumeOutcome,
  type TransportActorInput,
} from './clientConnectionTypes.js';
export {
  eventLabel,
  machineShape,
  toMermaid,
  transitionKey,
  transitionKeys,
  transitionLabel,
} from './diagram.js';
export { HEARTBEAT_EFFECTS, heartbeatStates } from './heartbeat.js';
export {
  type ComeBack,
  DRAIN_MIN_STEP_MS,
  drainPlan,
  retryHintFor,
  SERVER_LIFECYCLE_EFFECTS,
  type ServerLifecycleContext,
  type ServerLifecycleEvent,
  type ServerLifecycleMachine,
  serverLifecycleMachine,
} from './serverLifecycleMachine.js';
export {
  createServerSessionContext,
  negotiateVersion,
  SERVER_SESSION_DEFAULTS,
  type ServerSessionMachine,
  serverSessionMachine,
} from './serverSessionMachine.js';
export {
  type AbortReason,
  CLOSE_REASONS,
  type CloseReason,
  type ConnectRequest,
  type ResumeRefusal,
  type ResumeVerdict,
  SERVER_SESSION_EFFECTS,
  type ServerSessionActionName,
  type ServerSessionContext,
  type ServerSessionEvent,
  type ServerSessionInput,
  type ServerSessionOutput,
  serverSessionActionNames,
} from './serverSessionTypes.js';
export {
  type SessionPhase,
  type StatusSnapshotLike,
  sessionPhase,
  statusEquals,
  statusFromSnapshot,
  topLevelState,
} from './status.js';
