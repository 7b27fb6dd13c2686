import { createServer, type Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cutAtNth, type FaultProxy, startFaultProxy, until } from '../src/index.js';

let echo: Server | undefined;
let proxy: FaultProxy | undefined;
const sockets: Socket[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy?.close();
  proxy = undefined;
  if (echo) await new Promise<void>((r) => echo!.close(() => r()));
  echo = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

/** A TCP server on 127.0.0.1:0 that greets every connection with `name:` and echoes what it gets; returns its port. */
async function namedServer(name: string): Promise<{ port: number; open: Socket[] }> {
  const open: Socket[] = [];
  const server = createServer((s) => {
    open.push(s);
    s.on('error', () => {});
    s.on('close', () => open.splice(open.indexOf(s), 1));
    s.write(`${name}:`);
    s.on('data', (d) => s.write(d));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, open };
}

/** An echo server behind a fresh proxy; returns a connected client socket and what it received. */
async function setup() {
  const serverSide: Socket[] = [];
  echo = createServer((s) => {
    serverSide.push(s);
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', r));
  const address = echo.address();
  proxy = await startFaultProxy({ port: typeof address === 'object' && address ? address.port : 0 });
  return { serverSide, dial: () => dial(proxy!.port) };
}

async function dial(port: number) {
  const socket = new Socket();
  sockets.push(socket);
  let received = '';
  let closed = false;
  socket.on('data', (d) => {
    received += d.toString('latin1');
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
    socket.connect(port, '127.0.0.1');
  });
  return {
    socket,
    get received() {
      return received;
    },
    get closed() {
      return closed;
    },
  };
}

describe('fault proxy', () => {
  it('forwards both ways, and cut() kills every pair at once', async () => {
    const { serverSide, dial } = await setup();
    const a = await dial();
    const b = await dial();
    a.socket.write('hello');
    b.socket.write('world');
    await until(() => a.received === 'hello' && b.received === 'world');
    expect(proxy!.open).toBe(2);
    proxy!.cut();
    await until(() => a.closed && b.closed && serverSide.every((s) => s.destroyed || s.readableEnded));
    expect(proxy!.open).toBe(0);
    expect(proxy!.cuts).toBe(1);
    // The proxy still accepts new connections after a cut.
    const c = await dial();
    c.socket.write('again');
    await until(() => c.received === 'again');
  });

  it('pause() buffers in order until resume(); a cut while paused loses the buffered bytes', async () => {
    const { dial } = await setup();
    const a = await dial();
    proxy!.pause();
    a.socket.write('1');
    a.socket.write('2');
    a.socket.write('3');
    await new Promise((r) => setTimeout(r, 30));
    expect(a.received).toBe('');
    proxy!.resume();
    await until(() => a.received === '123');
    proxy!.pause();
    a.socket.write('lost');
    await new Promise((r) => setTimeout(r, 20));
    proxy!.cut();
    await until(() => a.closed);
    expect(a.received).toBe('123');
  });

  it('delay(ms) holds each chunk at least that long, keeping order', async () => {
    const { dial } = await setup();
    const a = await dial();
    proxy!.delay(40);
    const t0 = Date.now();
    a.socket.write('x');
    setTimeout(() => a.socket.write('y'), 5);
    await until(() => a.received === 'xy');
    // Two hops through the proxy (there and back): at least 2 × 40 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(78);
    proxy!.delay(0);
  });

  it('refuse(true) resets new connections; refuse(false) accepts again', async () => {
    const { dial } = await setup();
    proxy!.refuse(true);
    const a = new Socket();
    sockets.push(a);
    let closed = false;
    a.on('error', () => {});
    a.on('close', () => {
      closed = true;
    });
    a.connect(proxy!.port, '127.0.0.1');
    await until(() => closed);
    expect(proxy!.accepted).toBe(1);
    expect(proxy!.open).toBe(0);
    proxy!.refuse(false);
    const b = await dial();
    b.socket.write('ok');
    await until(() => b.received === 'ok');
  });

  it('cutOn passes the bytes before the match, then cuts', async () => {
    const { dial } = await setup();
    const a = await dial();
    const cut = proxy!.cutOn(cutAtNth('STOP', 2));
    a.socket.write('abc STOP def ');
    await until(() => a.received === 'abc STOP def ');
    a.socket.write('ghi STOP never');
    await cut;
    await until(() => a.closed);
    // The echo's second STOP chunk was cut just before its frame start (no `{"msg"` here: offset 0).
    expect(a.received).toBe('abc STOP def ');
    expect(proxy!.cuts).toBe(1);
  });

  it('retarget(port) sends new connections to the new target; open ones stay where they are', async () => {
    const a = await namedServer('A');
    const b = await namedServer('B');
    proxy = await startFaultProxy(a.port);
    expect(proxy.target).toEqual({ port: a.port });
    const first = await dial(proxy.port);
    await until(() => first.received === 'A:');
    proxy.retarget(b.port);
    expect(proxy.target).toEqual({ port: b.port });
    const second = await dial(proxy.port);
    await until(() => second.received === 'B:');
    first.socket.write('still A');
    await until(() => first.received === 'A:still A');
    expect(first.closed).toBe(false);
    expect(a.open.length).toBe(1);
    expect(b.open.length).toBe(1);
  });

  it('assigning target with a host, and retarget with { cut: true }, moves every client', async () => {
    const a = await namedServer('A');
    const b = await namedServer('B');
    proxy = await startFaultProxy({ host: '127.0.0.1', port: a.port });
    const first = await dial(proxy.port);
    await until(() => first.received === 'A:');
    proxy.target = { host: '127.0.0.1', port: b.port };
    expect(proxy.target).toEqual({ host: '127.0.0.1', port: b.port });
    expect(first.closed).toBe(false);
    proxy.retarget(a.port, { cut: true });
    await until(() => first.closed && a.open.length === 0);
    expect(proxy.cuts).toBe(1);
    const again = await dial(proxy.port);
    await until(() => again.received === 'A:');
  });

  it('rejects a target that is not a TCP port, synchronously', async () => {
    const a = await namedServer('A');
    proxy = await startFaultProxy(a.port);
    expect(() => proxy!.retarget(0)).toThrow(RangeError);
    expect(() => proxy!.retarget({ port: 70_000 })).toThrow(RangeError);
    await expect(startFaultProxy(-1)).rejects.toThrow(RangeError);
    expect(proxy.target).toEqual({ port: a.port });
  });
});
