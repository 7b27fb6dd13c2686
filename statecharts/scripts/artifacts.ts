import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { toMermaid } from '../src/diagram.js';
import { clientConnectionMachine, serverLifecycleMachine, serverSessionMachine } from '../src/index.js';

/** statecharts/ */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The repository root. */
export const REPO_DIR = join(PACKAGE_DIR, '..');
/** The doc whose mermaid blocks are generated. */
export const STATECHARTS_DOC = join(REPO_DIR, 'docs', 'statecharts.md');

/** The machines whose pictures are committed, by export name. */
export const MACHINES: Record<string, AnyStateMachine> = {
  clientConnectionMachine,
  serverSessionMachine,
  serverLifecycleMachine,
};

const HEADER =
  '%% Generated from statecharts/src by `pnpm --filter @ddpx/statecharts generate`. Do not edit.\n';

/** The machine definition as committed JSON (`machine.toJSON()`, functions dropped, stable order). */
export function machineJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(machine.toJSON(), null, 2)}\n`;
}

/** The committed Mermaid file for a machine. */
export function machineMermaid(machine: AnyStateMachine): string {
  return HEADER + toMermaid(machine);
}

const begin = (name: string) => `<!-- BEGIN GENERATED ${name}: pnpm --filter @ddpx/statecharts generate -->`;
const end = (name: string) => `<!-- END GENERATED ${name} -->`;

/** Replaces each machine's marked block in docs/statecharts.md with its current ```mermaid block. */
export function renderDoc(current: string): string {
  let doc = current;
  for (const [name, machine] of Object.entries(MACHINES)) {
    const b = begin(name);
    const e = end(name);
    const i = doc.indexOf(b);
    const j = doc.indexOf(e);
    if (i < 0 || j < i)
      throw new Error(`${relative(REPO_DIR, STATECHARTS_DOC)} lacks the markers for ${name}:\n${b}\n${e}`);
    const block = `${b}\n\`\`\`mermaid\n${toMermaid(machine)}\`\`\`\n${e}`;
    doc = doc.slice(0, i) + block + doc.slice(j + e.length);
  }
  return doc;
}

/** Every generated file: absolute path → expected contents. */
export function expectedArtifacts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, machine] of Object.entries(MACHINES)) {
    files.set(join(PACKAGE_DIR, 'generated', `${name}.json`), machineJson(machine));
    files.set(join(PACKAGE_DIR, 'generated', `${name}.mmd`), machineMermaid(machine));
  }
  files.set(STATECHARTS_DOC, renderDoc(readFileSync(STATECHARTS_DOC, 'utf8')));
  return files;
}
