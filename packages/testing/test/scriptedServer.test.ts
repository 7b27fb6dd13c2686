import { afterEach, describe, expect, it } from 'vitest';
import { closeRawClients, RawClient, ScriptedServer, until } from '../src/index.js';

const servers: ScriptedServer[] = [];

afterEach(async () => {
  closeRawClients();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(options?: ConstructorParameters<typeof ScriptedServer>[0]): Promise<ScriptedServer> {
  const server = await new ScriptedServer(options).start();
  servers.push(server);
  return server;
}

describe('ScriptedServer', () => {
  it('answers connect, ping, method and sub by default, and records every frame and upgrade', async () => {
    const server = await start();
    const c = await RawClient.connect(server.url, { version: '1', support: ['1'] }, [], {
      headers: { 'x-test': 'yes' },
    });
    expect(c.session).toBe('session-1');
    expect(await c.call('echo', ['hi'], 'm1')).toEqual({ msg: 'result', id: 'm1', result: 'hi' });
    await c.next((m) => m.msg === 'updated');
    expect(await c.sub('things', [], 's1')).toEqual({ msg: 'ready', subs: ['s1'] });
    expect(c.messages).toContainEqual({
      msg: 'added',
      collection: 'items',
      id: 'doc-s1',
      fields: { name: 'things' },
    });
    c.send({ msg: 'ping', id: 'p' });
    await c.next((m) => m.msg === 'pong' && m.id === 'p');
    expect(server.frames.map((f) => f.msg)).toEqual(['connect', 'method', 'sub', 'ping']);
    expect(server.handshakeHeaders[0]?.['x-test']).toBe('yes');
  });

  it('fails an unsupported version, and follows onMethod, onSub and answerPings: false', async () => {
    const server = await start({
      versions: ['pre2'],
      answerPings: false,
      onMethod: ({ method, params }) => (method === 'silent' ? undefined : { method, params }),
      onSub: ({ id }, socket) => socket.send(JSON.stringify({ msg: 'nosub', id, error: { error: 'no' } })),
    });
    const failed = await RawClient.connect(server.url, { version: '1', support: ['1'] });
    expect(failed.messages).toEqual([{ msg: 'failed', version: 'pre2' }]);
    await failed.closed;
    const c = await RawClient.connect(server.url, { version: 'pre2', support: ['pre2'] });
    expect(await c.call('m', [1], 'a')).toMatchObject({ result: { method: 'm', params: [1] } });
    c.send({ msg: 'method', method: 'silent', params: [], id: 'b' });
    c.send({ msg: 'ping', id: 'p' });
    expect(await c.sub('x', [], 's')).toMatchObject({ msg: 'nosub', id: 's' });
    await until(() => server.frames.length === 6);
    expect(c.messages.some((m) => m.msg === 'pong' || m.id === 'b')).toBe(false);
  });

  it('broadcast() reaches every socket; kill() cuts them and the next connect gets a new session', async () => {
    const server = await start();
    const a = await RawClient.connect(server.url, { version: '1', support: ['1'] });
    const b = await RawClient.connect(server.url, { version: '1', support: ['1'] });
    server.broadcast({ msg: 'added', collection: 'pushed', id: 'x', fields: { a: 1 } });
    for (const c of [a, b]) await c.next((m) => m.msg === 'added' && m.id === 'x');
    server.kill();
    expect(await a.closed).toBe(1006);
    expect(await b.closed).toBe(1006);
    const c = await RawClient.connect(server.url, { version: '1', support: ['1'] });
    expect([a.session, b.session, c.session]).toEqual(['session-1', 'session-2', 'session-3']);
    expect(server.sockets.length).toBe(3);
  });
});
