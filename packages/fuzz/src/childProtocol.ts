import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the parent configures the server under attack. */
export interface FuzzServerConfig {
  /** Largest inbound frame. */
  maxPayloadBytes: number;
  /** Unflushed bytes per socket before the server drops it as a slow consumer. */
  maxBufferedBytes: number;
  /** Most concurrent sessions. */
  maxSessions: number;
  /** Time a socket has to send `connect`. */
  handshakeTimeoutMs: number;
  /** Resume grace period of a detached session. */
  gracePeriodMs: number;
}

/** A request from the parent; `id` is echoed in the reply. */
export interface ChildRequest {
  /** Request id. */
  id: number;
  /** What to do. */
  cmd: 'sample' | 'pollution' | 'close';
}

/** A reply to a {@link ChildRequest}. */
export interface ChildReply {
  /** The request id. */
  id: number;
  /** The answer. */
  value: unknown;
}

/** The child's readings, taken after two full garbage collections. */
export interface ChildSample {
  /** V8 heap in use. */
  heapUsed: number;
  /** Memory of C++ objects bound to JS (socket buffers included). */
  external: number;
  /** ArrayBuffers and Buffers. */
  arrayBuffers: number;
  /** Resident set size. */
  rss: number;
  /** TCP sockets the http server still has open. */
  openSockets: number;
  /** Sessions the server holds (live and detached). */
  sessions: number;
  /** Sessions opened since start. */
  sessionsOpened: number;
  /** `error` events the server emitted (caught handler failures and the like). */
  serverErrors: number;
  /** Those events by context (`method 'throws'`, `inbound frame`, ...). */
  serverErrorsByContext: Record<string, number>;
  /** The first few that are not from a handler failing on purpose. */
  serverErrorSamples: string[];
}

const HERE = dirname(fileURLToPath(import.meta.url));

/** The server child: spawned with a capped heap and `--expose-gc`, spoken to over IPC. */
export class ServerChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (value: unknown) => void>();
  /** Uncaught exceptions and unhandled rejections the child reported. */
  readonly unhandled: { kind: string; detail: string }[] = [];
  /** Exit code or signal once the child exited on its own or was killed. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Set when the parent asked the child to close (so its exit is not a crash). */
  private closing = false;
  /** Resolves with the listening port. */
  readonly port: Promise<number>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;

  private constructor(readonly proc: ChildProcess) {
    let onPort: (port: number) => void = () => {};
    let onFail: (e: Error) => void = () => {};
    this.port = new Promise((resolve, reject) => {
      onPort = resolve;
      onFail = reject;
    });
    proc.on('message', (raw) => {
      const m = raw as { id?: number; value?: unknown; event?: string; data?: unknown };
      if (m.event === 'listening') onPort(Number(m.data));
      else if (m.event === 'uncaughtException' || m.event === 'unhandledRejection') {
        this.unhandled.push({ kind: m.event, detail: String(m.data) });
      } else if (m.id !== undefined) {
        this.waiting.get(m.id)?.(m.value);
        this.waiting.delete(m.id);
      }
    });
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        onFail(new Error(`server child exited (${code ?? signal}) before listening`));
        for (const w of this.waiting.values()) w(undefined);
        this.waiting.clear();
        resolve();
      });
    });
  }

  /** Starts the child: `--max-old-space-size=<heapMb>` and `--expose-gc`. */
  static spawn(config: FuzzServerConfig, heapMb: number): ServerChild {
    const proc = fork(join(HERE, 'serverChild.ts'), [JSON.stringify(config)], {
      cwd: join(HERE, '..'),
      execArgv: [
        '--conditions=source',
        '--import',
        'tsx',
        `--max-old-space-size=${heapMb}`,
        '--expose-gc',
        '--enable-source-maps',
      ],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new ServerChild(proc);
  }

  /** True when the child died without being asked to (a crash, an OOM kill). */
  get crashed(): boolean {
    return this.exit !== undefined && !this.closing;
  }

  /** Sends a request; resolves with the reply, or undefined if the child died or did not answer in time. */
  request<T>(cmd: ChildRequest['cmd'], timeoutMs = 30_000): Promise<T | undefined> {
    if (this.exit || !this.proc.connected) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value as T | undefined);
      });
      this.proc.send({ id, cmd } satisfies ChildRequest);
    });
  }

  /** Asks the server to close, then makes sure the process is gone. */
  async close(): Promise<void> {
    if (this.exit) return;
    this.closing = true;
    await this.request('close', 10_000);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
