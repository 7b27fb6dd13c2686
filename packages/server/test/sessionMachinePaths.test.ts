import { afterEach, describe, expect, it } from 'vitest';
import type { CloseReason, ServerOptions } from '../src/index.js';
import { delay, RawClient, start, stopAll } from './helpers.js';

afterEach(stopAll);

const receivedCount = (c: RawClient) =>
  c.messages.filter((m) => m.msg && m.msg !== 'ping' && m.msg !== 'pong').length;

// Sessions run their machine as a bare snapshot (MachineRunner), or as a real actor when `inspect` is
// set: both must behave the same, timers included.
describe.each([
  { path: 'snapshot runner', inspected: false },
  { path: 'inspected actor', inspected: true },
])('session machine as $path', ({ inspected }) => {
  let inspections = 0;
  const withInspect = (o: ServerOptions): ServerOptions =>
    inspected ? { ...o, inspect: () => void inspections++ } : o;

  it('pings after heartbeatInterval, closes after heartbeatTimeout; answers keep it alive', async () => {
    const reasons: CloseReason[] = [];
    inspections = 0;
    const { wsUrl, server } = await start(
      withInspect({ heartbeatInterval: 60, heartbeatTimeout: 60, resume: false }),
    );
    server.on('close', (e) => reasons.push(e.reason));
    const quiet = await RawClient.connect(wsUrl);
    const chatty = await RawClient.connect(wsUrl);
    chatty.ws.on('message', (raw) => {
      if (JSON.parse(String(raw)).msg === 'ping') chatty.send({ msg: 'pong' });
    });
    await quiet.next((m) => m.msg === 'ping');
    expect(await quiet.closed).toBe(1000);
    await delay(150);
    expect(reasons).toEqual(['heartbeat-timeout']);
    expect(chatty.closeCode).toBeUndefined();
    expect(chatty.messages.filter((m) => m.msg === 'ping').length).toBeGreaterThan(0);
    expect(inspections > 0).toBe(inspected);
  });

  it('detaches on a drop, resumes the same session, then expires after the grace period', async () => {
    const events: string[] = [];
    const { wsUrl, server } = await start(withInspect({ resume: { gracePeriodMs: 120 } }), (s) => {
      s.on('detach', () => events.push('detach'));
      s.on('resume', () => events.push('resume'));
      s.on('close', (e) => events.push(`close:${e.reason}`));
    });
    const a = await RawClient.connect(wsUrl);
    a.terminate();
    await a.closed;
    await delay(20);
    const b = await RawClient.connect(wsUrl, {
      session: a.session,
      resumeToken: a.resumeToken,
      receivedCount: receivedCount(a),
    });
    expect(b.session).toBe(a.session);
    await delay(200); // longer than the grace period: the resume cancelled its timer
    expect(server.connections.has(a.session!)).toBe(true);
    b.terminate();
    await b.closed;
    await delay(200);
    expect(server.connections.size).toBe(0);
    expect(events).toEqual(['detach', 'resume', 'detach', 'close:grace-expired']);
  });
});
