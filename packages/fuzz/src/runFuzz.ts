import { availableParallelism } from 'node:os';
import {
  type AttackContext,
  frameSession,
  idleSession,
  midFrameSession,
  pingFloodSession,
  sessionDropSession,
  tracked,
} from './attackers.js';
import { type AttackStats, type Endpoint, emptyAttackStats, seededRandom } from './attackStats.js';
import { type ChildSample, ServerChild } from './childProtocol.js';
import { frameStream } from './frames.js';
import { GoodClient, type GoodClientStats } from './goodClient.js';
import { probeHandshake, squat } from './probes.js';
import type { FuzzProfile } from './profile.js';
import { findings } from './verdict.js';

/** Memory readings of the server, each after two full garbage collections. */
export interface MemoryReadings {
  /** Before the attack. */
  start: ChildSample | undefined;
  /** The largest heap + external seen while a slow reader held its socket. */
  peakDuringFloods: ChildSample | undefined;
  /** Right after the attack (detached sessions still inside their grace period). */
  end: ChildSample | undefined;
  /** After every grace period has run out: what the server keeps for good. */
  settled: ChildSample | undefined;
}

/** Everything one run measured; `findings` lists what breaks the server's promises. */
export interface FuzzReport extends AttackStats {
  /** The settings of the run. */
  profile: FuzzProfile;
  /** Where it ran. */
  machine: { nproc: number; node: string; platform: string; date: string };
  /** Wall time of the attack phase (without drain and settle). */
  attackMs: number;
  /** Wall time of the whole run. */
  durationMs: number;
  /** The server process exited on its own (code or signal), or null. */
  crash: { code: number | null; signal: string | null } | null;
  /** Uncaught exceptions and unhandled rejections in the server process. */
  unhandled: { kind: string; detail: string }[];
  /** Keys that appeared on `Object.prototype`/`Array.prototype` during the run. */
  pollution: string[] | null;
  /** Server memory. */
  memory: MemoryReadings;
  /** The well-behaved clients. */
  goodClients: GoodClientStats[];
  /** Broken promises found (empty when the server held). */
  findings: string[];
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const weight = (s: ChildSample | undefined) => (s ? s.heapUsed + s.external : 0);

/** Runs the fuzzer against a fresh server child and returns its report. */
export async function runFuzz(
  profile: FuzzProfile,
  log: (line: string) => void = () => {},
): Promise<FuzzReport> {
  const started = Date.now();
  const child = ServerChild.spawn(profile.server, profile.heapMb);
  const port = await child.port;
  const stats = emptyAttackStats();
  const random = seededRandom(profile.seed);
  const ctx: AttackContext = {
    port,
    profile,
    stats,
    frames: frameStream(profile.server.maxPayloadBytes, profile.seed),
    random,
    budget: { remaining: profile.frames },
    knownSessions: [],
    active: {},
  };
  const memory: MemoryReadings = {
    start: undefined,
    peakDuringFloods: undefined,
    end: undefined,
    settled: undefined,
  };
  memory.start = await child.request<ChildSample>('sample');
  log(`server child on port ${port}; heap after GC ${(weight(memory.start) / 2 ** 20).toFixed(1)} MiB`);

  const good = [new GoodClient(port, 'websocket'), new GoodClient(port, 'sockjs')];
  await Promise.all(good.map((g) => g.connected()));
  const shareGoodSessions = () => {
    for (const g of good) if (g.sessionId) ctx.knownSessions.push(g.sessionId);
  };
  shareGoodSessions();

  const attackStart = Date.now();
  let attacking = true;
  const stopIfCrashed = () => {
    if (child.exit) ctx.budget.remaining = 0;
  };
  const endpoint = (): Endpoint => (random() < 0.5 ? 'websocket' : 'sockjs');

  const worker = async () => {
    while (ctx.budget.remaining > 0) {
      stopIfCrashed();
      const r = random();
      if (r < 0.86) await tracked(ctx, 'frames', frameSession(ctx, endpoint()));
      else if (r < 0.91) await tracked(ctx, 'midFrame', midFrameSession(ctx, endpoint()));
      else if (r < 0.97) await tracked(ctx, 'sessionDrop', sessionDropSession(ctx, endpoint()));
      else await tracked(ctx, 'idle', idleSession(ctx, endpoint()));
    }
  };
  const floods = async () => {
    for (let k = 0; k < profile.pingFloods && !child.exit; k++) {
      const due = ((k + 1) * profile.frames) / (profile.pingFloods + 1);
      while (profile.frames - ctx.budget.remaining < due && ctx.budget.remaining > 0) await delay(20);
      await tracked(
        ctx,
        'pingFlood',
        pingFloodSession(ctx, k % 2 === 0 ? 'websocket' : 'sockjs', async () => {
          const s = await child.request<ChildSample>('sample');
          if (s && weight(s) > weight(memory.peakDuringFloods)) memory.peakDuringFloods = s;
        }),
      );
    }
  };
  const squats = async () => {
    for (const [kind, at] of [
      ['detached', 0.25],
      ['idle', 0.6],
    ] as const) {
      while (profile.frames - ctx.budget.remaining < at * profile.frames && ctx.budget.remaining > 0)
        await delay(20);
      if (child.exit) return;
      await tracked(ctx, `squat-${kind}`, squat(ctx, kind, profile.server.maxSessions));
    }
  };
  const probes = async () => {
    for (let k = 0; attacking && !child.exit; k++) {
      await Promise.all([
        probeHandshake(ctx, k % 2 === 0 ? 'websocket' : 'sockjs'),
        delay(profile.probeIntervalMs),
      ]);
      shareGoodSessions();
    }
  };
  const progress = setInterval(() => {
    const sent = profile.frames - ctx.budget.remaining;
    log(
      `  ${sent.toLocaleString('en')} / ${profile.frames.toLocaleString('en')} frames; running ${JSON.stringify(ctx.active)}`,
    );
  }, 5_000);
  const probing = probes();
  await Promise.all([...Array.from({ length: profile.workers }, worker), floods(), squats()]);
  attacking = false;
  await probing;
  clearInterval(progress);
  const attackMs = Date.now() - attackStart;
  log(`attack done in ${(attackMs / 1000).toFixed(1)} s; draining the good clients`);

  const goodClients = await Promise.all(good.map((g) => g.stop(profile.drainMs)));
  memory.end = await child.request<ChildSample>('sample');
  // Past every grace period and handshake timeout: whatever the server still holds, it holds for good.
  await delay(profile.server.gracePeriodMs + profile.server.handshakeTimeoutMs + 500);
  memory.settled = await child.request<ChildSample>('sample');
  const pollution = (await child.request<string[]>('pollution')) ?? null;
  const crash = child.crashed ? { code: child.exit!.code, signal: child.exit!.signal } : null;
  await child.close();

  const report: FuzzReport = {
    ...stats,
    profile,
    machine: {
      nproc: availableParallelism(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      date: new Date().toISOString(),
    },
    attackMs,
    durationMs: Date.now() - started,
    crash,
    unhandled: child.unhandled,
    pollution,
    memory,
    goodClients,
    findings: [],
  };
  report.findings = findings(report);
  return report;
}
