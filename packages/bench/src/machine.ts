import { execSync } from 'node:child_process';
import os from 'node:os';

/** A one-paragraph description of the machine and runtime the numbers come from. */
export function describeMachine(): string {
  const cpus = os.cpus();
  let ulimit = '?';
  try {
    ulimit = execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim();
  } catch {
    // not a POSIX shell: leave '?'
  }
  return [
    `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}`,
    `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `${os.type()} ${os.release()} (${os.arch()})`,
    `Node ${process.version}`,
    `ulimit -n ${ulimit}`,
    `load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  ].join(', ');
}
