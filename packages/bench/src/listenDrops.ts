import { readFileSync } from 'node:fs';

/**
 * The kernel's machine-wide count of connection attempts dropped because a listen queue was full
 * (`TcpExt: ListenDrops` in /proc/net/netstat); undefined where that file does not exist.
 */
export function listenDrops(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i++) {
      if (!lines[i]!.startsWith('TcpExt:')) continue;
      const names = lines[i]!.split(/\s+/);
      const values = lines[i + 1]!.split(/\s+/);
      const k = names.indexOf('ListenDrops');
      return k > 0 ? Number(values[k]) : undefined;
    }
  } catch {
    // not Linux
  }
  return undefined;
}
