import { SimulatedClock } from 'xstate';

/** A SimulatedClock that knows how many timers are pending on it (`live`). */
export class CountingClock extends SimulatedClock {
  readonly live = new Set<number>();
  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id: number = super.setTimeout((...args: unknown[]) => {
      this.live.delete(id);
      fn(...args);
    }, timeout);
    this.live.add(id);
    return id;
  }
  override clearTimeout(id: number): void {
    this.live.delete(id);
    super.clearTimeout(id);
  }
}
