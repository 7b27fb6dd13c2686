import type { WireError } from './messages.js';

/** Stable codes of every error ddpx raises; each has a heading in docs/errors.md. */
export type ErrorCode =
  | 'DDP_REMOTE_ERROR'
  | 'DDP_INVOCATION_FAILED'
  | 'DDP_CONNECTION_LOST'
  | 'DDP_CONNECT_TIMEOUT'
  | 'DDP_HEARTBEAT_TIMEOUT'
  | 'DDP_VERSION_NEGOTIATION_FAILED'
  | 'DDP_CONNECTION_CLOSED'
  | 'DDP_FORCED_RECONNECT'
  | 'DDP_TOO_DEEP';

/** Builds Meteor's error message text: "reason [error]", or "[error]" when the reason is missing or empty. */
export function formatErrorMessage(error: string | number, reason?: string): string {
  return reason ? `${reason} [${error}]` : `[${error}]`;
}

/** An error with Meteor.Error's wire shape: what a server method or publication reports. */
export class DDPError extends Error {
  /** Stable code: `DDP_INVOCATION_FAILED` for `invocation-failed`, otherwise `DDP_REMOTE_ERROR`. */
  readonly code: ErrorCode;
  /** Meteor's error identifier (string or number, e.g. 404, 'not-authorized'). */
  readonly error: string | number;
  /** Human-readable reason. */
  readonly reason: string | undefined;
  /** Extra data for the client. */
  readonly details: unknown;
  /** Always 'Meteor.Error', as on the wire. */
  readonly errorType = 'Meteor.Error' as const;
  /** Meteor marks these as safe to send to a client. */
  readonly isClientSafe = true as const;

  constructor(error: string | number, reason?: string, details?: unknown) {
    super(formatErrorMessage(error, reason));
    this.name = 'DDPError';
    this.error = error;
    this.reason = reason;
    this.details = details;
    this.code = error === 'invocation-failed' ? 'DDP_INVOCATION_FAILED' : 'DDP_REMOTE_ERROR';
  }

  /** The wire object Meteor sends for this error. */
  toWire(): WireError {
    const wire: WireError = {
      isClientSafe: true,
      error: this.error,
      message: this.message,
      errorType: 'Meteor.Error',
    };
    if (this.reason !== undefined) wire.reason = this.reason;
    if (this.details !== undefined) wire.details = this.details;
    return wire;
  }

  /** JSON form: the wire object, so `JSON.stringify` and `encode` send Meteor's shape. */
  toJSON(): WireError {
    return this.toWire();
  }

  /**
   * Rebuilds an error from its wire object, as Meteor's client does (`new Meteor.Error(error, reason,
   * details)`). Tolerates garbage: a non-object becomes `500 Internal server error`, an `error` that is
   * neither string nor number becomes 500, a non-string `reason` is dropped.
   */
  static fromWire(wire: unknown): DDPError {
    if (wire === null || typeof wire !== 'object') return new DDPError(500, 'Internal server error');
    const w = wire as Partial<WireError>;
    const error = typeof w.error === 'string' || typeof w.error === 'number' ? w.error : 500;
    const reason = typeof w.reason === 'string' ? w.reason : undefined;
    return new DDPError(error, reason, w.details);
  }
}

/** A transport-level failure: the socket could not open, timed out, or was lost. */
export class ConnectionError extends Error {
  /** Stable code naming the failure. */
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ConnectionError';
    this.code = code;
  }
}
