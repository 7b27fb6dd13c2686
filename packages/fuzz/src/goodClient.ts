import { type Connection, connect } from '@ddpx/client';
import type { Endpoint } from './attackStats.js';

/** What one well-behaved client saw during the attack. */
export interface GoodClientStats {
  /** Transport it used. */
  transport: Endpoint;
  /** Calls made. */
  calls: number;
  /** Calls that returned the right result. */
  ok: number;
  /** Calls that returned a wrong result. */
  wrong: number;
  /** Calls that rejected. */
  failed: number;
  /** Calls still unanswered when the drain time ran out. */
  lost: number;
  /** Times it left `connected` (drops it recovered from, or not). */
  disconnects: number;
  /** Warnings and errors its logger got: frames it never asked for (another connection acting in its session). */
  unexpected: number;
  /** The first few failures and unexpected frames, for the report. */
  failures: string[];
}

/**
 * A well-behaved `@ddpx/client` that keeps calling `add(i, 1)` with `inFlight` calls outstanding (each
 * followed by a `pauseMs` pause, so it is a user, not a load generator) and checks each result, until `stop()`; `drain()` then waits for the last answers.
 */
export class GoodClient {
  readonly stats: GoodClientStats;
  private readonly connection: Connection;
  private running = true;
  private readonly pending = new Set<Promise<void>>();
  private next = 0;

  constructor(
    port: number,
    transport: Endpoint,
    private readonly pauseMs = 2,
    inFlight = 2,
  ) {
    const url = transport === 'websocket' ? `ws://127.0.0.1:${port}/websocket` : `http://127.0.0.1:${port}`;
    const note = (message: string) => {
      this.stats.unexpected++;
      if (this.stats.failures.length < 5) this.stats.failures.push(message.slice(0, 200));
    };
    this.connection = connect(url, { transport, logger: { warn: note, error: note } });
    this.stats = {
      transport,
      calls: 0,
      ok: 0,
      wrong: 0,
      failed: 0,
      lost: 0,
      disconnects: 0,
      unexpected: 0,
      failures: [],
    };
    let wasConnected = false;
    this.connection.onStatus((s) => {
      if (wasConnected && !s.connected) this.stats.disconnects++;
      wasConnected = s.connected;
    });
    for (let i = 0; i < inFlight; i++) this.loop();
  }

  /** The session id while connected (attackers try to resume it). */
  get sessionId(): string | undefined {
    return this.connection.sessionId;
  }

  /** Resolves once the client is connected (or after `timeoutMs`). */
  async connected(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connection.status().connected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.connection.status().connected;
  }

  private loop(): void {
    if (!this.running) return;
    const i = this.next++;
    this.stats.calls++;
    const call = this.connection.call('add', i, 1).then(
      (result) => {
        if (result === i + 1) this.stats.ok++;
        else this.fail('wrong', `add(${i}, 1) returned ${JSON.stringify(result)}`);
      },
      (error: unknown) => this.fail('failed', `add(${i}, 1) rejected: ${String(error)}`),
    );
    const tracked = call.finally(() => {
      this.pending.delete(tracked);
      setTimeout(() => this.loop(), this.pauseMs);
    });
    this.pending.add(tracked);
  }

  private fail(kind: 'wrong' | 'failed', detail: string): void {
    this.stats[kind]++;
    if (this.stats.failures.length < 5) this.stats.failures.push(detail);
  }

  /** Stops issuing calls, waits up to `drainMs` for the outstanding ones, counts the rest as lost, closes. */
  async stop(drainMs: number): Promise<GoodClientStats> {
    this.running = false;
    const all = Promise.all([...this.pending]);
    const settled = await Promise.race([
      all.then(() => true),
      new Promise((r) => setTimeout(() => r(false), drainMs)),
    ]);
    if (!settled) {
      this.stats.lost = this.pending.size;
      if (this.stats.failures.length < 5)
        this.stats.failures.push(`${this.pending.size} calls unanswered after ${drainMs} ms`);
    }
    this.connection.close();
    return this.stats;
  }
}
