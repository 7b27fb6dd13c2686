import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createActor, createMachine } from 'xstate';
import { InspectorLink } from '../src/index.js';

// InspectorLink's stream is loaded on first use (a dynamic import). These tests pin what happens
// before it is in, against a real WebSocket server on loopback standing in for the inspector.
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function fakeInspector() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const messages: Array<{ type: string; event?: { type: string } }> = [];
  let sockets = 0;
  wss.on('connection', (socket) => {
    sockets++;
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  });
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}`, messages, sockets: () => sockets };
}

const machine = createMachine({
  id: 'door',
  initial: 'closed',
  states: { closed: { on: { OPEN: 'open', CLOSE: 'done' } }, open: { on: { SHUT: 'closed' } }, done: {} },
});

describe('InspectorLink before and after its stream has loaded', () => {
  it('delivers what was observed before the load, in order, then streams live', async () => {
    const inspector = await fakeInspector();
    const link = new InspectorLink(inspector.url);
    cleanup.push(() => link.close());
    const actor = createActor(machine, { inspect: link.observer }).start();
    actor.send({ type: 'OPEN' }); // synchronous: the stream cannot have loaded yet
    await expect.poll(() => inspector.messages.length).toBeGreaterThanOrEqual(4);
    actor.send({ type: 'SHUT' });
    await expect.poll(() => inspector.messages.some((m) => m.event?.type === 'SHUT')).toBe(true);
    const events = inspector.messages.filter((m) => m.type === '@xstate.event').map((m) => m.event?.type);
    expect(events).toEqual(['xstate.init', 'OPEN', 'SHUT']);
    expect(inspector.messages[0]!.type).toBe('@xstate.actor');
    expect(link.dropped).toBe(0);
    expect(inspector.sockets()).toBe(1);
  });

  it('opens no socket at all when closed before the stream loaded', async () => {
    const inspector = await fakeInspector();
    const link = new InspectorLink(inspector.url);
    createActor(machine, { inspect: link.observer }).start().send({ type: 'OPEN' });
    link.close();
    // Another link created after it, on the same inspector, connects: the first one's load is over by then.
    const witness = new InspectorLink(inspector.url);
    cleanup.push(() => witness.close());
    createActor(machine, { inspect: witness.observer }).start();
    await expect.poll(() => inspector.messages.length).toBeGreaterThan(0);
    expect(inspector.sockets()).toBe(1);
  });

  it("a root actor's CLOSE event ends the link even while the stream loads", async () => {
    const inspector = await fakeInspector();
    const link = new InspectorLink(inspector.url);
    createActor(machine, { inspect: link.observer }).start().send({ type: 'CLOSE' });
    const witness = new InspectorLink(inspector.url);
    cleanup.push(() => witness.close());
    createActor(machine, { inspect: witness.observer }).start();
    await expect.poll(() => inspector.messages.length).toBeGreaterThan(0);
    expect(inspector.sockets()).toBe(1);
  });

  it('rejects a non-ws URL at once', () => {
    expect(() => new InspectorLink('http://127.0.0.1:4000')).toThrow(TypeError);
    expect(() => new InspectorLink('nope')).toThrow(TypeError);
  });
});
