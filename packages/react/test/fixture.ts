import { type Connection, connect } from '@ddpx/client';
import { createServer, DDPError, type DDPServer, type PublicationContext } from '@ddpx/server';

/** A real ddpx server on 127.0.0.1:0 with a `tasks` publication and methods that change it. */
export interface Fixture {
  server: DDPServer;
  url: string;
  /** Live `tasks` publications, by subscription id, with their arguments. */
  live: Map<string, { ctx: PublicationContext; args: unknown[] }>;
  /** Every `tasks` subscription the server ever started, in order (arguments only). */
  started: unknown[][];
  connect(): Connection;
  close(): Promise<void>;
}

const TASKS = [
  { _id: 'a', title: 'write docs', list: 'work' },
  { _id: 'b', title: 'buy milk', list: 'home' },
  { _id: 'c', title: 'fix bug', list: 'work' },
];

export async function startFixture(): Promise<Fixture> {
  const server = createServer();
  const live = new Map<string, { ctx: PublicationContext; args: unknown[] }>();
  const started: unknown[][] = [];
  const connections: Connection[] = [];
  server.publish('tasks', function (this: PublicationContext, ...args: unknown[]) {
    const list = args[0] as string | undefined;
    started.push(args);
    const id = this.subscriptionId ?? '';
    live.set(id, { ctx: this, args });
    this.onStop(() => live.delete(id));
    for (const { _id, ...fields } of TASKS)
      if (list === undefined || fields.list === list) this.added('tasks', _id, fields);
    this.ready();
  });
  server.publish('broken', () => {
    throw new DDPError('not-allowed', 'You may not see this');
  });
  server.methods({
    addTask(id: unknown, title: unknown, list: unknown) {
      for (const { ctx, args } of live.values()) {
        if (args[0] === undefined || args[0] === list) ctx.added('tasks', id as string, { title, list });
      }
      return true;
    },
  });
  const address = await server.listen(0, '127.0.0.1');
  const url = `ws://127.0.0.1:${address.port}/websocket`;
  return {
    server,
    url,
    live,
    started,
    connect() {
      const conn = connect(url, { logger: { warn() {}, error() {} } });
      connections.push(conn);
      return conn;
    },
    async close() {
      for (const conn of connections) conn.close();
      await server.close();
    },
  };
}
