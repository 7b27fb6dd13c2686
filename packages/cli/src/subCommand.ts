import type { DDPError } from '@ddpx/client';
import type { CliIo, CommonFlags } from './cliIo.js';
import { EXIT, type ExitCode } from './exitCodes.js';
import { toJson } from './format.js';
import { openSession } from './openSession.js';

type Frame = {
  msg?: unknown;
  id?: unknown;
  collection?: unknown;
  fields?: unknown;
  cleared?: unknown;
  subs?: unknown;
};

/**
 * `ddpx sub <url> <name> [args…]`: streams the documents the subscription publishes; runs until Ctrl-C.
 * After a reconnect it prints a `session` line: `resumed` (nothing is re-sent) or `new session` (the server
 * sends every document again as `added`; the ones above are superseded).
 */
export async function subCommand(
  url: string,
  name: string,
  args: unknown[],
  flags: CommonFlags & { untilReady: boolean },
  io: CliIo,
): Promise<ExitCode> {
  let subId: string | undefined;
  let over = false;
  let resolveFinished: (code: ExitCode) => void = () => {};
  const finished = new Promise<ExitCode>((resolve) => {
    resolveFinished = resolve;
  });
  const done = (code: ExitCode) => {
    over = true;
    resolveFinished(code);
  };
  const onFrame = (text: string) => {
    if (over) return;
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (frame === null || typeof frame !== 'object') return;
    const msg = frame.msg;
    if (msg === 'added' || msg === 'changed' || msg === 'removed') {
      if (flags.json) return io.out(text);
      const where = `${String(frame.collection)}/${String(frame.id)}`;
      const fields = frame.fields === undefined ? '' : ` ${JSON.stringify(frame.fields)}`;
      const cleared = Array.isArray(frame.cleared) ? ` cleared: ${frame.cleared.join(', ')}` : '';
      io.out(`${String(msg).padEnd(8)} ${where}${fields}${cleared}`);
    } else if (msg === 'ready' && Array.isArray(frame.subs) && subId && frame.subs.includes(subId)) {
      io.out(flags.json ? toJson({ msg: 'ready', name }) : `ready    ${name}`);
      if (flags.untilReady) done(EXIT.ok);
    }
  };
  const { connection, fatal } = openSession(url, {
    transport: flags.transport,
    failFast: true,
    connectTimeoutMs: flags.connectTimeoutMs,
    onFrame,
  });
  connection.onResume((result) => {
    if (over || result.outcome === 'first-session') return;
    if (flags.json) {
      io.out(
        toJson({ msg: 'session', session: result.session, outcome: result.outcome, reason: result.reason }),
      );
    } else if (result.outcome === 'resumed') {
      io.out(`session  ${result.session} resumed: nothing missed, nothing re-sent`);
    } else {
      io.out(
        `session  ${result.session} is a new session (${result.reason}): the server sends every document again`,
      );
    }
  });
  const handle = connection.subscribe(name, ...args, {
    onStop: (error?: DDPError) => {
      if (over) return;
      if (error) {
        io.err(`ddpx: subscription '${name}' failed: ${error.message}`);
        done(EXIT.serverError);
      } else {
        io.err(`ddpx: the server stopped subscription '${name}'`);
        done(EXIT.ok);
      }
    },
  });
  subId = handle.id;
  try {
    return await Promise.race([finished, fatal, io.interrupted.then(() => EXIT.ok)]);
  } finally {
    over = true;
    connection.close();
  }
}
