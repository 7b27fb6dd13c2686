import type { Socket } from 'node:net';
import WebSocket from 'ws';

/**
 * An experiment, not a contender of its own: `ws` with the frames sent in one tick written together
 * (the TCP socket is corked for the batch, so they leave in one `writev`). Passed to
 * `connect(url, { WebSocket })` it shows what coalescing the client's writes would gain.
 */
export class CorkingWebSocket extends WebSocket {
  private pending: string[] | undefined;

  /** Queues the frame; the tick's frames are flushed together from a microtask. */
  override send(data: unknown, ...rest: unknown[]): void {
    if (typeof data !== 'string' || rest.length > 0) {
      (super.send as (...a: unknown[]) => void)(data, ...rest);
      return;
    }
    if (this.pending) {
      this.pending.push(data);
      return;
    }
    this.pending = [data];
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const frames = this.pending ?? [];
    this.pending = undefined;
    if (this.readyState !== WebSocket.OPEN) return;
    const tcp = (this as unknown as { _socket?: Socket })._socket;
    tcp?.cork();
    try {
      for (const frame of frames) super.send(frame);
    } finally {
      tcp?.uncork();
    }
  }
}
