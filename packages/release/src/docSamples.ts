import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_DIR } from './diagramSources.js';

/** The first fenced code block after the heading `## <heading>` in a file under docs/. */
export function sampleAfter(doc: string, heading: string): string {
  const text = readFileSync(join(REPO_DIR, 'docs', doc), 'utf8');
  const at = text.indexOf(`\n## ${heading}\n`);
  if (at < 0) throw new Error(`docs/${doc} has no heading '## ${heading}'`);
  const open = /```(ts|tsx)\n/.exec(text.slice(at));
  if (!open) throw new Error(`docs/${doc}: no code block after '## ${heading}'`);
  const start = at + open.index + open[0].length;
  return text.slice(start, text.indexOf('\n```', start) + 1);
}

/** TypeScript (or TSX) to plain ESM JavaScript, types stripped, nothing else changed. */
export function toJavaScript(source: string): string {
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      jsx: ts.JsxEmit.ReactJSX,
      verbatimModuleSyntax: false,
    },
  }).outputText;
}
