import { CloseCode } from './closeCodes.js';
import type { TransportKind } from './types.js';

/** A transport-level fault that ends the session (the socket is closing or must be closed). */
export type SocketFault = 'payload-too-large' | 'protocol-error' | 'slow-consumer' | 'rate-limited';

/** What one socket may make the server hold or do, enforced by the socket itself on every transport. */
export interface SocketLimits {
  /** Outbound bytes queued (ours and the transport's) before the peer is a slow consumer. */
  readonly maxBufferedBytes: number;
  /** Inbound frames accepted within one second before the peer is rate-limited. */
  readonly maxMessagesPerSecond: number;
}

/** What a socket tells its owner (a session implements it directly: no handler object per socket). */
export interface ServerSocketHandlers {
  /** The transport hit a fault (oversized frame, protocol violation). */
  socketFault(kind: SocketFault): void;
  /** One inbound text frame (one DDP message). */
  socketMessage(text: string): void;
  /** The socket closed (for any reason); called once. */
  socketClosed(code: number | undefined): void;
}

/**
 * One accepted client socket, whatever the transport: the small interface sessions write to.
 * Frames written in the same tick are coalesced into one flush where the transport allows it.
 */
export interface ServerSocket {
  /** Which endpoint accepted it. */
  readonly kind: TransportKind;
  /** TCP peer address. */
  readonly remoteAddress: string | undefined;
  /** The whitelisted request headers. */
  readonly headers: Record<string, string>;
  /**
   * Sends one frame. The first frame of a tick leaves at once (nothing ready waits for a batch); frames
   * after it in the same tick, or sent while corked, are written together at the end of the tick.
   */
  send(frame: string): void;
  /** Holds frames until the matching {@link uncork}, so frames that belong together leave in one write. Nests. */
  cork(): void;
  /** Ends a {@link cork}; the outermost one writes the held frames now if nothing went out yet this tick. */
  uncork(): void;
  /** Flushes queued frames and closes with `code`/`reason`. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Installs the owner's handlers (replacing earlier ones). */
  setHandlers(handlers: ServerSocketHandlers): void;
  /** Bytes written but not yet flushed to the kernel (this socket's queue and the transport's). */
  readonly bufferedAmount: number;
}

// Sockets that wrote or queued in this tick, flushed by one microtask for all of them (no closure
// per socket per tick).
let dirty: BaseServerSocket[] = [];
let endOfTickScheduled = false;

function endOfTick(): void {
  endOfTickScheduled = false;
  while (dirty.length > 0) {
    const sockets = dirty;
    dirty = [];
    for (const socket of sockets) socket.flush();
  }
}

function markDirty(socket: BaseServerSocket): void {
  dirty.push(socket);
  if (!endOfTickScheduled) {
    endOfTickScheduled = true;
    queueMicrotask(endOfTick);
  }
}

/**
 * Shared plumbing: writes go out at once when nothing else went out in this tick, later ones of the
 * same tick wait in an outbox flushed by `writeAll` at the end of the tick; handler dispatch that
 * tolerates frames arriving before handlers are set, and the socket's limits: every outbound byte
 * (data, pongs, errors, replays) counts toward `maxBufferedBytes`, every inbound frame toward
 * `maxMessagesPerSecond`. A socket past a limit stops sending or delivering at once and reports the
 * fault a microtask later (never from inside the write that crossed it).
 */
export abstract class BaseServerSocket implements ServerSocket {
  abstract readonly kind: TransportKind;
  abstract readonly remoteAddress: string | undefined;
  abstract readonly headers: Record<string, string>;
  // Created on first use: an idle socket holds no frame.
  private outbox: string[] | undefined;
  private outboxBytes = 0;
  // In `dirty`: the end-of-tick flush is due.
  private scheduled = false;
  // Something went out directly in this tick: later frames wait for the end-of-tick flush.
  private wroteThisTick = false;
  private corked = 0;
  private ended = false;
  private faultedWith: SocketFault | undefined;
  private handlers: ServerSocketHandlers | undefined;
  private early: string[] | undefined;
  private windowStart = 0;
  private windowCount = 0;

  constructor(private readonly limits: SocketLimits) {
    this.windowStart = performance.now();
  }

