// What both storm workers (real ddpx clients, naive `ws` clients) share: the per-client timestamps the
// storm reads, the ledger of calls made and answered, and the IPC commands the storm parent sends.
import { serve } from './ipc.js';
import type { StormClientReport } from './stormTypes.js';

/** The fields every storm client keeps, whatever it is built on. */
export interface StormClientState {
  readonly index: number;
  /** Epoch ms of the loss (0: not lost since armed). */
  lostAt: number;
  firstRetryAt: number;
  recoveredAt: number;
  /** Start times of connection attempts that failed. */
  failedAttempts: number[];
  /** Counting has begun (after setup). */
  armed: boolean;
  /** Sequence of this client's call keys. */
  seq: number;
}

/** The fields of a fresh {@link StormClientState}. */
export function freshStormClient(index: number): StormClientState {
  return { index, lostAt: 0, firstRetryAt: 0, recoveredAt: 0, failedAttempts: [], armed: false, seq: 0 };
}

/** The calls a worker made and saw answered, and since when failed attempts count. */
export class StormLedger<C extends StormClientState> {
  readonly clients: C[] = [];
  readonly called: string[] = [];
  readonly resolved: string[] = [];
  rejected = 0;
  since = Number.POSITIVE_INFINITY;

  constructor(private readonly worker: number) {}

  /** A new call key of `c` tagged `tag`, recorded as called (the server counts runs per key). */
  callKey(c: C, tag: string): string {
    const key = `${this.worker}:${c.index}:${tag}:${c.seq++}`;
    this.called.push(key);
    return key;
  }

  /** Everything the storm parent needs at the end; `resumed` clients kept their session. */
  report(resumed: number): StormClientReport {
    const { clients, since } = this;
    return {
      clients: clients.length,
      recovered: clients.filter((c) => c.recoveredAt !== 0).length,
      recoveredAt: clients.map((c) => c.recoveredAt),
      lostAt: clients.map((c) => c.lostAt),
      firstRetryAt: clients.map((c) => c.firstRetryAt),
      failedAttemptsSince: clients.reduce((t, c) => t + c.failedAttempts.filter((a) => a >= since).length, 0),
      resumed,
      called: this.called,
      resolved: this.resolved,
      rejected: this.rejected,
    };
  }
}

/** How one kind of storm worker sets up, checks and calls its clients. */
export interface StormWorker<C extends StormClientState> {
  /** Opens every client, subscribes, calls once, arms them; resolves with the count. */
  setup(): Promise<number>;
  /** Marks `c` recovered if it is. */
  check(c: C): void;
  /** One `inc` call of `c` tagged `tag`, settled when answered (or lost). */
  call(c: C, tag: string): Promise<unknown>;
  /** Clients that resumed their session (0 for a worker that cannot). */
  resumed(): number;
  /** Calls in flight at the moment of a drop, for workers that run the drop storm. */
  fire?(): void;
}

/** Answers the storm parent's commands (`setup`, `fire`, `since`, `cpu`, `progress`, `after`, `report`). */
export function serveStormWorker<C extends StormClientState>(
  ledger: StormLedger<C>,
  worker: StormWorker<C>,
): void {
  serve(async (cmd, arg) => {
    switch (cmd) {
      case 'setup':
        return worker.setup();
      case 'fire':
        if (!worker.fire) throw new Error('this worker does not run the drop storm');
        worker.fire();
        return true;
      case 'since':
        ledger.since = arg as number;
        return true;
      case 'cpu': {
        const cpu = process.cpuUsage();
        return cpu.user + cpu.system;
      }
      case 'progress':
        for (const c of ledger.clients) worker.check(c);
        return {
          recovered: ledger.clients.filter((c) => c.recoveredAt !== 0).length,
          pending: ledger.called.length - ledger.resolved.length - ledger.rejected,
        };
      case 'after':
        // One more call per client once recovered: the connection works end to end.
        await Promise.all(ledger.clients.map((c) => worker.call(c, 'after')));
        return true;
      case 'report':
        return ledger.report(worker.resumed());
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  });
}
