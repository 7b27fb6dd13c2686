import { ScriptedServer, until } from '@ddpx/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connection, type ConnectOptions, connect } from '../src/index.js';
import { recordingLogger } from './helpers.js';

const servers: ScriptedServer[] = [];
const conns: Connection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop().catch(() => {});
});

async function server(options = {}) {
  const s = await new ScriptedServer(options).start();
  servers.push(s);
  return s;
}
function client(url: string, options: ConnectOptions = {}) {
  const c = connect(url, { backoff: () => 20, logger: recordingLogger(), ...options });
  conns.push(c);
  return c;
}

describe('WebSocket transport over real loopback sockets', () => {
  it('connects with ws in Node, sends headers, calls and subscribes', async () => {
    const s = await server();
    const c = client(`http://127.0.0.1:${s.port}`, { headers: { 'x-ddpx-test': 'yes' } });
    await expect(c.call('echo', 'hi')).resolves.toBe('hi');
    expect(s.handshakeHeaders[0]!['x-ddpx-test']).toBe('yes');
    const sub = c.subscribe('things');
    await sub.whenReady();
    expect(c.collection('items').findOne(`doc-${sub.id}`)).toMatchObject({ name: 'things' });
    expect(c.status()).toEqual({ status: 'connected', connected: true, retryCount: 0 });
  });

  it('cut mid-method: the socket dies before the result; the call is re-sent with the same id', async () => {
    let calls = 0;
    const s = await server({
      onMethod: (m: { id: string }) => {
        calls++;
        return calls === 1 ? undefined : `answer-${m.id}`;
      },
    });
    const c = client(s.url);
    const p = c.call('slow');
    await until(() => calls === 1);
    s.kill();
    await expect(p).resolves.toBe('answer-1');
    const methods = s.frames.filter((f) => f.msg === 'method');
    expect(methods.map((m) => m.id)).toEqual(['1', '1']);
    const connects = s.frames.filter((f) => f.msg === 'connect');
    expect(connects[1]).toMatchObject({ session: 'session-1' });
  });

  it('server restart on the same port: the client comes back by itself', async () => {
    const s = await server();
    const c = client(s.url);
    await c.call('echo', 1);
    const port = s.port;
    await s.stop();
    await until(() => c.status().status !== 'connected');
    const seen = new Set<string>();
    c.onStatus((st) => seen.add(st.status));
    const again = await new ScriptedServer().start(port);
    servers.push(again);
    await expect(c.call('echo', 2)).resolves.toBe(2);
    expect(seen.has('connecting')).toBe(true);
  });

  it('refused connections keep retrying with a growing retryCount', async () => {
    const s = await server();
    const url = s.url;
    await s.stop();
    servers.length = 0;
    const c = client(url);
    await until(() => c.status().retryCount >= 2);
    expect(['waiting', 'connecting']).toContain(c.status().status);
  });

  it('answers failed: renegotiates to the suggested version', async () => {
    const s = await server({ versions: ['pre2'] });
    const c = client(s.url);
    await expect(c.call('echo', 'v')).resolves.toBe('v');
    const connects = s.frames.filter((f) => f.msg === 'connect');
    expect(connects.map((f) => f.version)).toEqual(['1', 'pre2']);
  });

  it('server stops answering pings: heartbeat timeout drops the link and reconnects', async () => {
    const s = await server({ answerPings: false });
    const c = client(s.url, { heartbeatInterval: 60, heartbeatTimeout: 60 });
    await c.call('echo', 1);
    await until(() => s.sockets.length >= 2, 3000);
    expect(s.frames.some((f) => f.msg === 'ping')).toBe(true);
  });

  it('binary frames and hello objects are ignored', async () => {
    const s = await server();
    const logger = recordingLogger();
    const c = client(s.url, { logger });
    await c.call('echo', 1);
    s.sockets[0]!.send(Buffer.from([1, 2, 3]), { binary: true });
    s.sockets[0]!.send(JSON.stringify({ server_id: '0' }));
    await expect(c.call('echo', 2)).resolves.toBe(2);
    expect(c.stats().badInput).toEqual({});
    expect(logger.warnings).toEqual([]);
  });

  it('disconnect() sends the goodbye and keeps calls for reconnect()', async () => {
    const s = await server();
    const c = client(s.url);
    await c.call('echo', 1);
    c.disconnect();
    await until(() => s.frames.some((f) => f.msg === 'disconnect'));
    const p = c.call('echo', 'later');
    await new Promise((r) => setTimeout(r, 30));
    expect(s.frames.filter((f) => f.msg === 'method')).toHaveLength(1);
    c.reconnect();
    await expect(p).resolves.toBe('later');
  });
});
