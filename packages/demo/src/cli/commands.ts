import { DDPError } from '@ddpx/client';
import type { CliTransport } from './checkUrl.js';
import { CliError, EXIT, type ExitCode } from './exitCodes.js';
import { describeStatus, secondsUntil, toJson } from './format.js';
import { describeLoss, openSession } from './openSession.js';

/** Where commands write and how they learn they should stop (Ctrl-C). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the user interrupts. */
  interrupted: Promise<void>;
}

/** Flags shared by the commands. */
export interface CommonFlags {
  transport: CliTransport;
  json: boolean;
  connectTimeoutMs: number | undefined;
}

/** `ddpx connect <url>`: prints each status transition, with a countdown while waiting; runs until Ctrl-C. */
export async function connectCommand(
  url: string,
  flags: CommonFlags & { maxRetries: number | undefined },
  io: CliIo,
): Promise<ExitCode> {
  const { connection, endpoint, fatal } = openSession(url, {
    transport: flags.transport,
    failFast: false,
    maxRetries: flags.maxRetries,
    connectTimeoutMs: flags.connectTimeoutMs,
  });
  let countdown: ReturnType<typeof setInterval> | undefined;
  const print = (status = connection.status(), extra = '') => {
    if (flags.json) io.out(toJson({ at: Date.now(), ...status, ...(extra ? { detail: extra } : {}) }));
    else io.out(describeStatus(status, Date.now(), extra));
  };
  if (!flags.json) io.out(`ddpx: ${endpoint} over ${flags.transport} (Ctrl-C to stop)`);
  print(connection.status(), connection.status().status === 'connecting' ? endpoint : '');
  connection.onResume((result) => {
    const detail = `session ${result.session} (${result.outcome === 'resumed' ? 'resumed' : result.outcome}${result.reason !== result.outcome ? `: ${result.reason}` : ''})`;
    if (flags.json)
      io.out(
        toJson({ at: Date.now(), session: result.session, resume: result.outcome, reason: result.reason }),
      );
    else io.out(`${' '.repeat(26)}${detail}`);
  });
  let stopping = false;
  connection.onStatus((status) => {
    if (countdown) clearInterval(countdown);
    if (stopping) return;
    countdown = undefined;
    const extra =
      status.status === 'waiting'
        ? `(${describeLoss(connection.actor.getSnapshot().context.lastLoss)})`
        : status.status === 'connecting'
          ? endpoint
          : '';
    print(status, extra);
    const retryTime = status.retryTime;
    if (status.status === 'waiting' && retryTime !== undefined && !flags.json) {
      let last = secondsUntil(retryTime, Date.now());
      countdown = setInterval(() => {
        const left = secondsUntil(retryTime, Date.now());
        if (left !== last && left > 0) io.out(`${' '.repeat(26)}retrying in ${left}s…`);
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

/** `ddpx call <url> <method> [args…]`: prints the result as JSON; exit 1 with the server's error. */
export async function callCommand(
  url: string,
  method: string,
  args: unknown[],
  flags: CommonFlags & { timeoutMs: number },
  io: CliIo,
): Promise<ExitCode> {
  const { connection, fatal } = openSession(url, {
    transport: flags.transport,
    failFast: true,
    connectTimeoutMs: flags.connectTimeoutMs,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new CliError(EXIT.timeout, `no answer to '${method}' within ${flags.timeoutMs} ms`)),
      flags.timeoutMs,
    );
  });
  try {
    const interrupted = io.interrupted.then(() => {
      throw new CliError(EXIT.interrupted, `interrupted before '${method}' answered`);
    });
    const result = await Promise.race([connection.apply(method, args), fatal, timeout, interrupted]);
    io.out(toJson(result, !flags.json));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof DDPError) {
      io.err(`ddpx: ${method} failed: ${error.message}`);
      if (error.details !== undefined) io.err(`details: ${toJson(error.details)}`);
      return EXIT.serverError;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    connection.close();
  }
}

type Frame = {
  msg?: unknown;
  id?: unknown;
  collection?: unknown;
  fields?: unknown;
  cleared?: unknown;
  subs?: unknown;
  error?: unknown;
};

/** `ddpx sub <url> <name> [args…]`: streams the documents the subscription publishes; runs until Ctrl-C. */
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
