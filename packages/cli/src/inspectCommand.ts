import type { CliIo } from './cliIo.js';
import { EXIT } from './exitCodes.js';

/** What `@ddpx/inspector` exports for the CLI. */
interface InspectorModule {
  runInspectCommand(argv: string[]): Promise<number>;
}

/** The optional peer that implements `ddpx inspect`. */
export const INSPECTOR_PACKAGE = '@ddpx/inspector';

/**
 * `ddpx inspect [args…]`: hands over to `@ddpx/inspector` (an optional peer dependency, loaded only
 * here), or explains how to install it (exit 2).
 */
export async function inspectCommand(
  argv: string[],
  io: CliIo,
  load: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<number> {
  let inspector: Partial<InspectorModule>;
  try {
    inspector = (await load(INSPECTOR_PACKAGE)) as Partial<InspectorModule>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      String((error as { message?: unknown }).message).includes(`'${INSPECTOR_PACKAGE}'`);
    if (!missing) throw error;
    io.err(
      `ddpx: 'ddpx inspect' needs ${INSPECTOR_PACKAGE}, which is not installed: install @ddpx/inspector (npm i @ddpx/inspector) next to @ddpx/cli`,
    );
    return EXIT.usage;
  }
  if (typeof inspector.runInspectCommand !== 'function') {
    io.err(`ddpx: ${INSPECTOR_PACKAGE} is installed but has no runInspectCommand(); update it`);
    return EXIT.usage;
  }
  return inspector.runInspectCommand(argv);
}
