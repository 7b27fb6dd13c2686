import { parseArgs } from 'node:util';
import { callCommand } from './callCommand.js';
import type { CliIo } from './cliIo.js';
import { connectCommand } from './connectCommand.js';
import { CliError, EXIT } from './exitCodes.js';
import { inspectCommand } from './inspectCommand.js';
import { subCommand } from './subCommand.js';
import { USAGE } from './usage.js';

function positiveInt(value: string | undefined, flag: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CliError(EXIT.usage, `${flag} must be a whole number, got '${value}'`);
  return n;
}

function jsonArgs(raw: string[]): unknown[] {
  return raw.map((text, i) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CliError(
        EXIT.usage,
        `argument ${i + 1} is not JSON: ${text} (quote strings as JSON, e.g. '"${text.replace(/"/g, '')}"')`,
      );
    }
  });
}

/** Runs one `ddpx` invocation; returns the exit code (never throws). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  // `inspect` belongs to @ddpx/inspector, which parses its own arguments.
  if (argv[0] === 'inspect') {
    try {
      return await inspectCommand(argv.slice(1), io);
    } catch (error) {
      io.err(
        `ddpx: inspect failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return EXIT.serverError;
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        transport: { type: 'string', short: 't' },
        json: { type: 'boolean', default: false },
        'connect-timeout': { type: 'string' },
        timeout: { type: 'string' },
        'max-retries': { type: 'string' },
        'until-ready': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, url, name, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.out(USAGE);
      return EXIT.ok;
    }
    if (!command) throw new CliError(EXIT.usage, `missing command\n\n${USAGE}`);
    const transport = values.transport;
    if (transport !== undefined && transport !== 'websocket' && transport !== 'sockjs') {
      throw new CliError(EXIT.usage, `--transport must be websocket or sockjs, got '${transport}'`);
    }
    const common = {
      transport,
      json: values.json,
      connectTimeoutMs: positiveInt(values['connect-timeout'], '--connect-timeout'),
    } as const;
    if (!['connect', 'call', 'sub'].includes(command)) {
      throw new CliError(
        EXIT.usage,
        `unknown command '${command}' (use connect, call, sub or inspect; see ddpx --help)`,
      );
    }
    if (!url) throw new CliError(EXIT.usage, `ddpx ${command}: missing <url>`);
    if (command === 'connect') {
      if (name !== undefined)
        throw new CliError(EXIT.usage, `ddpx connect takes only <url>, got '${name}' too`);
      return await connectCommand(
        url,
        { ...common, maxRetries: positiveInt(values['max-retries'], '--max-retries') },
        io,
      );
    }
    if (!name)
      throw new CliError(EXIT.usage, `ddpx ${command}: missing <${command === 'call' ? 'method' : 'name'}>`);
    const args = jsonArgs(rest);
    if (command === 'call') {
      const timeoutMs = positiveInt(values.timeout, '--timeout', 30_000) ?? 30_000;
      return await callCommand(url, name, args, { ...common, timeoutMs }, io);
    }
    return await subCommand(url, name, args, { ...common, untilReady: values['until-ready'] }, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`ddpx: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`ddpx: ${error.message} (see ddpx --help)`);
      return EXIT.usage;
    }
    io.err(
      `ddpx: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return EXIT.serverError;
  }
}
