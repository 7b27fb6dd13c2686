/** A reconnect hook: runs on every transport (re)open, before older methods are re-sent; may be async. */
export type ReconnectHook<C> = (connection: C) => unknown;

/** An ordered list of hooks, each registration with its own `stop()` (Meteor's callback-hook). */
export class HookList<C> {
  private hooks: { fn: ReconnectHook<C> }[] = [];

  /** Registers a hook; returns `{ stop }`. */
  add(fn: ReconnectHook<C>): { stop(): void } {
    if (typeof fn !== 'function') throw new TypeError('onReconnect expects a function');
    const entry = { fn };
    this.hooks.push(entry);
    return {
      stop: () => {
        this.hooks = this.hooks.filter((h) => h !== entry);
      },
    };
  }

  /** The hooks registered now, in registration order. */
  list(): ReconnectHook<C>[] {
    return this.hooks.map((h) => h.fn);
  }

  /** Number of hooks. */
  get size(): number {
    return this.hooks.length;
  }
}

/**
 * Runs `first` (the connection's `onReconnect` property) then `hooks` in order, synchronously (so
 * methods they call go out in that order), then awaits every returned promise. A hook that throws or
 * rejects is reported and does not stop the others.
 */
export async function runReconnectHooks<C>(
  connection: C,
  first: ReconnectHook<C> | undefined,
  hooks: readonly ReconnectHook<C>[],
  report: (error: unknown) => void,
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (const hook of first ? [first, ...hooks] : hooks) {
    try {
      const result = hook(connection);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        pending.push(Promise.resolve(result).catch(report));
      }
    } catch (err) {
      report(err);
    }
  }
  if (pending.length > 0) await Promise.all(pending);
}

/**
 * Global reconnect hooks (`DDP.onReconnect`), run for every connection after its own `onReconnect`.
 * Typed over `never` so this file needs no `Connection` (no import cycle): `ddp.ts` adds hooks over a
 * `Connection`, and a `Connection` reads them back as such.
 */
export const globalReconnectHooks = new HookList<never>();
