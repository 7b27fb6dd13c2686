import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildChildren } from './buildChildren.js';

/** The bench package root (children are started with it as their working directory, so `tsx` resolves). */
export const BENCH_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One IPC request from the parent: `id` is echoed in the reply. */
export interface IpcRequest {
  /** Request id, echoed in the reply. */
  id: number;
  /** The command. */
  cmd: string;
  /** Its argument. */
  arg?: unknown;
}

/** A child process speaking the bench's request/reply IPC. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly events: { type: string; data: unknown }[] = [];
  private readonly eventWaiters: { type: string; resolve: (v: unknown) => void }[] = [];
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (raw) => {
      const m = raw as {
        id?: number;
        ok?: boolean;
        value?: unknown;
        error?: string;
        event?: string;
        data?: unknown;
      };
      if (typeof m.event === 'string') {
        const i = this.eventWaiters.findIndex((w) => w.type === m.event);
        if (i >= 0) this.eventWaiters.splice(i, 1)[0]!.resolve(m.data);
        else this.events.push({ type: m.event, data: m.data });
        return;
      }
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.ok) w.resolve(m.value);
      else w.reject(new Error(m.error ?? 'child error'));
    });
    this.exited = new Promise((resolve) =>
      proc.on('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`child exited (${code}) before replying`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  /** Sends a command and resolves with the child's reply. */
  request<T = unknown>(cmd: string, arg?: unknown, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`child request '${cmd}' timed out`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, arg } satisfies IpcRequest);
    });
  }

  /** Resolves with the data of the next event of `type` the child emits (or one already queued). */
  nextEvent<T = unknown>(type: string, timeoutMs = 60_000): Promise<T> {
    const i = this.events.findIndex((e) => e.type === type);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]!.data as T);
    return new Promise<T>((resolve, reject) => {
      const entry = { type, resolve: (v: unknown) => resolve(v as T) };
      this.eventWaiters.push(entry);
      setTimeout(() => {
        const k = this.eventWaiters.indexOf(entry);
        if (k >= 0) {
          this.eventWaiters.splice(k, 1);
          reject(new Error(`no '${type}' event from child within ${timeoutMs} ms`));
        }
      }, timeoutMs).unref();
    });
  }

  /** Asks the process to exit normally (closes the IPC channel) and waits; kills it after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.connected) this.proc.disconnect();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills the process (SIGKILL) and waits for it to exit. */
  async kill(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    await this.exited;
  }
}

let built: Promise<void> | undefined;

/** Builds the children once per parent process (see {@link buildChildren}). */
export function ensureBuilt(): Promise<void> {
  built ??= buildChildren(join(BENCH_ROOT, 'src'), join(BENCH_ROOT, 'dist', 'children'));
  return built;
}

/**
 * Starts the built `dist/children/<name>.js` (call {@link ensureBuilt} first) with `--expose-gc`.
 * With `BENCH_CPU_PROF=<dir>` children write a V8 CPU profile there when they exit normally
 * (see {@link Child.stop}).
 */
export function spawnChild(name: string, args: readonly string[] = []): Child {
  const prof = process.env.BENCH_CPU_PROF;
  const proc = fork(join(BENCH_ROOT, 'dist', 'children', `${name}.js`), [...args], {
    cwd: BENCH_ROOT,
    execArgv: [
      '--enable-source-maps',
      '--expose-gc',
      '--max-old-space-size=4096',
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return new Child(proc);
}

export { sleep } from './ipc.js';