  /** Bytes the transport holds that it has not handed to the kernel yet. */
  protected abstract transportBuffered(): number;
  /** Writes a batch of frames to the transport. */
  protected abstract writeAll(frames: string[]): void;
  /** Writes one frame to the transport (transports override it to skip the array). */
  protected writeOne(frame: string): void {
    this.writeAll([frame]);
  }
  /**
   * Closes the transport. `abandon`: the peer stopped reading, so a close handshake queued behind
   * what it has not read would never complete: drop the connection and its buffers at once.
   */
  protected abstract closeTransport(code: number, reason: string, abandon: boolean): void;

  get bufferedAmount(): number {
    return this.outboxBytes + this.transportBuffered();
  }

  send(frame: string): void {
    if (this.ended || this.faultedWith) return;
    // Checked before the frame is added: a peer already holding more than the limit is slow, so what
    // one socket holds is bounded by the limit plus one frame (a single large frame still goes out).
    if (this.outboxBytes + this.transportBuffered() > this.limits.maxBufferedBytes) {
      this.outbox = undefined;
      this.outboxBytes = 0;
      this.fault('slow-consumer');
      return;
    }
    if (!this.wroteThisTick && this.corked === 0) {
      // The first frame of this tick (so the outbox is empty): out now, a ready frame never waits.
      this.wroteThisTick = true;
      this.flushAtEndOfTick();
      try {
        this.writeOne(frame);
      } catch {
        // A socket that fails to write is closing; its close event ends the session.
      }
      return;
    }
    this.outbox ??= [];
    this.outbox.push(frame);
    this.outboxBytes += frame.length;
    this.flushAtEndOfTick();
  }

  cork(): void {
    this.corked++;
  }

  uncork(): void {
    if (this.corked === 0 || --this.corked > 0) return;
    // Nothing went out in this tick before the cork: what it held goes out now, in one write.
    if (this.outbox !== undefined && !this.wroteThisTick) {
      this.wroteThisTick = true;
      this.writeOutbox();
    }
  }

  /** Writes every queued frame now (the end-of-tick flush; also before a close). */
  flush(): void {
    this.scheduled = false;
    this.wroteThisTick = false;
    this.writeOutbox();
  }

  private flushAtEndOfTick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    markDirty(this);
  }

  private writeOutbox(): void {
    const frames = this.outbox;
    if (frames === undefined) return;
    this.outbox = undefined;
    this.outboxBytes = 0;
    if (this.ended) return;
    try {
      if (frames.length === 1) this.writeOne(frames[0]!);
      else this.writeAll(frames);
    } catch {
      // A socket that fails to write is closing; its close event ends the session.
    }
  }

  close(code: number = CloseCode.normal, reason = ''): void {
    if (this.ended) return;
    if (!this.faultedWith) this.flush();
    this.ended = true;
    try {
      this.closeTransport(code, reason, this.faultedWith === 'slow-consumer');
    } catch {
      // Already closed underneath.
    }
  }

  setHandlers(handlers: ServerSocketHandlers): void {
    this.handlers = handlers;
    const early = this.early;
    while (early && early.length > 0 && this.handlers === handlers) handlers.socketMessage(early.shift()!);
    if (early?.length === 0) this.early = undefined;
  }

  /** Delivers an inbound frame (called by the transport). */
  received(text: string): void {
    if (this.faultedWith) return;
    // Counted per one-second window opened by the first frame; the clock is read only past the limit.
    if (++this.windowCount > this.limits.maxMessagesPerSecond) {
      const now = performance.now();
      if (now - this.windowStart < 1000) {
        this.fault('rate-limited');
        return;
      }
      this.windowStart = now;
      this.windowCount = 1;
    }
    if (this.handlers) {
      this.handlers.socketMessage(text);
      return;
    }
    this.early ??= [];
    this.early.push(text);
  }

  /** Reports a transport fault (called by the transport). */
  faulted(kind: SocketFault): void {
    this.handlers?.socketFault(kind);
  }

  // A limit was crossed: nothing more is sent or delivered; the owner hears of it a microtask later.
  private fault(kind: SocketFault): void {
    if (this.faultedWith) return;
    this.faultedWith = kind;
    this.early = undefined;
    queueMicrotask(() => {
      if (!this.ended) this.handlers?.socketFault(kind);
    });
  }

  /** Reports the transport's close, once (called by the transport). */
  closed(code: number | undefined): void {
    this.ended = true;
    this.outbox = undefined;
    const handlers = this.handlers;
    this.handlers = undefined;
    handlers?.socketClosed(code);
  }
}
