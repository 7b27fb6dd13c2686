import type { FuzzReport } from './runFuzz.js';

/** How much server memory (heap + external, after GC) a run may add and keep. */
export const MEMORY_BOUNDS = Object.freeze({
  /** Growth while a slow reader is owed tens of MB of pongs: a few `maxBufferedBytes` at most. @default 16 MiB */
  duringFloodBytes: 16 * 2 ** 20,
  /** Heap kept after the attack once every grace period ran out. @default 16 MiB */
  settledHeapBytes: 16 * 2 ** 20,
});

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** The promises a run broke, one sentence each; empty when the server held. */
export function findings(r: FuzzReport): string[] {
  const out: string[] = [];
  if (r.crash) out.push(`server process died (exit code ${r.crash.code}, signal ${r.crash.signal})`);
  for (const u of r.unhandled.slice(0, 5)) out.push(`${u.kind} in the server: ${u.detail.split('\n')[0]}`);
  if (r.unhandled.length > 5) out.push(`... ${r.unhandled.length - 5} more uncaught errors`);
  if (r.pollution === null) out.push('prototype pollution could not be checked (server gone)');
  else if (r.pollution.length > 0) out.push(`prototype pollution: ${r.pollution.join(', ')}`);
  for (const g of r.goodClients) {
    const bad = g.failed + g.wrong + g.lost;
    if (g.unexpected > 0) {
      out.push(
        `good ${g.transport} client received ${g.unexpected} frames it never asked for (another connection acted in its session: ${g.failures[0] ?? ''})`,
      );
    }
    if (bad > 0)
      out.push(
        `good ${g.transport} client: ${g.failed} failed, ${g.wrong} wrong, ${g.lost} lost calls (${g.failures[0] ?? ''})`,
      );
  }
  for (const [endpoint, e] of Object.entries(r.expectedCloses)) {
    if (e.missing > 0) {
      out.push(
        `${endpoint}: ${e.missing} sockets left open after an oversize or invalid-UTF-8 frame (zombies)`,
      );
    }
  }
  if (r.pingFloods.leftOpen > 0) {
    out.push(
      `${r.pingFloods.leftOpen} of ${r.pingFloods.sockets} slow readers owed ${mib(r.pingFloods.owedBytesEach)} of pongs each were never dropped (${Object.entries(
        r.pingFloods.leftOpenByEndpoint,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}; pongs outside maxBufferedBytes)`,
    );
  }
  const start = r.memory.start;
  const peak = r.memory.peakDuringFloods;
  if (start && peak) {
    const growth = peak.heapUsed + peak.external - (start.heapUsed + start.external);
    if (growth > MEMORY_BOUNDS.duringFloodBytes) {
      out.push(
        `server memory grew by ${mib(growth)} while a slow reader held its socket (bound ${mib(MEMORY_BOUNDS.duringFloodBytes)})`,
      );
    }
  }
  if (r.idleHandshakes.leftOpen > 0) {
    out.push(
      `${r.idleHandshakes.leftOpen} of ${r.idleHandshakes.sockets} sockets that never sent connect outlived the handshake timeout (${Object.entries(
        r.idleHandshakes.leftOpenByEndpoint,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')})`,
    );
  }
  // Refusals by a server whose every slot holds a live session are correct; any other is a finding.
  const unexpected = Object.entries(r.probes.refused).filter(([k]) => !k.startsWith('full-'));
  const refused = unexpected.reduce((a, [, v]) => a + v, 0);
  if (refused + r.probes.timedOut > 0) {
    const codes = unexpected.map(([k, v]) => `${v}× ${k}`).join(', ');
    out.push(
      `${refused + r.probes.timedOut} of ${refused + r.probes.timedOut + r.probes.ok} fresh well-behaved handshakes refused or timed out during the attack (${codes || 'timeouts'}${r.probes.timedOut ? `, ${r.probes.timedOut} timeouts` : ''})`,
    );
  }
  for (const [kind, q] of Object.entries(r.squats)) {
    const refused = Object.values(q.probesRefused).reduce((a, b) => a + b, 0);
    if (refused > 0) {
      out.push(
        `with ${q.sockets} ${kind === 'idle' ? 'idle handshakes (no connect)' : 'detached sessions'} held, ${refused} of ${refused + q.probesOk} fresh handshakes were refused (${Object.entries(
          q.probesRefused,
        )
          .map(([k, v]) => `${v}× ${k}`)
          .join(', ')})`,
      );
    }
  }
  const settled = r.memory.settled;
  if (settled && settled.serverErrorSamples.length > 0) {
    out.push(
      `the server reported errors not caused by a handler failing on purpose: ${settled.serverErrorSamples[0]}`,
    );
  }
  if (settled) {
    if (settled.sessions > 0 || settled.openSockets > 0) {
      out.push(
        `after every grace period the server still holds ${settled.sessions} sessions and ${settled.openSockets} sockets`,
      );
    }
    if (start && settled.heapUsed - start.heapUsed > MEMORY_BOUNDS.settledHeapBytes) {
      out.push(
        `server heap after GC grew by ${mib(settled.heapUsed - start.heapUsed)} and stayed (bound ${mib(MEMORY_BOUNDS.settledHeapBytes)})`,
      );
    }
  }
  return out;
}
