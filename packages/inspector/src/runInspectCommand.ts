import { parseArgs } from 'node:util';
import { startInspector } from './startInspector.js';

const USAGE = `Usage: ddpx inspect [--port 4000] [--host 127.0.0.1] [--token SECRET]

Serves the ddpx inspector page and waits for clients and servers to stream their statecharts:
  connect(url, { inspect: '<inspect url>' })   createServer({ inspect: '<inspect url>' })
Binding anything but a loopback address requires a token (one is generated if none is given).`;

/** Where {@link runInspectCommand} writes, what stops it besides SIGINT/SIGTERM, and its page. */
export interface InspectCommandIO {
  /** Prints a line to stdout. @default console.log */
  out: (line: string) => void;
  /** Prints a line to stderr. @default console.error */
  err: (line: string) => void;
  /** Stops the inspector when aborted. @default none */
  signal?: AbortSignal;
  /** The built page's directory. @default the package's `dist/page` */
  pageDir?: string;
}

/** Runs `ddpx inspect`: parses `--port`, `--host`, `--token`, prints the URLs, serves until SIGINT. */
export async function runInspectCommand(
  argv: string[],
  io: InspectCommandIO = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  let values: { port?: string; host?: string; token?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 4000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`--port must be a port number, got '${values.port}'`);
    return 2;
  }
  let inspector: Awaited<ReturnType<typeof startInspector>>;
  try {
    inspector = await startInspector({
      port,
      ...(io.pageDir ? { pageDir: io.pageDir } : {}),
      ...(values.host ? { host: values.host } : {}),
      ...(values.token ? { token: values.token } : {}),
    });
  } catch (err) {
    io.err(`ddpx inspect: ${(err as Error).message}`);
    return 1;
  }
  io.out(`ddpx inspector on ${inspector.url}`);
  io.out(`pass { inspect: '${inspector.inspectUrl}' } to connect() or createServer()`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    io.signal?.addEventListener('abort', stop, { once: true });
  });
  await inspector.close();
  return 0;
}
