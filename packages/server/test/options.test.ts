import { createServer as createHttpServer, type Server } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer, type DDPServer, SERVER_DEFAULTS } from '../src/index.js';

const servers: DDPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  vi.restoreAllMocks();
});

async function listenedWith(options: Parameters<typeof createServer>[0]): Promise<unknown> {
  const http: Server = createHttpServer();
  const spy = vi.spyOn(http, 'listen');
  const server = createServer(options).attach(http);
  servers.push(server);
  await server.listen(0, '127.0.0.1');
  http.close();
  return spy.mock.calls[0]?.[0];
}

describe('backlog option', () => {
  it('listen() asks the kernel for a 4096-connection queue by default, or the configured one', async () => {
    expect(SERVER_DEFAULTS.backlog).toBe(4096);
    expect(await listenedWith({})).toEqual({ port: 0, host: '127.0.0.1', backlog: 4096 });
    expect(await listenedWith({ backlog: 64 })).toEqual({ port: 0, host: '127.0.0.1', backlog: 64 });
  });

  it('refuses a backlog that is not a positive integer', () => {
    for (const backlog of [0, -1, 1.5, Number.NaN]) {
      expect(() => createServer({ backlog })).toThrow(RangeError);
    }
  });
});

describe('one source for the defaults', () => {
  it("the session timing defaults are the session chart's", async () => {
    const { SERVER_SESSION_DEFAULTS } = await import('@ddpx/statecharts');
    expect(SERVER_DEFAULTS.heartbeatInterval).toBe(SERVER_SESSION_DEFAULTS.heartbeatInterval);
    expect(SERVER_DEFAULTS.heartbeatTimeout).toBe(SERVER_SESSION_DEFAULTS.heartbeatTimeout);
    expect(SERVER_DEFAULTS.handshakeTimeoutMs).toBe(SERVER_SESSION_DEFAULTS.handshakeTimeoutMs);
    expect(SERVER_DEFAULTS.gracePeriodMs).toBe(SERVER_SESSION_DEFAULTS.gracePeriodMs);
  });
});

describe('clock option', () => {
  it('refuses a clock without setTimeout and clearTimeout', () => {
    expect(() => createServer({ clock: {} as never })).toThrow(TypeError);
    expect(() => createServer({ clock: { setTimeout: () => 0 } as never })).toThrow(TypeError);
  });
});
