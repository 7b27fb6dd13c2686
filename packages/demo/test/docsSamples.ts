import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced TypeScript block from a Markdown file. */
export interface DocSample {
  /** `client.md` */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** `ts` or `tsx`. */
  lang: 'ts' | 'tsx';
  code: string;
}

const FENCE = /^```(ts|tsx|typescript)(?:\s+(.*))?$/;

/**
 * Every ```ts / ```tsx / ```typescript block of every `*.md` in `dir`. A block whose info string says
 * `ignore` (```ts ignore) is left out: use it only for fragments that cannot stand alone (and say why).
 */
export function extractSamples(dir: string): DocSample[] {
  const samples: DocSample[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = FENCE.exec(lines[i]!.trim());
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i]!.trim() !== '```'; i++) body.push(lines[i]!);
      if (open[2]?.split(/\s+/).includes('ignore')) continue;
      samples.push({ file, line: start + 1, lang: open[1] === 'tsx' ? 'tsx' : 'ts', code: body.join('\n') });
    }
  }
  return samples;
}
