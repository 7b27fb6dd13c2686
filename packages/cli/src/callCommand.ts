import { DDPError } from '@ddpx/client';
import type { CliIo, CommonFlags } from './cliIo.js';
import { CliError, EXIT, type ExitCode } from './exitCodes.js';
import { toJson } from './format.js';
import { openSession } from './openSession.js';

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
