import { rmSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { connect, InspectorLink } from '@ddpx/client';
import { createServer } from '@ddpx/server';
import { createWebSocketInspector } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine, type InspectionEvent } from 'xstate';
import { type RunningInspector, startInspector } from '../src/index.js';
import { fakePageDir } from './support/fakePage.js';

const pageDir = fakePageDir();
process.on('exit', () => rmSync(pageDir, { recursive: true, force: true }));
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function inspector(port = 0): Promise<RunningInspector> {
  const r = await startInspector({ port, pageDir });
  cleanup.push(() => r.close());
  return r;
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function ddpServer(inspect?: string) {
  const server = createServer({ ...(inspect ? { inspect } : {}), resume: { gracePeriodMs: 10_000 } });
  server.methods({ slow: () => new Promise((resolve) => setTimeout(() => resolve('done'), 1500)) });
  server.publish('things', function () {
    this.ready();
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanup.push(() => server.close());
  return { server, url: `ws://127.0.0.1:${port}/websocket` };
}

const topState = (value: unknown) => (typeof value === 'string' ? value : Object.keys(value as object)[0]);

describe('a client streaming to an inspector URL', () => {
  it('registers its chart and streams every transition, with the scheduled timers', async () => {
    const r = await inspector();
    const { url } = await ddpServer();
    const conn = connect(url, { inspect: `${r.inspectUrl}?name=c1`, backoff: () => 5000 });
    cleanup.push(() => conn.close());
    await expect.poll(() => conn.status().status).toBe('connected');
    const actor = () => [...r.hub.model.actors.values()].find((a) => a.name === 'ddpClient');
    // (TRANSPORT.OPEN already enters `connected`, awaiting the server's `connected`)
    await expect
      .poll(() => actor()?.steps.at(-1)?.value)
      .toMatchObject({ linked: { connected: { session: 'live' } } });
    expect(JSON.parse(actor()!.definition!).id).toBe('ddpClient');
    expect(actor()!.log.map((l) => l.event.type)).toContain('DDP.CONNECTED');
    // DDP.ACTIVITY (every inbound message) is not streamed.
    expect(actor()!.log.some((l) => l.event.type === 'DDP.ACTIVITY')).toBe(false);
    conn.disconnect();
    await expect.poll(() => topState(actor()?.steps.at(-1)?.value)).toBe('offline');
    // (the socket's own TRANSPORT.CLOSED may follow, leaving it offline)
    const step = actor()!.steps.find((s) => s.event.type === 'DISCONNECT');
    expect(topState(step?.value)).toBe('offline');
  });

  it('holds a bounded buffer while the inspector is down, counts what it dropped, and delivers the rest later', async () => {
    const port = await freePort();
    const link = new InspectorLink(`ws://127.0.0.1:${port}/?name=late`, { maxBuffered: 5, retryMs: 50 });
    cleanup.push(() => link.close());
    const machine = createMachine({
      id: 'counter',
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { on: { GO: 'a' } } },
    });
    const actor = createActor(machine, { inspect: link.observer }).start();
    for (let i = 0; i < 10; i++) actor.send({ type: 'GO' });
    // 1 actor + 1 initial snapshot + 10 × (event + snapshot) = 22 messages, 5 kept.
    expect(link.dropped).toBe(17);
    const r = await inspector(port);
    const record = () => r.hub.model.actors.get(`p1/${actor.sessionId}`);
    await expect.poll(() => record()?.log.length).toBe(2);
    // Re-registered first (with its current snapshot), then the last buffered messages in order.
    expect(record()!.definition).toContain('"counter"');
    // (messages 18-22: snapshot 8, event 9, snapshot 9, event 10, snapshot 10)
    expect(record()!.steps.map((s) => s.value)).toEqual(['a', 'a', 'b', 'a']);
  });

  it('never crashes its host when the inspector is unreachable, and rejects a non-ws URL at once', async () => {
    const port = await freePort();
    const { url } = await ddpServer();
    const conn = connect(url, { inspect: `ws://127.0.0.1:${port}` });
    cleanup.push(() => conn.close());
    await expect.poll(() => conn.status().status).toBe('connected');
    expect(() => connect(url, { inspect: 'http://127.0.0.1:4000' })).toThrow(TypeError);
    expect(() => connect(url, { inspect: 'nope' })).toThrow(TypeError);
  });

  it('attaches late (connection.inspect) and replays the current snapshot first', async () => {
    const r = await inspector();
    const { url } = await ddpServer();
    const conn = connect(url);
    cleanup.push(() => conn.close());
    await expect.poll(() => conn.status().status).toBe('connected');
    const now = conn.actor.getSnapshot().value;
    const stop = conn.inspect(`${r.inspectUrl}?name=late`);
    const actor = () => [...r.hub.model.actors.values()].find((a) => a.name === 'ddpClient');
    await expect.poll(() => actor()?.steps[0]?.value).toEqual(now);
    expect(actor()!.steps[0]?.event.type).toBe('xstate.init');
    stop();
    // An observer gets the same replay as inspection events.
    const seen: InspectionEvent[] = [];
    const stopObserver = conn.inspect((e) => seen.push(e));
    expect(seen.map((e) => e.type)).toEqual(['@xstate.actor', '@xstate.snapshot']);
    stopObserver();
  });
});

describe('a server streaming to an inspector URL', () => {
  it('sends session summaries (state, address, subscriptions, methods in flight), counts, and one session in full on request', async () => {
    const r = await inspector();
    const { server, url } = await ddpServer(`${r.inspectUrl}?name=srv`);
    const conn = connect(url);
    cleanup.push(() => conn.close());
    await conn.subscribe('things').whenReady();
    const call = conn.call('slow');
    await expect.poll(() => server.connections.size).toBe(1);
    const record = () => [...r.hub.model.servers.values()][0];
    const row = () => record()?.sessions.get(conn.sessionId!);
    await expect.poll(() => row()?.methodsInFlight, { timeout: 5000 }).toBe(1);
    expect(row()).toMatchObject({ clientAddress: '127.0.0.1', transport: 'websocket', subscriptions: 1 });
    expect(row()!.state).toMatch(/^established/);
    expect(record()!.counts.byState).toEqual({ established: 1 });
    expect(record()!.name).toBe(`ddpx server ${new URL(url).host} (pid ${process.pid})`);
    await call;
    await expect.poll(() => row()?.methodsInFlight, { timeout: 5000 }).toBe(0);

    // Focus: the server streams that session's chart (the page sends this on a click).
    const page = new (await import('ws')).default(`${r.inspectUrl}page`, { origin: r.url.slice(0, -1) });
    cleanup.push(() => page.close());
    await new Promise((resolve) => page.once('open', resolve));
    page.send(
      JSON.stringify({
        type: 'focus',
        producer: record()!.producer,
        serverId: record()!.serverId,
        sessionId: conn.sessionId,
      }),
    );
    const session = () => r.hub.model.actors.get(`${record()!.producer}/${conn.sessionId}`);
    await expect.poll(() => topState(session()?.steps.at(-1)?.value)).toBe('established');
    expect(JSON.parse(session()!.definition!).id).toBe('ddpSession');
    expect(
      session()!
        .steps.at(-1)
        ?.timers.map((t) => t.id),
    ).toEqual(['heartbeatInterval']);

    conn.disconnect();
    await expect.poll(() => row()?.state).toBe('closed');
    expect(row()!.closeReason).toBe('client-disconnect');
    await expect.poll(() => record()?.counts.closes).toEqual({ 'client-disconnect': 1 });
    expect(topState(session()?.steps.at(-1)?.value)).toBe('closed');
  });

  it('keeps serving while the inspector is unreachable, and sends the whole table once it comes', async () => {
    const port = await freePort();
    const { server, url } = await ddpServer(`ws://127.0.0.1:${port}`);
    const conn = connect(url);
    cleanup.push(() => conn.close());
    await expect.poll(() => server.connections.size).toBe(1);
    const r = await inspector(port);
    const record = () => [...r.hub.model.servers.values()][0];
    await expect.poll(() => record()?.sessions.size, { timeout: 6000 }).toBe(1);
    expect(record()!.dropped).toBeGreaterThan(0);
    expect(() => createServer({ inspect: 'http://x' })).toThrow(TypeError);
  });
});

describe('the hub', () => {
  it('survives malformed messages from a sender and keeps serving the others', async () => {
    const r = await inspector();
    const ws = new (await import('ws')).default(r.inspectUrl);
    cleanup.push(() => ws.close());
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      '{"type":"@ddpx.server","serverId":"s","name":"x","startedAt":0,"gracePeriodMs":1,"intervalMs":1}',
    );
    ws.send('{"type":"@ddpx.sessions","serverId":"s","at":1,"sessions":[null],"counts":{}}');
    ws.send('not json');
    ws.send('{"type":"@xstate.actor","sessionId":"x:0","snapshot":{"value":"ok"}}');
    await expect.poll(() => r.hub.model.actors.get('p1/x:0')?.steps[0]?.value).toBe('ok');
    expect(r.hub.ignored).toBe(2);
  });
});

describe('@statelyai/inspect', () => {
  it("createWebSocketInspector's messages are understood: the actor, its definition, events and snapshots", async () => {
    const r = await inspector();
    const stately = createWebSocketInspector({ url: `${r.inspectUrl}?name=stately` });
    cleanup.push(() => stately.stop());
    const machine = createMachine({
      id: 'light',
      initial: 'green',
      states: { green: { on: { NEXT: 'yellow' } }, yellow: {} },
    });
    const actor = createActor(machine, { inspect: stately.inspect }).start();
    cleanup.push(() => actor.stop());
    actor.send({ type: 'NEXT', by: 'test' });
    const record = () => [...r.hub.model.actors.values()].find((a) => a.name === 'light');
    await expect.poll(() => record()?.steps.at(-1)?.value, { timeout: 5000 }).toBe('yellow');
    expect(JSON.parse(record()!.definition!).states.green.on.NEXT).toBe('yellow');
    expect(record()!.log.map((l) => l.event)).toContainEqual({ type: 'NEXT', by: 'test' });
  });
});
