// The child side of the bench's IPC: kept apart from proc.ts so children do not load esbuild.
import type { IpcRequest } from './proc.js';

/** A reply after which the child runs `then` (e.g. exits) once the reply has left. */
export class AfterReply {
  constructor(
    /** The reply value. */
    readonly value: unknown,
    /** Run once the reply is sent. */
    readonly then: () => void,
  ) {}
}

/** Child side: answers the parent's requests with `handler`, and emits events. */
export function serve(handler: (cmd: string, arg: unknown) => unknown): void {
  process.on('message', (raw) => {
    const m = raw as IpcRequest;
    Promise.resolve()
      .then(() => handler(m.cmd, m.arg))
      .then(
        (value) => {
          if (value instanceof AfterReply)
            process.send?.({ id: m.id, ok: true, value: value.value }, value.then);
          else process.send?.({ id: m.id, ok: true, value });
        },
        (err: unknown) =>
          process.send?.({ id: m.id, ok: false, error: String((err as Error)?.stack ?? err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Child side: sends an event to the parent. */
export function emit(event: string, data?: unknown): void {
  process.send?.({ event, data });
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
