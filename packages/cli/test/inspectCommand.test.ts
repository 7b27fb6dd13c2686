import { describe, expect, it } from 'vitest';
import { INSPECTOR_PACKAGE, inspectCommand } from '../src/inspectCommand.js';

function recordingIo() {
  const err: string[] = [];
  return {
    err,
    io: { out() {}, err: (line: string) => err.push(line), interrupted: new Promise<void>(() => {}) },
  };
}

describe('ddpx inspect', () => {
  it('hands its arguments to @ddpx/inspector and returns its exit code', async () => {
    const seen: string[][] = [];
    const { io } = recordingIo();
    const code = await inspectCommand(['--port', '4000'], io, async (specifier) => {
      expect(specifier).toBe(INSPECTOR_PACKAGE);
      return {
        runInspectCommand: async (argv: string[]) => {
          seen.push(argv);
          return 7;
        },
      };
    });
    expect(code).toBe(7);
    expect(seen).toEqual([['--port', '4000']]);
  });

  it('says to install @ddpx/inspector when it is missing (exit 2)', async () => {
    const { io, err } = recordingIo();
    const code = await inspectCommand([], io, async () => {
      // What Node throws for an absent package.
      throw Object.assign(new Error(`Cannot find package '@ddpx/inspector' imported from /x/bin.js`), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('install @ddpx/inspector');
  });

  it('does not mistake a broken inspector for a missing one', async () => {
    const { io } = recordingIo();
    const broken = Object.assign(new Error(`Cannot find package 'left-pad' imported from inspector`), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(
      inspectCommand([], io, async () => {
        throw broken;
      }),
    ).rejects.toBe(broken);
  });
});
