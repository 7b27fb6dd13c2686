import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const demoDir = fileURLToPath(new URL('..', import.meta.url));

/** What a finished CLI process printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `ddpx <args>` from the TypeScript sources (tsx, `source` condition) as a child process. With
 * `interruptWhen`, sends SIGINT once stdout matches it (for the commands that run until Ctrl-C).
 */
export function runCli(
  args: string[],
  options: { interruptWhen?: RegExp; timeoutMs?: number } = {},
): Promise<CliRun> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', 'src/cli.ts', ...args],
    {
      cwd: demoDir,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let interrupted = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
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
    }, options.timeoutMs ?? 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
