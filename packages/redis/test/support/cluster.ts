import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const NODE = fileURLToPath(new URL('./clusterNode.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/** One ddpx server process of a test cluster. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** What it wrote to stderr so far. */
  readonly stderr: () => string;
  /** Sends `signal` and waits for the process to exit; resolves its exit code. */
  stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null>;
}

/** Starts `clusterNode.ts` (a ddpx server on the Redis store) as a child process from the sources. */
export function startNode(
  id: string,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ClusterNode> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', NODE], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, REDIS_URL: redisUrl, NODE_ID: id, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${id} did not start: ${stderr}`));
    }, 15_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        id,
        port,
        child,
        stderr: () => stderr,
        stop: async (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${id} exited (${code}) before listening: ${stderr}`));
    });
  });
}
