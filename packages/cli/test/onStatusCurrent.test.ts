// @ddpx/client's onStatus contract, tested here because this package has a real server at hand (the
// client's own tests may not import @ddpx/server); the CLI relies on it (openSession ignores the replay).
import type { ClientStatus } from '@ddpx/client';
import { connect } from '@ddpx/client';
import { createServer } from '@ddpx/server';
import { describe, expect, it } from 'vitest';

describe('onStatus reports the current status to a new listener', () => {
  it('in a microtask, not synchronously, and not after unsubscribing', async () => {
    const connection = connect('ws://127.0.0.1:9/websocket', { autoConnect: false });
    const heard: ClientStatus[] = [];
    connection.onStatus((s) => heard.push(s));
    const stop = connection.onStatus(() => expect.fail('unsubscribed before the microtask'));
    stop();
    expect(heard).toEqual([]);
    await Promise.resolve();
    expect(heard).toEqual([connection.status()]);
    expect(heard[0]?.status).toBe('offline');
    connection.close();
  });

  it('then every change, over a real socket: connecting, then connected', async () => {
    const server = createServer();
    const { port } = await server.listen(0, '127.0.0.1');
    const connection = connect(`http://127.0.0.1:${port}`);
    const heard: string[] = [];
    const connected = new Promise<void>((resolve) =>
      connection.onStatus((s) => {
        heard.push(s.status);
        if (s.status === 'connected') resolve();
      }),
    );
    await connected;
    expect(heard).toEqual(['connecting', 'connected']);
    connection.close();
    await server.close();
  });
});
