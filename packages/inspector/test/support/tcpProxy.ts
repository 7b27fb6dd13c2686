import { createServer, connect as netConnect, type Socket } from 'node:net';

/** A loopback TCP proxy whose connections can be cut (no close frame) and whose target can change. */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every open connection abruptly. */
  cut(): void;
  /** Forwards new connections to `port` from now on. */
  retarget(port: number): void;
  /** While on, new connections are reset at once (the server looks unreachable). */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (port 0) forwarding to `target`. */
export async function startTcpProxy(target: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = netConnect(target, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    cut: () => {
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    retarget: (p) => {
      target = p;
    },
    refuse: (on) => {
      refusing = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
