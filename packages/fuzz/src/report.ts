import type { FuzzReport } from './runFuzz.js';

const mib = (n: number | undefined) => (n === undefined ? '—' : `${(n / 2 ** 20).toFixed(1)} MiB`);
const n = (x: number) => x.toLocaleString('en');
const codes = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k}: ${n(v)}`)
    .join(', ') || '—';

/** The report as a two-column Markdown table (printed on stdout and pasted into docs). */
export function formatReport(r: FuzzReport): string {
  const m = r.memory;
  const rows: [string, string][] = [
    ['frames sent', `${n(r.framesSent)} (${mib(r.bytesSent)})`],
    ['frames by kind', codes(r.byKind as Record<string, number>)],
    [
      'connections',
      `ws ${n(r.connections.websocket)}, sockjs ${n(r.connections.sockjs)}, raw tcp ${n(r.connections.raw)}; ${n(r.openFailures)} failed to open`,
    ],
    ['endings', codes(r.endings)],
    [
      'server closes after fatal frames (ws)',
      `${codes(r.expectedCloses.websocket.observed)}; missing ${r.expectedCloses.websocket.missing}`,
    ],
    [
      'server closes after fatal frames (sockjs)',
      `${codes(r.expectedCloses.sockjs.observed)}; missing ${r.expectedCloses.sockjs.missing}`,
    ],
    [
      'slow-reader ping floods',
      `${r.pingFloods.sockets} sockets owed ${mib(r.pingFloods.owedBytesEach)} each: ${r.pingFloods.droppedByServer} dropped, ${r.pingFloods.throttled} throttled (the server stopped reading them), ${r.pingFloods.leftOpen} left open with their pongs buffered (${codes(r.pingFloods.leftOpenByEndpoint)}); ${r.pingFloods.stalled} times the server stopped reading instead`,
    ],
    [
      'idle handshakes',
      `${r.idleHandshakes.sockets}: ${r.idleHandshakes.closedByServer} closed by the server, ${r.idleHandshakes.leftOpen} left open (${codes(r.idleHandshakes.leftOpenByEndpoint)})`,
    ],
    ['sessions dropped without goodbye', n(r.sessionsDropped)],
    [
      'fresh handshakes during attack',
      `${n(r.probes.ok)} ok; refused ${codes(r.probes.refused)}; ${r.probes.timedOut} timed out`,
    ],
    ...Object.entries(r.squats).map(([kind, q]): [string, string] => [
      `squat: ${kind} × maxSessions, then 4 fresh handshakes`,
      `${q.sockets} held; ${q.probesOk} ok, refused ${codes(q.probesRefused)}`,
    ]),
    ['crashes (server exit)', r.crash ? `exit ${r.crash.code} / ${r.crash.signal}` : '0'],
    ['uncaught exceptions / unhandled rejections', String(r.unhandled.length)],
    [
      'prototype pollution',
      r.pollution === null ? 'not checked' : r.pollution.length === 0 ? 'none' : r.pollution.join(', '),
    ],
    [
      'server `error` events (caught)',
      codes(m.settled?.serverErrorsByContext ?? m.end?.serverErrorsByContext ?? {}),
    ],
    ['server heap + external after GC: start', `${mib(m.start?.heapUsed)} + ${mib(m.start?.external)}`],
    [
      '… peak while a slow reader held',
      `${mib(m.peakDuringFloods?.heapUsed)} + ${mib(m.peakDuringFloods?.external)}`,
    ],
    [
      '… end of attack',
      `${mib(m.end?.heapUsed)} + ${mib(m.end?.external)}; ${m.end?.sessions ?? '—'} sessions, ${m.end?.openSockets ?? '—'} sockets`,
    ],
    [
      '… after grace periods',
      `${mib(m.settled?.heapUsed)} + ${mib(m.settled?.external)}; ${m.settled?.sessions ?? '—'} sessions, ${m.settled?.openSockets ?? '—'} sockets`,
    ],
    ...r.goodClients.map((g): [string, string] => [
      `good client (${g.transport})`,
      `${n(g.calls)} calls: ${n(g.ok)} ok, ${g.failed} failed, ${g.wrong} wrong, ${g.lost} lost; ${g.disconnects} disconnects; ${g.unexpected} frames it never asked for`,
    ]),
    [
      'attack / total duration',
      `${(r.attackMs / 1000).toFixed(1)} s / ${(r.durationMs / 1000).toFixed(1)} s`,
    ],
    ['machine', `${r.machine.nproc} cpus, node ${r.machine.node}, ${r.machine.platform}, ${r.machine.date}`],
  ];
  const lines = [
    '| measure | value |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replaceAll('|', '\\|')} |`),
  ];
  lines.push('', r.findings.length === 0 ? 'Findings: none.' : `Findings (${r.findings.length}):`);
  for (const f of r.findings) lines.push(`- ${f}`);
  return lines.join('\n');
}
