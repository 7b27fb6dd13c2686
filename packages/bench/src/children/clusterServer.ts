// One ddpx process of the rolling restart: sessions and method claims in Redis (@ddpx/redis), a method
// that counts its own runs in Redis (so a run twice shows up whichever process ran it), and a
// publication whose one document names the process. SIGTERM drains it: sessions are handed over.
import { redisStore } from '@ddpx/redis';
import { createServer } from '@ddpx/server';
import { Redis } from 'ioredis';
import { emit, serve } from '../ipc.js';
import { type ClusterServerConfig, type DrainedReport, RUNS_KEY } from '../rollingTypes.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as ClusterServerConfig;
const processId = `${cfg.name}-${process.pid}`;
const store = redisStore({ url: cfg.redisUrl, processId });
const app = new Redis(cfg.redisUrl, { enableAutoPipelining: true });
app.on('error', () => {});
const server = createServer({ store });
// Store failures the server absorbed (a claim admitted here only, a resume degraded…), by context and
// message: counted, not printed.
const errors: Record<string, number> = {};
server.on('error', ({ error, context }) => {
  const key = `${context}: ${error instanceof Error ? error.message : String(error)}`;
  errors[key] = (errors[key] ?? 0) + 1;
});

server.methods({
  inc: (key) => app.hincrby(RUNS_KEY, String(key), 1),
});
server.publish('items', function () {
  this.added('items', 'server', { node: processId, session: this.connection.id });
  this.ready();
});

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

serve((cmd) => {
  switch (cmd) {
    case 'cpu':
      return cpuUs();
    case 'sessions':
      return server.connections.size;
    case 'errors':
      return errors;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
});

process.once('SIGTERM', async () => {
  const t0 = Date.now();
  await server.close({ drainMs: cfg.drainMs });
  const report: DrainedReport = { cpuUs: cpuUs(), drainMs: Date.now() - t0, errors };
  await store.close();
  app.disconnect();
  process.send?.({ event: 'drained', data: report }, () => process.exit(0));
});

const { port } = await server.listen(0, '127.0.0.1');
emit('listening', { port, processId, at: Date.now() });
