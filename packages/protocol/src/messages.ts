/** A DDP protocol version this stack can speak, most preferred first in {@link SUPPORTED_DDP_VERSIONS}. */
export type DDPVersion = '1' | 'pre2' | 'pre1';

/** The document fields carried by `added`/`changed` (EJSON values, already decoded). */
export type Fields = Record<string, unknown>;

/** A serialized `Meteor.Error`, as it travels in `result.error` and `nosub.error`. */
export interface WireError {
  isClientSafe?: boolean;
  error: string | number;
  reason?: string;
  message?: string;
  errorType?: string;
  details?: unknown;
}

/** Client → server: opens (or, with `session`, tries to resume) a DDP session. */
export interface ConnectMessage {
  msg: 'connect';
  version: string;
  support: string[];
  session?: string;
  /** Meteor 3.5+: messages received on the previous session, for resumption. */
  receivedCount?: number;
  /** ddpx extension: the secret `connected.resumeToken` of the session named in `session`. */
  resumeToken?: string;
}
/** Server → client: the handshake succeeded; `session` is the connection id. */
export interface ConnectedMessage {
  msg: 'connected';
  session: string;
  /**
   * ddpx extension (ignored by Meteor clients): the outcome of a resume attempt, e.g. 'resumed',
   * 'unknown-session', 'count-outside-buffer'. Sent only when the client named a session.
   */
  resumeReason?: string;
  /**
   * ddpx extension (ignored by Meteor clients): the secret a client must present, with `session`, to
   * resume this session. Issued with every new session and rotated at every resume.
   */
  resumeToken?: string;
}
/** Server → client: version negotiation failed; the server suggests `version` and closes. */
export interface FailedMessage {
  msg: 'failed';
  version: string;
}
/** Either direction: heartbeat request. */
export interface PingMessage {
  msg: 'ping';
  id?: string;
}
/** Either direction: heartbeat answer, echoing the ping's `id` when it had one. */
export interface PongMessage {
  msg: 'pong';
  id?: string;
}
/** Client → server: start a subscription. */
export interface SubMessage {
  msg: 'sub';
  id: string;
  name: string;
  params?: unknown[];
}
/** Client → server: stop a subscription. */
export interface UnsubMessage {
  msg: 'unsub';
  id: string;
}
/** Server → client: a subscription ended (with `error` when it failed). */
export interface NosubMessage {
  msg: 'nosub';
  id: string;
  error?: WireError;
}
/** Server → client: a document entered the client's view. */
export interface AddedMessage {
  msg: 'added';
  collection: string;
  id: string;
  fields?: Fields;
}
/** Server → client: fields of a document changed; `cleared` lists removed fields. */
export interface ChangedMessage {
  msg: 'changed';
  collection: string;
  id: string;
  fields?: Fields;
  cleared?: string[];
}
/** Server → client: a document left the client's view. */
export interface RemovedMessage {
  msg: 'removed';
  collection: string;
  id: string;
}
/** Server → client: these subscriptions have sent their initial data. */
export interface ReadyMessage {
  msg: 'ready';
  subs: string[];
}
/** Server → client: ordered insert (in the spec, unused by Meteor). */
export interface AddedBeforeMessage {
  msg: 'addedBefore';
  collection: string;
  id: string;
  fields?: Fields;
  before: string | null;
}
/** Server → client: ordered move (in the spec, unused by Meteor). */
export interface MovedBeforeMessage {
  msg: 'movedBefore';
  collection: string;
  id: string;
  before: string | null;
}
/** Client → server: call a method. */
export interface MethodMessage {
  msg: 'method';
  method: string;
  params?: unknown[];
  id: string;
  randomSeed?: string;
}
/** Server → client: a method's return value or error. */
export interface ResultMessage {
  msg: 'result';
  id: string;
  error?: WireError;
  result?: unknown;
}
/** Server → client: every write of these methods has been sent. */
export interface UpdatedMessage {
  msg: 'updated';
  methods: string[];
}
/** Server → client: a connection-level error; the socket stays open. */
export interface ErrorMessage {
  msg: 'error';
  reason: string;
  offendingMessage?: unknown;
}
/** Client → server (Meteor 3.5+): a graceful goodbye; the session must not be kept for resumption. */
export interface DisconnectMessage {
  msg: 'disconnect';
}

/** Every message a client may send. */
export type ClientMessage =
  | ConnectMessage
  | PingMessage
  | PongMessage
  | SubMessage
  | UnsubMessage
  | MethodMessage
  | DisconnectMessage;

/** Every message a server may send. */
export type ServerMessage =
  | ConnectedMessage
  | FailedMessage
  | PingMessage
  | PongMessage
  | NosubMessage
  | AddedMessage
  | ChangedMessage
  | RemovedMessage
  | ReadyMessage
  | AddedBeforeMessage
  | MovedBeforeMessage
  | ResultMessage
  | UpdatedMessage
  | ErrorMessage;

/** Every DDP message, discriminated by `msg`. */
export type DDPMessage = ClientMessage | ServerMessage;

/** The `msg` tag of any DDP message. */
export type MessageType = DDPMessage['msg'];

/** The message type whose tag is `T`. */
export type MessageOf<T extends MessageType> = Extract<DDPMessage, { msg: T }>;

/** Tags of messages a client may send, for direction checks. */
export const CLIENT_MESSAGE_TYPES: ReadonlySet<string> = new Set<ClientMessage['msg']>([
  'connect',
  'ping',
  'pong',
  'sub',
  'unsub',
  'method',
  'disconnect',
]);

/** Tags of messages a server may send, for direction checks. */
export const SERVER_MESSAGE_TYPES: ReadonlySet<string> = new Set<ServerMessage['msg']>([
  'connected',
  'failed',
  'ping',
  'pong',
  'nosub',
  'added',
  'changed',
  'removed',
  'ready',
  'addedBefore',
  'movedBefore',
  'result',
  'updated',
  'error',
]);
