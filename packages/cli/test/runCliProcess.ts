import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** packages/cli */
export const cliDir = fileURLToPath(new URL('..', import.meta.url));

/** The command that runs `ddpx` from the TypeScript sources (tsx, `source` condition). */
export const FROM_SOURCES = [process.execPath, '--conditions=source', '--import', 'tsx', 'src/bin.ts'];

/** What a finished CLI process printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  /** Sends SIGINT once stdout matches (for the commands that run until Ctrl-C). */
  interruptWhen?: RegExp;
  /** Sees stdout as it grows. */
  onStdout?: (stdout: string) => void;
  /** Kills the process and fails after this long. @default 40000 */
  timeoutMs?: number;
  /** The command to run instead of `ddpx` from sources (argv; `args` are appended). */
  command?: readonly string[];
  /** Working directory. @default packages/cli */
  cwd?: string;
}

/** Runs `ddpx <args>` as a child process (from the sources unless `command` says otherwise). */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const [file, ...pre] = options.command ?? FROM_SOURCES;
  const child: ChildProcess = spawn(file as string, [...pre, ...args], {
    cwd: options.cwd ?? cliDir,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout);
    if (!interrupted && options.interruptWhen?.test(stdout)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ddpx ${args.join(' ')} did not finish; stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 40_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Quotes one word for `bash -c`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `<ddpx command> <args> | head -n <lines>` in bash and reports ddpx's own exit code
 * (`PIPESTATUS[0]`) as `code`, what head let through as `stdout`, and ddpx's stderr.
 */
export function runPipedIntoHead(
  command: readonly string[],
  args: string[],
  lines: number,
  cwd = cliDir,
): Promise<CliRun> {
  const line = `${[...command, ...args].map(shellQuote).join(' ')} | head -n ${lines}; exit \${PIPESTATUS[0]}`;
  return runCli([], { command: ['bash', '-c', line], cwd, timeoutMs: 40_000 });
}
