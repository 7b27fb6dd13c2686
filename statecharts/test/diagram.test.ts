import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { mermaidLabel, toMermaid } from '../src/diagram.js';
import { clientConnectionMachine } from '../src/index.js';

// What keeps the generated Mermaid renderable (the rendering itself is tested in
// packages/release/test/diagrams.test.ts, in a real browser).
describe('toMermaid', () => {
  it('writes no colon inside a label (a parse error in Mermaid 10)', () => {
    expect(mermaidLabel('done: reconnectHooks')).toBe('done(reconnectHooks)');
    expect(mermaidLabel('error: reconnectHooks')).toBe('error(reconnectHooks)');
    expect(mermaidLabel('EVENT [guard] / a:b')).toBe('EVENT [guard] / a#58;b');
    for (const line of toMermaid(clientConnectionMachine).split('\n')) {
      const label = line.split(' : ')[1];
      if (label) expect(label).not.toContain(':');
    }
  });

  it("draws a parallel state's own edges outside it, never after its last region", () => {
    const machine = createMachine({
      id: 'm',
      initial: 'p',
      states: {
        p: {
          type: 'parallel',
          states: {
            a: { initial: 'x', states: { x: {} }, on: { PING: { actions: () => {} } } },
            b: { initial: 'y', states: { y: {} } },
          },
        },
      },
    });
    const lines = toMermaid(machine).split('\n');
    const edge = lines.findIndex((l) => l.trim() === 'a --> a : PING (internal)');
    const close = lines.indexOf('  }');
    expect(edge).toBeGreaterThan(close);
    expect(lines[edge]).toBe('  a --> a : PING (internal)');
  });

  it('gives transitions between the same two states one arrow, a label line each', () => {
    const machine = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { ONE: 'b', TWO: 'b' } }, b: {} },
    });
    expect(toMermaid(machine)).toContain('a --> b : ONE<br/>TWO');
  });
});
