import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { AnyMachineSnapshot } from 'xstate';
import { type InspectedSession, ServerInspectorLink } from '../src/inspectorLink.js';
import { resolveOptions } from '../src/options.js';

// The server's inspector link against a real WebSocket receiver on loopback: what it batches, what it
// counts, and what it leaves out.
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Batch {
  type: string;
  sessions: Array<{ id: string; state: string; resumes: number; closeReason?: string; graceEndsAt?: number }>;
  counts: { byState: Record<string, number>; resumes: number; closes: Record<string, number> };
}

async function receiver() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const messages: Array<{ type: string } & Partial<Batch>> = [];
  wss.on('connection', (ws) => ws.on('message', (d) => messages.push(JSON.parse(d.toString()))));
  cleanup.push(() => new Promise((resolve) => wss.close(resolve)));
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    batches: () => messages.filter((m) => m.type === '@ddpx.sessions') as Batch[],
    messages,
  };
}

const snap = (value: unknown, status = 'active', context: object = {}) =>
  ({ value, status, context }) as unknown as AnyMachineSnapshot;

function fakeSession(
  id: string,
  stats = { subscriptions: 0, methodsInFlight: 0, bufferedBytes: 0 },
): InspectedSession {
  return {
    id,
    transport: 'websocket',
    connection: { clientAddress: '127.0.0.1' },
    inspectStats: () => stats,
  };
}

describe('ServerInspectorLink', () => {
  it('sends at most maxPerBatch summaries a batch, the rest later, with whole counts every time', async () => {
    const r = await receiver();
    const options = resolveOptions({ inspect: r.url });
    const link = new ServerInspectorLink(r.url, options, { intervalMs: 30, maxPerBatch: 10 });
    cleanup.push(() => link.close());
    const hooks = Array.from({ length: 25 }, (_, i) => link.watch(fakeSession(`s${i}`)));
    for (const hook of hooks) hook(snap({ established: 'idle' }), { type: 'xstate.init' });
    await expect.poll(() => new Set(r.batches().flatMap((b) => b.sessions.map((s) => s.id))).size).toBe(25);
    expect(r.messages[0]?.type).toBe('@ddpx.server');
    for (const b of r.batches()) {
      expect(b.sessions.length).toBeLessThanOrEqual(10);
      expect(b.counts.byState).toEqual({ established: 25 });
    }
    // A heartbeat (idle → pinging) is no change of top-level state: the next batches carry no summaries.
    for (const hook of hooks)
      hook(snap({ established: 'pinging' }), { type: 'xstate.after.heartbeatInterval' });
    const seen = r.batches().length;
    await expect.poll(() => r.batches().length).toBeGreaterThan(seen + 1);
    expect(
      r
        .batches()
        .slice(seen)
        .every((b) => b.sessions.length === 0),
    ).toBe(true);
  });

  it('counts resumes and closes by reason, reports grace deadlines, and leaves hand-offs out of the counts', async () => {
    const r = await receiver();
    const options = resolveOptions({ inspect: r.url, resume: { gracePeriodMs: 5000 } });
    const link = new ServerInspectorLink(r.url, options, { intervalMs: 30 });
    cleanup.push(() => link.close());
    await expect.poll(() => r.messages.length).toBeGreaterThan(0);
    const a = link.watch(fakeSession('a'));
    const h = link.watch(fakeSession('h'));
    a(snap({ established: 'idle' }), { type: 'xstate.init' });
    h(snap('awaitingConnect'), { type: 'xstate.init' });
    a(snap({ established: 'pinging' }), { type: 'xstate.after' });
    a(snap('detached'), { type: 'SOCKET.CLOSED' });
    h(snap('handedOff', 'done'), { type: 'DDP.CONNECT' });
    await expect.poll(() => r.batches().at(-1)?.counts.byState).toEqual({ detached: 1 });
    const detached = r
      .batches()
      .flatMap((b) => b.sessions)
      .find((s) => s.id === 'a' && s.state === 'detached');
    expect(detached?.graceEndsAt).toBeGreaterThan(Date.now());
    a(snap({ established: 'idle' }), { type: 'RESUME' });
    a(snap('closed', 'done', { closeReason: 'server-close' }), { type: 'SERVER.CLOSE' });
    await expect
      .poll(() => r.batches().at(-1)?.counts)
      .toEqual({ byState: {}, resumes: 1, closes: { 'server-close': 1 } });
    const last = r
      .batches()
      .flatMap((b) => b.sessions)
      .filter((s) => s.id === 'a')
      .at(-1);
    expect(last).toMatchObject({ state: 'closed', closeReason: 'server-close', resumes: 1 });
  });

  it('sends a changed stat (a method in flight) without a state change', async () => {
    const r = await receiver();
    const link = new ServerInspectorLink(r.url, resolveOptions({ inspect: r.url }), { intervalMs: 30 });
    cleanup.push(() => link.close());
    const stats = { subscriptions: 0, methodsInFlight: 0, bufferedBytes: 0 };
    link.watch(fakeSession('m', stats))(snap({ established: 'idle' }), { type: 'xstate.init' });
    await expect.poll(() => r.batches().some((b) => b.sessions.length > 0)).toBe(true);
    stats.methodsInFlight = 2;
    await expect
      .poll(
        () =>
          r
            .batches()
            .flatMap((b) => b.sessions as Array<{ methodsInFlight?: number }>)
            .at(-1)?.methodsInFlight,
      )
      .toBe(2);
  });
});
