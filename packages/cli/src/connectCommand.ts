import { describeTarget } from './checkUrl.js';
import type { CliIo, CommonFlags } from './cliIo.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { describeStatus, secondsUntil, toJson } from './format.js';
import { openSession } from './openSession.js';

const INDENT = ' '.repeat(26);

/** `ddpx connect <url>`: prints each status transition, with a countdown while waiting; runs until Ctrl-C. */
export async function connectCommand(
  url: string,
  flags: CommonFlags & { maxRetries: number | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const { connection, target, fatal, onChange } = openSession(url, {
    transport: flags.transport,
    failFast: false,
    maxRetries: flags.maxRetries,
    connectTimeoutMs: flags.connectTimeoutMs,
  });
  let countdown: ReturnType<typeof setInterval> | undefined;
  let stopping = false;
  const print = (status = connection.status(), extra = '') => {
    if (flags.json) io.out(toJson({ at: Date.now(), ...status, ...(extra ? { detail: extra } : {}) }));
    else io.out(describeStatus(status, Date.now(), extra));
  };
  if (!flags.json) io.out(`ddpx: ${describeTarget(target)} (Ctrl-C to stop)`);
  print(connection.status(), connection.status().status === 'connecting' ? target.endpoint : '');
  connection.onResume((result) => {
    if (stopping) return;
    if (flags.json) {
      io.out(
        toJson({ at: Date.now(), session: result.session, resume: result.outcome, reason: result.reason }),
      );
      return;
    }
    const why = result.reason !== result.outcome ? `: ${result.reason}` : '';
    io.out(`${INDENT}session ${result.session} (${result.outcome}${why})`);
  });
  onChange(({ status, why, givingUp }) => {
    if (countdown) clearInterval(countdown);
    countdown = undefined;
    if (stopping) return;
    if (givingUp) {
      // No retry follows: say so instead of announcing one.
      if (flags.json) io.out(toJson({ at: Date.now(), ...status, retryTime: undefined, detail: why }));
      else io.out(describeStatus({ ...status, retryTime: undefined }, Date.now(), `giving up (${why})`));
      return;
    }
    print(
      status,
      status.status === 'waiting' ? `(${why})` : status.status === 'connecting' ? target.endpoint : '',
    );
    const retryTime = status.retryTime;
    if (status.status === 'waiting' && retryTime !== undefined && !flags.json) {
      let last = secondsUntil(retryTime, Date.now());
      countdown = setInterval(() => {
        const left = secondsUntil(retryTime, Date.now());
        if (left !== last && left > 0) io.out(`${INDENT}retrying in ${left}s…`);
        last = left;
      }, 250);
    }
  });
  try {
    await Promise.race([fatal, io.interrupted]);
    return EXIT.ok;
  } finally {
    stopping = true;
    if (countdown) clearInterval(countdown);
    connection.close();
  }
}
