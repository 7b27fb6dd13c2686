import { SimulatedClock } from 'xstate';

/**
 * xstate's SimulatedClock, advanced timer by timer. `SimulatedClock.increment(ms)` jumps to the end
 * first and then fires what is due, so a timer armed by another timer during one big jump starts at
 * the end of the jump. `advance(ms)` instead stops at every deadline on the way, so chained timers
 * (heartbeat interval → timeout, retry → connect timeout) fire at their true simulated times.
 */
export class SteppingClock extends SimulatedClock {
  private readonly pending = new Map<number, { start: number; timeout: number }>();

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout((...args: unknown[]) => {
      this.pending.delete(id);
      fn(...args);
    }, timeout);
    this.pending.set(id, { start: this.now(), timeout });
    return id;
  }

  override clearTimeout(id: number): void {
    this.pending.delete(id);
    super.clearTimeout(id);
  }

  /** The earliest time at which SimulatedClock considers a timer due (`now - start >= timeout`). */
  private static due({ start, timeout }: { start: number; timeout: number }): number {
    let t = start + timeout;
    while (t - start < timeout) t += Math.max(Number.MIN_VALUE, Math.abs(t) * Number.EPSILON);
    return t;
  }

  /** Moves time forward by `ms`, firing each timer at its own deadline. */
  advance(ms: number): void {
    const target = this.now() + ms;
    for (let guard = 0; ; guard++) {
      if (guard > 100_000)
        throw new Error('SteppingClock.advance: timers keep re-arming at the same instant');
      const next = this.nextDeadline();
      // A deadline within a microsecond of the target counts as reached: `now + (d - 1) + 1` can round
      // below `now + d`, and a test that waits exactly `retryTime - now` means "until it fires".
      if (next === undefined || next > target + 1e-3) break;
      this.set(Math.max(next, this.now()));
    }
    this.set(Math.max(target, this.now()));
  }

  /** The earliest pending deadline, or undefined. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const p of this.pending.values()) {
      const d = SteppingClock.due(p);
      if (next === undefined || d < next) next = d;
    }
    return next;
  }
}
