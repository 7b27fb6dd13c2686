import type { RedisResults } from './runRedis.js';
import { fmt, ratio } from './stats.js';

const pass = (ok: boolean) => (ok ? '**met**' : '**missed**');
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'not all');

/** Section 6: the Redis store's cost per call against memory, and the rolling restart; or why it was skipped. */
export function redisMarkdown(r: RedisResults | undefined): string[] {
  const out: string[] = ['## 6. Scale-out on Redis (`@ddpx/redis`)', ''];
  if (!r) return [...out, 'Not measured in this run.', ''];
  if (r.skipped !== undefined) return [...out, `Skipped: ${r.skipped}.`, ''];
  out.push(
    `Measured by \`${r.command}\` on ${r.startedAt} with redis-server ${r.version}; machine: ${r.machine}.`,
    '',
    '### Method round trips: in-memory vs Redis session store',
    '',
    "The same ddpx server, client, payload and closed loop as section 1; the only difference is `createServer({ store: redisStore({ url }) })`. Redis counters are read with `INFO stats commandstats cpu` around every window (the reading itself subtracted) and divided by the calls sent in the window: **commands** is `total_commands_processed` (a Lua script counts once for `EVALSHA` plus once per command it runs), **round trips** is `total_reads_processed`, the read events on Redis's client sockets (commands pipelined into one write arrive as one read).",
    '',
    '| store | in flight | calls/s | × memory | p50 ms | p99 ms | server CPU µs/call | Redis CPU µs/call | Redis commands/call | Redis round trips/call | runs (calls/s) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const row of r.roundTrip) {
    const mem = r.roundTrip.find((x) => x.store === 'memory' && x.inflight === row.inflight);
    out.push(
      `| ${row.store} | ${row.inflight} | ${fmt(row.callsPerSec)} | ${ratio(row.callsPerSec, mem?.callsPerSec ?? 0)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${row.serverCpuUsPerCall.toFixed(1)} | ${row.redisCpuUsPerCall.toFixed(1)} | ${row.commandsPerCall.toFixed(2)} | ${row.readsPerCall.toFixed(2)} | ${row.runs.join(', ')} |`,
    );
  }
  const redisRows = r.roundTrip.filter((x) => x.store === 'redis');
  const worstReads = Math.max(...redisRows.map((x) => x.readsPerCall));
  const claims = Math.max(...redisRows.map((x) => x.byCommand.evalsha ?? 0));
  const mix = (redisRows[0] ? Object.entries(redisRows[0].byCommand) : [])
    .filter(([, n]) => n >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name.toUpperCase()} ${n.toFixed(2)}`)
    .join(', ');
  out.push(
    '',
    `Commands per call at 1 in flight: ${mix}. A Lua script's own commands are counted beside its \`EVALSHA\`. Awaited before the method runs: the claim (one \`EVALSHA\` per call, measured ${claims.toFixed(2)}); written after the reply and never awaited: the recorded result.`,
    '',
    `Target: at most one pipelined Redis round trip per method call on the hot path — measured ${worstReads.toFixed(2)} round trips per call in all (worst row) — ${pass(worstReads <= 1.05)} for the whole call; of them ${claims.toFixed(2)} (the claim) awaited before the method runs — ${pass(claims <= 1.05)} for the awaited part.`,
    '',
    `Calls lost or unmatched: ${r.roundTrip.map((x) => x.sent - x.received + x.unmatched).reduce((a, b) => a + b, 0)}.`,
    '',
  );

  const g = r.rolling;
  out.push(
    '### Rolling restart: 3 processes, one Redis, one re-pointable proxy',
    '',
    `${fmt(g.clients)} real \`@ddpx/client\` connections in 2 worker processes, through one TCP proxy (\`startFaultProxy\` from \`@ddpx/testing\`, in its own process), spread evenly over 3 ddpx processes sharing one Redis. Each client holds a subscription (one document naming its process) and calls a method that counts its runs in a Redis hash (\`HINCRBY\` per call key, so a run twice shows whichever process ran it), pausing 0.5–1.5× a mean between calls. Each process in turn: the proxy is pointed at the live process with the fewest sessions, the process gets SIGTERM (\`server.close({ drainMs })\`: its sessions are released to Redis and closed as \`moved\`), a replacement starts; a client is back when it is connected again and its document comes from another process.`,
    '',
    '| step | new connections to | sessions moved | back | same session id | drain | all back after SIGTERM | p50 / p99 after SIGTERM | outage per client p50 / max |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of g.steps) {
    out.push(
      `| stop ${s.stopped} | ${s.target} | ${fmt(s.moved)} | ${fmt(s.recovered)} | ${fmt(s.sameSession)} | ${secs(s.drainMs)} | ${secs(s.allBackMs)} | ${secs(s.p50Ms)} / ${secs(s.p99Ms)} | ${secs(s.outageP50Ms)} / ${secs(s.outageMaxMs)} |`,
    );
  }
  const allBack = g.steps.every((s) => Number.isFinite(s.allBackMs) && s.recovered >= s.moved);
  out.push(
    '',
    `Whole restart (first SIGTERM to the last client back, replacements' start-up and the calm between steps included): ${secs(g.totalMs)}. Calls: ${fmt(g.calls)} made, ${fmt(g.answered)} answered, ${g.rejected} failed, **${g.lost} lost, ${g.runTwice} run twice** (counted in Redis). Clients that kept their session id through every step: **${fmt(g.sameSession)} of ${fmt(g.clients)}**. CPU over the ${secs(g.windowMs)} window: ddpx processes ${g.serverCpuS.toFixed(1)} s (${g.serverCpuPct.toFixed(0)} % of one core on average), redis-server ${g.redisCpuS.toFixed(1)} s for ${fmt(g.redisCommands)} commands.`,
    '',
    `Load generators over the same window: the proxy ${g.proxyCpuPct.toFixed(0)} % of one core, each client worker ${g.clientCpuPct.toFixed(0)} %. Store failures the ddpx processes absorbed (their \`error\` events by context and message, e.g. a Redis reply not read within the store's \`commandTimeoutMs\`, 1 s by default; what each degrades to is in [docs/scaling.md](../scaling.md)): ${errorList(g.storeErrors)}.`,
    '',
    `Targets: every client back — ${pass(allBack)}; all resumed with the same session id — ${pass(g.sameSession === g.clients)}; 0 calls lost — ${pass(g.lost === 0 && g.rejected === 0)}; 0 run twice — ${pass(g.runTwice === 0)}.`,
    '',
  );
  return out;
}

function errorList(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([context, n]) => `${fmt(n)} × ${context}`).join('; ');
}
