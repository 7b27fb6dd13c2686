// One ddpx server process of the scale-out scenario: `node --conditions=source --import tsx clusterNode.ts`
// with REDIS_URL and NODE_ID set. It prints `{"port":…}` once listening; SIGTERM drains it.
import { createServer, type PublicationContext } from '@ddpx/server';
import { Redis } from 'ioredis';
import { redisStore } from '../../src/index.js';

const url = process.env.REDIS_URL!;
const nodeId = process.env.NODE_ID!;
const grace = Number(process.env.GRACE_MS ?? 10_000);
const store = redisStore({ url, processId: nodeId, livenessMs: 600 });
const app = new Redis(url);
const server = createServer({ store, resume: { gracePeriodMs: grace } });
server.on('error', ({ error, context }) => console.error(`[${nodeId}] ${context}:`, error));

// The app's data lives in Redis; a method's change reaches every process's publications over the bus.
server.methods({
  async bump(callId: unknown, itemId: unknown) {
    const [, [, value]] = (await app
      .multi()
      .rpush('app:runs', `${String(callId)}@${nodeId}`)
      .hincrby('app:items', String(itemId), 1)
      .exec()) as [unknown, [unknown, number]];
    server.bus.publish('items', { id: itemId, v: value });
    return value;
  },
});

server.publish('items', async function (this: PublicationContext) {
  const seen = new Map<string, number>();
  const apply = (id: string, v: number) => {
    const before = seen.get(id);
    if (before !== undefined && before >= v) return;
    seen.set(id, v);
    if (before === undefined) this.added('items', id, { v });
    else this.changed('items', id, { v });
  };
  const stop = server.bus.subscribe('items', (payload) => {
    const { id, v } = payload as { id: string; v: number };
    apply(id, v);
  });
  this.onStop(stop);
  const all = await app.hgetall('app:items');
  for (const [id, v] of Object.entries(all)) apply(id, Number(v));
  this.ready();
});

server.onConnection((connection) => {
  void app.incr('app:onConnection');
  connection.onClose(() => void app.incr('app:onClose'));
});

const { port } = await server.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ port })}\n`);

process.on('SIGTERM', async () => {
  await server.close({ drainMs: 200 });
  await store.close();
  app.disconnect();
  process.exit(0);
});
