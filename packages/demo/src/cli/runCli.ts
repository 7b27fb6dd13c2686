import { parseArgs } from 'node:util';
import { type CliIo, callCommand, connectCommand, subCommand } from './commands.js';
import { CliError, EXIT, type ExitCode } from './exitCodes.js';

/** The `ddpx --help` text. */
export const USAGE = `ddpx — a DDP (Meteor protocol) command line, driven by the ddpx connection statechart

Usage:
  ddpx connect <url>                       print status transitions as they happen (Ctrl-C to stop)
  ddpx call <url> <method> [json args...]  call a method, print its result as JSON
  ddpx sub <url> <name> [json args...]     subscribe, stream documents as they change (Ctrl-C to stop)

<url>: http(s)://host[:port], host:port, ws(s)://host/websocket or ddp+sockjs://host
Arguments are JSON: 42, '"text"', '{"a":1}', '[1,2]' (put -- before negative numbers).

Options:
  -t, --transport <websocket|sockjs>   default websocket
      --json                           machine-readable output (one JSON value per line)
      --connect-timeout <ms>           time allowed to open a connection (default 10000)
      --timeout <ms>                   call: time allowed for the result (default 30000)
      --max-retries <n>                connect: give up after n failed retries in a row (default: never)
      --until-ready                    sub: exit once the initial documents are in
  -h, --help                           this text

Exit codes: 0 ok, 1 server error, 2 bad usage or URL, 3 connection failed, 4 DDP version
negotiation failed, 5 timed out.`;

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
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
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
    const transport = values.transport ?? 'websocket';
    if (transport !== 'websocket' && transport !== 'sockjs') {
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
        `unknown command '${command}' (use connect, call or sub; see ddpx --help)`,
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
