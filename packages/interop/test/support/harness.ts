import { type Connection, type ConnectOptions, connect, type Doc, type Logger } from '@ddpx/client';
import {
  type CloseReason,
  createServer,
  type DDPServer,
  type PublicationContext,
  type ServerOptions,
} from '@ddpx/server';
import { seededRandom } from '@ddpx/statecharts';
import { type FaultProxy, startFaultProxy, until } from '@ddpx/testing';

/** A deterministic PRNG, so workloads are reproducible from a seed (the charts' own seeded source). */
export const prng: (seed: number) => () => number = seededRandom;

/** A logger that keeps what it was told (the client must never need it to pass these tests). */
export function recordingLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return { warnings, errors, warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
}

type Fields = Record<string, unknown>;

/** The server side of a run: a ddpx server whose methods count their executions. */
export interface Backend {
  readonly server: DDPServer;
  readonly port: number;
  /** The published `items` collection as the server sees it. */
  readonly db: Map<string, Fields>;
  /** Executions per call key (`bump:7`), over every session. */
  readonly runs: Map<string, number>;
  /** Executions per session and call key (`<session>/bump:7`). */
  readonly runsBySession: Map<string, number>;
  /** Session ids passed to onConnection, in order. */
  readonly connections: string[];
  /** `replayed` of every server `resume` event. */
  readonly resumes: number[];
  /** Number of `detach` events. */
  detaches: number;
  /** Close reasons of sessions that ended. */
  readonly closes: CloseReason[];
  /** Called when a `slow` method starts running (after its count). */
  onSlowStart: ((key: string) => void) | undefined;
  /** How long `slow` methods take. */
  slowMs: number;
  /** Server-side burst of `n` publication changes (adds, changes, removes on a pool of ids). */
  mutate(n: number): void;
  /** Writes one document (added or changed) and publishes it. */
  put(id: string, fields: Fields): void;
  stop(): Promise<void>;
}

/** Starts a ddpx server on 127.0.0.1:0 with the counting methods and the `items` publication. */
export async function startBackend(options: ServerOptions = {}, seed = 1): Promise<Backend> {
  const server = createServer(options);
  const random = prng(seed);
  const contexts = new Set<PublicationContext>();
  const db = new Map<string, Fields>();
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const executed = (session: string, key: string) => {
    count(backend.runs, key);
    count(backend.runsBySession, `${session}/${key}`);
  };
  const put = (id: string, fields: Fields) => {
    const had = db.has(id);
    db.set(id, { ...db.get(id), ...fields });
    for (const ctx of contexts) had ? ctx.changed('items', id, fields) : ctx.added('items', id, fields);
  };
  const remove = (id: string) => {
    if (!db.delete(id)) return;
    for (const ctx of contexts) ctx.removed('items', id);
  };
  let tick = 0;
  const backend: Backend = {
    server,
    port: 0,
    db,
    runs: new Map(),
    runsBySession: new Map(),
    connections: [],
    resumes: [],
    detaches: 0,
    closes: [],
    onSlowStart: undefined,
    slowMs: 15,
    mutate(n) {
      for (let i = 0; i < n; i++) {
        const id = `m${Math.floor(random() * 12)}`;
        const r = random();
        if (db.has(id) && r < 0.2) remove(id);
        else put(id, { tick: ++tick });
      }
    },
    put,
    stop: () => server.close(),
  };
  server.on('error', () => {});
  server.onConnection((c) => backend.connections.push(c.id));
  server.on('resume', (e) => backend.resumes.push(e.replayed));
  server.on('detach', () => backend.detaches++);
  server.on('close', (e) => backend.closes.push(e.reason));
  server.publish('items', function () {
    contexts.add(this);
    this.onStop(() => contexts.delete(this));
    for (const [id, fields] of db) this.added('items', id, fields);
    this.ready();
  });
  server.methods({
    whoami() {
      return this.connection.id;
    },
    bump(k) {
      executed(this.connection.id, `bump:${String(k)}`);
      return `b${String(k)}`;
    },
    write(k) {
      executed(this.connection.id, `write:${String(k)}`);
      put(`w${String(k)}`, { k, by: 'write' });
      return `w${String(k)}`;
    },
    async slow(k) {
      const key = `slow:${String(k)}`;
      executed(this.connection.id, key);
      backend.onSlowStart?.(key);
      await new Promise((r) => setTimeout(r, backend.slowMs));
      return `s${String(k)}`;
    },
  });
  const address = await server.listen(0, '127.0.0.1');
  (backend as { port: number }).port = address.port;
  return backend;
}

