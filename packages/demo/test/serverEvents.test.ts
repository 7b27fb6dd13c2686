import { get, request } from 'node:http';
import { connect } from '@ddpx/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, type DemoServerState, startDemoServer } from '../src/server/demoServer.js';

// The Server panel's feed: pushed as Server-Sent Events over a real socket, surviving /admin/drop.
let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemoServer({ port: 0, pageDir: '/nonexistent', restartDowntimeMs: 200 });
});
afterAll(async () => {
  await demo.close();
});

function openStream(url: string) {
  const states: DemoServerState[] = [];
  const waiters: { test: (s: DemoServerState) => boolean; resolve: (s: DemoServerState) => void }[] = [];
  let buffer = '';
  const req = get(`${url}admin/events/stream`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) {
          const state = JSON.parse(data.slice(6)) as DemoServerState;
          states.push(state);
          for (const w of waiters.splice(0))
            if (w.test(state)) w.resolve(state);
            else waiters.push(w);
        }
        end = buffer.indexOf('\n\n');
      }
    });
  });
  const until = (test: (s: DemoServerState) => boolean) =>
    new Promise<DemoServerState>((resolve) => {
      const seen = states.find(test);
      if (seen) resolve(seen);
      else waiters.push({ test, resolve });
    });
  return { states, until, close: () => req.destroy() };
}

const post = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });

describe('the demo server pushes its events', () => {
  it('sends the state at once, then each change, over SockJS too, and keeps the stream through a drop', async () => {
    const stream = openStream(demo.url);
    const first = await stream.until(() => true);
    expect(first).toMatchObject({ up: true, generation: 1, sessions: 0 });
    const connection = connect(`${demo.url.replace(/\/$/, '')}`, { transport: 'sockjs' });
    const connected = await stream.until((s) => s.events.some((e) => e.event === 'connection'));
    expect(connected.sessions).toBe(1);
    expect(connected.events.at(-1)).toMatchObject({ event: 'connection', detail: 'server #1, sockjs' });
    await post(`${demo.url}admin/drop`);
    const dropped = await stream.until((s) => s.events.some((e) => e.event === 'drop'));
    expect(dropped.events.map((e) => e.seq)).toEqual(dropped.events.map((_, i) => i + 1));
    await post(`${demo.url}admin/restart`);
    await stream.until((s) => !s.up);
    await stream.until((s) => s.up && s.generation === 2);
    connection.close();
    stream.close();
  });
});
