export { InspectorHub, type PageMessage, type PageRequest, type ProducerInfo } from './inspectorHub.js';
export {
  type ActorRecord,
  InspectorModel,
  type LogEntry,
  MAX_CLOSED,
  MAX_LOG,
  MAX_SERIES,
  MAX_STEPS,
  type ServerRecord,
  type Step,
} from './model.js';
export { type InspectCommandIO, runInspectCommand } from './runInspectCommand.js';
export {
  type InspectorOptions,
  inspectorToken,
  isLoopback,
  type RunningInspector,
  startInspector,
} from './startInspector.js';
export type {
  ActorMessage,
  EventMessage,
  FocusMessage,
  ServerCounts,
  ServerMessage,
  SessionSummary,
  SessionsMessage,
  SnapshotMessage,
  WireMessage,
  WireTimer,
} from './wire.js';
export { parseWireMessage } from './wire.js';