/** One call the client made and what reached the app for it. */
export interface CallRecord {
  readonly key: string;
  readonly expected: string;
  resolved: number;
  rejected: number;
  resultReceived: number;
  value: unknown;
  error: unknown;
}

/** The kind of call `i` of a workload: mixed wait/non-wait, some writing to the published collection. */
export function callKind(i: number): { method: 'bump' | 'write' | 'slow'; wait: boolean } {
  if (i % 10 === 0) return { method: 'bump', wait: true };
  if (i % 5 === 1) return { method: 'write', wait: false };
  if (i % 7 === 3) return { method: 'slow', wait: i % 14 === 3 };
  return { method: 'bump', wait: false };
}

/** The client side of a run: a ddpx client through the proxy, recording every delivery. */
export interface Frontend {
  readonly client: Connection;
  readonly calls: CallRecord[];
  /** Makes calls `from`..`to - 1` (see {@link callKind}); resolves when every one has settled. */
  issue(from: number, to: number): Promise<void>;
}

/** Connects a ddpx client to `url` with a fast backoff and records every call's deliveries. */
export function startFrontend(url: string, options: ConnectOptions = {}): Frontend {
  const client = connect(url, {
    backoff: () => 5,
    connectTimeoutMs: 2000,
    logger: recordingLogger(),
    ...options,
  });
  const calls: CallRecord[] = [];
  return {
    client,
    calls,
    issue(from, to) {
      const settled: Promise<unknown>[] = [];
      for (let i = from; i < to; i++) {
        const { method, wait } = callKind(i);
        const record: CallRecord = {
          key: `${method}:${i}`,
          expected: `${method[0]}${i}`,
          resolved: 0,
          rejected: 0,
          resultReceived: 0,
          value: undefined,
          error: undefined,
        };
        calls.push(record);
        const call = client.apply(method, [i], { wait, onResultReceived: () => record.resultReceived++ });
        settled.push(
          call.then(
            (v) => {
              record.resolved++;
              record.value = v;
            },
            (e: unknown) => {
              record.rejected++;
              record.error = e;
            },
          ),
        );
      }
      return Promise.all(settled).then(() => undefined);
    },
  };
}

/** A fresh server, a proxy in front of it and a client through the proxy. */
export interface Rig {
  backend: Backend;
  proxy: FaultProxy;
  front: Frontend;
  close(): Promise<void>;
}

/** Starts server, proxy and client (subscribed to `items`). */
export async function startRig(
  serverOptions: ServerOptions = { resume: { gracePeriodMs: 5000 } },
  clientOptions: ConnectOptions = {},
  seed = 1,
): Promise<Rig> {
  const backend = await startBackend(serverOptions, seed);
  const proxy = await startFaultProxy({ port: backend.port });
  const front = startFrontend(proxy.wsUrl, clientOptions);
  return {
    backend,
    proxy,
    front,
    async close() {
      front.client.close();
      await proxy.close();
      await backend.stop();
    },
  };
}

/** The client's `items` as plain objects keyed by id (without `_id`). */
export function clientView(client: Connection): Map<string, Fields> {
  const out = new Map<string, Fields>();
  for (const doc of client.collection('items').find()) {
    const { _id, ...fields } = doc as Doc;
    out.set(_id, fields);
  }
  return out;
}

/** Waits until the client's `items` equal the server's (stable for a few ms). */
export async function converged(rig: Rig, ms = 5000): Promise<void> {
  const same = () =>
    JSON.stringify(sorted(clientView(rig.front.client))) === JSON.stringify(sorted(rig.backend.db));
  await until(same, ms, 'client collection to equal the server view');
  await new Promise((r) => setTimeout(r, 10));
  await until(same, ms, 'client collection to stay equal to the server view');
}

function sorted(map: Map<string, Fields>): Array<[string, Fields]> {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, f]) => [id, Object.fromEntries(Object.entries(f).sort(([a], [b]) => (a < b ? -1 : 1)))]);
}

/** Every call delivered exactly once with its own value; every server execution exactly once. */
export function exactlyOnceViolations(rig: Rig): string[] {
  const problems: string[] = [];
  for (const c of rig.front.calls) {
    if (c.resolved !== 1 || c.rejected !== 0)
      problems.push(`${c.key}: resolved ${c.resolved}×, rejected ${c.rejected}× (${String(c.error)})`);
    else if (c.value !== c.expected) problems.push(`${c.key}: value ${String(c.value)}`);
    if (c.resultReceived !== 1) problems.push(`${c.key}: onResultReceived ${c.resultReceived}×`);
    const runs = rig.backend.runs.get(c.key) ?? 0;
    if (runs !== 1) problems.push(`${c.key}: executed ${runs}× on the server`);
  }
  return problems;
}
