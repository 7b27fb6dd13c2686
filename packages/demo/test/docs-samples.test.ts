import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { extractSamples } from './docsSamples.js';

// Every TypeScript sample in docs/*.md is typechecked against the workspace sources, as a module of
// its own, with the workspace's strict options. Samples are placed inside packages/demo so imports of
// @ddpx/* resolve through its dependencies (client, server, react, statecharts, protocol, xstate).
const demoDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = join(demoDir, '..', '..', 'docs');
const samples = extractSamples(docsDir);

function typecheck(): Map<string, string[]> {
  const configPath = join(demoDir, '..', '..', 'tsconfig.base.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dirname(configPath));
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    jsx: ts.JsxEmit.ReactJSX,
    customConditions: ['source'],
    noUnusedLocals: false,
  };
  const virtual = new Map<string, string>();
  samples.forEach((s, i) => {
    const name = join(demoDir, '.docs-samples', `${s.file.replace(/\W/g, '_')}_${s.line}_${i}.${s.lang}`);
    // Each sample is a module (top-level await allowed).
    virtual.set(name, `${s.code}\nexport {};\n`);
  });
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(f);
    return text === undefined
      ? getSourceFile(f, lang, onError, create)
      : ts.createSourceFile(f, text, lang, true);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const byFile = new Map<string, string[]>();
  const names = [...virtual.keys()];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName;
    const index = file ? names.indexOf(file) : -1;
    const sample = samples[index];
    const key = sample ? `${sample.file}:${sample.line}` : (file ?? 'global');
    const where =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
        : undefined;
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const list = byFile.get(key) ?? [];
    list.push(where ? `sample line ${where.line + 1}: ${text}` : text);
    byFile.set(key, list);
  }
  return byFile;
}

// Typechecked once, reported per docs file so a failure names the guide (and its owner).
let problems: Map<string, string[]> | undefined;
const problemsIn = (file: string) => {
  problems ??= typecheck();
  return [...problems].filter(([where]) => where.startsWith(`${file}:`));
};

describe('docs code samples', () => {
  it('finds the samples of the guides this package owns', () => {
    const files = new Set(samples.map((s) => s.file));
    for (const guide of ['getting-started.md', 'react.md', 'migrating.md', 'reconnect-lifecycle.md']) {
      expect(files, guide).toContain(guide);
    }
  });

  const files = [...new Set(samples.map((s) => s.file))];
  it.each(files)(
    'every ```ts / ```tsx block in docs/%s typechecks against the workspace',
    (file) => {
      const report = problemsIn(file)
        .map(([where, list]) => `docs/${where}\n  ${list.join('\n  ')}`)
        .join('\n');
      expect(
        report,
        `samples that do not compile (mark a deliberate fragment \`\`\`ts ignore):\n${report}`,
      ).toBe('');
    },
    60_000,
  );
});
