import type { Fields } from '@ddpx/protocol';

import type { CloseReason, ResumeRefusal } from '@ddpx/statecharts';

/** Why a session ended (the server session machine's closed union). */
export type { CloseReason };

/** The transport a connection arrived on. */
export type TransportKind = 'websocket' | 'sockjs';

/** The connection object handed to onConnection, methods and publications. */
export interface Connection {
  /** Session id: 17 characters of Meteor's id alphabet, the `session` of `connected`. */
  readonly id: string;
  /** Client address (socket address, or from `x-forwarded-for` per `forwardedCount`); null when unknown. */
  readonly clientAddress: string | null;
  /** The whitelisted request headers (never `cookie`, never `authorization`). */
  readonly httpHeaders: Readonly<Record<string, string>>;
  /** The transport of the current socket. */
  readonly transport: TransportKind;
  /** Bytes written to the current socket and not yet flushed to the kernel (0 while detached). */
  readonly bufferedAmount: number;
  /** Closes the session and its socket; the session cannot be resumed. */
  close(): void;
  /** Runs `callback` (deferred) when the session really ends; still runs when registered after the end. */
  onClose(callback: () => void): void;
}

/** `this` inside a method handler. */
export interface MethodInvocation {
  /** The calling connection. */
  readonly connection: Connection;
  /** The client's `randomSeed`, when it sent one. */
  readonly randomSeed: string | undefined;
  /** The session's user id (set by setUserId). */
  readonly userId: string | null;
  /** Always false on the server. */
  readonly isSimulation: false;
  /** Lets the session process its next message before this method finishes. */
  unblock(): void;
  /** Sets the session's user id; running publications are rerun with it. */
  setUserId(userId: string | null): Promise<void>;
}

/** A method handler: sync or async, its return value becomes the `result`. */
export type MethodHandler = (this: MethodInvocation, ...params: unknown[]) => unknown;

/** `this` inside a publication handler: Meteor's low-level publish API. */
export interface PublicationContext {
  /** The subscribing connection. */
  readonly connection: Connection;
  /** The session's user id. */
  readonly userId: string | null;
  /** The subscription id the client chose (undefined for a universal publication). */
  readonly subscriptionId: string | undefined;
  /** Publishes a document into the client's view. */
  added(collection: string, id: string, fields?: Fields): void;
  /** Changes published fields; `undefined` values clear them. */
  changed(collection: string, id: string, fields: Fields): void;
  /** Withdraws a published document. */
  removed(collection: string, id: string): void;
  /** Tells the client the initial data is sent. */
  ready(): void;
  /** Stops the subscription with an error (a DDPError is sent as is, anything else as 500). */
  error(error: unknown): void;
  /** Stops the subscription; its documents are removed, then `nosub` is sent. */
  stop(): void;
  /** Registers a callback run when the subscription stops for any reason. */
  onStop(callback: () => void): void;
  /** Lets the session process its next message before this handler finishes. */
  unblock(): void;
}

/** A publication handler: sync or async. */
export type PublicationHandler = (this: PublicationContext, ...params: unknown[]) => unknown;

/** Server lifecycle events and their payloads. */
export interface ServerEvents {
  /** A new session was established (after `connected` and universal publications). */
  connection: { connection: Connection };
  /** A detached session was resumed by its client on a new socket. */
  resume: { connection: Connection; replayed: number };
  /** A session lost its socket without a goodbye and waits for its client. */
  detach: { connection: Connection; gracePeriodMs: number };
  /** A session ended, with the reason. */
  close: { connection: Connection; reason: CloseReason };
  /** Something failed: a handler threw a non-DDPError, a callback threw, a socket errored. */
  error: { error: unknown; connection?: Connection; context: string };
}

/** A listener for server event `E`. */
export type ServerListener<E extends keyof ServerEvents> = (event: ServerEvents[E]) => void;

/**
 * Why a client that asked to resume got a new session instead, sent to it as `connected.resumeReason`
 * (a field Meteor clients ignore). One source: the session chart's `ResumeRefusal`.
 */
export type { ResumeRefusal };
