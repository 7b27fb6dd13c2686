import { SimulatedClock } from 'xstate';
import {
  type Connection,
  type ConnectOptions,
  connect,
  type Logger,
  MemoryServer,
  type MemorySocket,
} from '../src/index.js';

/** Let microtasks and promise chains run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A logger that records what it was told. */
export function recordingLogger(): Logger & { warnings: string[]; errors: string[] } {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    warn: (m) => warnings.push(m),
    error: (m) => errors.push(m),
  };
}

export const V = { version: '1', support: ['1', 'pre2', 'pre1'] };

/** A connection over the in-memory transport, under a SimulatedClock. */
export function setup(options: ConnectOptions = {}) {
  const server = new MemoryServer();
  const clock = new SimulatedClock();
  clock.set(1_000_000);
  const logger = recordingLogger();
  const conn = connect('ws://test/websocket', {
    transport: server.transport,
    clock,
    random: () => 0.5,
    logger,
    ...options,
  });
  return { server, clock, conn, logger };
}

/** Opens the current socket and lets the reconnect replay run. */
export async function open(server: MemoryServer): Promise<MemorySocket> {
  const socket = server.current;
  socket.accept();
  await flush();
  return socket;
}

/** Parsed frames sent on a socket from index `from`. */
export function sentSince(socket: MemorySocket, from = 0): Record<string, unknown>[] {
  return socket.messages().slice(from);
}

/** Brings a fresh connection to a live first session `session`. */
export async function live(_conn: Connection, server: MemoryServer, session = '17'): Promise<MemorySocket> {
  const socket = await open(server);
  socket.receive({ msg: 'connected', session });
  await flush();
  return socket;
}
